import type { ResponsesResponse, ResponsesStoredItem } from '../translate/types.js';

// What the Responses API keeps between requests for clients other than Codex, behind one small
// async interface so that the server does not depend on where it lives: stored responses (GET and
// DELETE /v1/responses/{id}, their input items), conversations and their items (/v1/conversations),
// and every stored item by id (for `item_reference` inputs). Today one in-memory backend
// (memory-state-store.ts); a shared one (Redis, for several `serve` replicas) implements the same.
//
// Every method may be slow (a network round trip), none may throw for a missing id: it answers
// undefined/false instead. Objects passed in and handed out are not to be changed by anyone.

export type StoredItem = ResponsesStoredItem;

/** A stored response: the response object as sent, and the input it answered. */
export interface KeptResponse {
  response: ResponsesResponse;
  /** The request's input items, each with an id, item references resolved; oldest first. */
  inputItems: StoredItem[];
}

/** The Conversations API's conversation object. */
export interface ConversationObject {
  id: string;
  object: 'conversation';
  created_at: number;
  metadata: Record<string, unknown>;
}

export interface ResponsesStateStore {
  /**
   * The store as the client named `clientName` sees it (`serve --tokens`): only what that client
   * created, anything else answered as an id that does not exist. Without a name, the store itself.
   */
  forClient(clientName: string | undefined): ResponsesStateStore;

  saveResponse(kept: KeptResponse): Promise<void>;
  getResponse(id: string): Promise<KeptResponse | undefined>;
  /** False if there was no such response. */
  deleteResponse(id: string): Promise<boolean>;

  /** The stored items among `ids` (from stored responses and from conversations), by id. */
  getItems(ids: readonly string[]): Promise<Map<string, StoredItem>>;

  createConversation(conversation: ConversationObject, items: StoredItem[]): Promise<void>;
  getConversation(id: string): Promise<ConversationObject | undefined>;
  /** The updated conversation, undefined if there is none. */
  updateConversation(id: string, metadata: Record<string, unknown>): Promise<ConversationObject | undefined>;
  /** False if there was no such conversation. */
  deleteConversation(id: string): Promise<boolean>;
  /** Every item of a conversation, oldest first; undefined if there is no such conversation. */
  conversationItems(id: string): Promise<StoredItem[] | undefined>;
  /** False if there is no such conversation. */
  appendConversationItems(id: string, items: StoredItem[]): Promise<boolean>;
  /** Undefined if there is no such conversation, false if it has no such item. */
  deleteConversationItem(id: string, itemId: string): Promise<boolean | undefined>;
}
