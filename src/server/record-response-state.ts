import { randomUUID } from 'node:crypto';
import type { ResponsesStateStore } from '../state/responses-state-store.js';
import { itemsForStorage } from '../translate/stored-items.js';
import type { ResponsesInputItem, ResponsesResponse, ResponsesStoredItem } from '../translate/types.js';
import type { StateWrites } from './state-writes.js';

// After a /v1/responses request: the response is kept for GET /v1/responses/{id} (unless the client
// said store:false, as Codex does), and a conversation it belongs to gets its input and output.

/** A new item id, e.g. `msg_3f2a…`, as api.openai.com's look. */
export const newItemId = (prefix: string): string => `${prefix}_${randomUUID().replace(/-/g, '')}`;

export interface FinishedResponse {
  response: ResponsesResponse;
  /** The request's input, item references resolved. */
  input: ResponsesInputItem[];
  store: boolean;
  conversationId?: string;
}

export interface RecordDeps {
  state: ResponsesStateStore;
  writes: StateWrites;
  log?: (line: string) => void;
}

/** Starts the writes (tracked in deps.writes) and resolves once they landed; never rejects. */
export function recordResponseState(finished: FinishedResponse, deps: RecordDeps): Promise<void> {
  const { response, conversationId } = finished;
  const ended = response.status === 'completed' || response.status === 'incomplete';
  const keepsResponse = finished.store;
  const extendsConversation = conversationId !== undefined && ended;
  if (!keepsResponse && !extendsConversation) return Promise.resolve();

  const inputItems = itemsForStorage(finished.input, newItemId);
  const output = response.output as unknown as ResponsesStoredItem[];
  const write = Promise.all([
    keepsResponse ? deps.state.saveResponse({ response, inputItems }) : undefined,
    extendsConversation ? deps.state.appendConversationItems(conversationId, [...inputItems, ...output]) : undefined,
  ]).then(
    () => undefined,
    (error: unknown) => deps.log?.(`could not keep response ${response.id}: ${(error as Error)?.message ?? String(error)}`),
  );
  deps.writes.track(conversationId === undefined ? [response.id] : [response.id, conversationId], write);
  return write;
}
