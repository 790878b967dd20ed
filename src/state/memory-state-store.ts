import { deepFreeze } from '../translate/deep-freeze.js';
import { clientKey, viewFor } from './client-keys.js';
import type { ConversationObject, KeptResponse, ResponsesStateStore, StoredItem } from './responses-state-store.js';

// The ResponsesStateStore of one bridge process, in memory and bounded like the SessionStore:
// responses oldest first, conversations least recently used first, each kind within a count and a
// size (its JSON length), over every client together. What goes in is frozen, so no caller can
// change what another reads. Each client's view (forClient) keys what it keeps by its name
// (client-keys.ts).

export interface MemoryStateStoreOptions {
  maxResponses?: number;
  maxResponseBytes?: number;
  maxConversations?: number;
  maxConversationBytes?: number;
}

interface ResponseEntry {
  kept: KeptResponse;
  bytes: number;
  /** Whose it is: eviction by another client's write releases its items under this name. */
  clientName: string | undefined;
}

interface ConversationEntry {
  conversation: ConversationObject;
  items: StoredItem[];
  bytes: number;
  clientName: string | undefined;
}

/** What every client's view shares: the entries of all of them, and the limits over all. */
class Entries {
  readonly responses = new Map<string, ResponseEntry>();
  readonly conversations = new Map<string, ConversationEntry>();
  /** Every item of a kept response or conversation, by its key, with how many of them hold it. */
  readonly items = new Map<string, { item: StoredItem; holders: number }>();
  responseBytes = 0;
  conversationBytes = 0;
  readonly views = new Map<string, MemoryStateStore>();
  constructor(readonly limits: Required<MemoryStateStoreOptions>) {}
}

const sizeOf = (value: unknown) => JSON.stringify(value).length;
const outputItems = (kept: KeptResponse) => kept.response.output as unknown as StoredItem[];

export class MemoryStateStore implements ResponsesStateStore {
  private all: Entries;
  private clientName: string | undefined;

  constructor(options: MemoryStateStoreOptions = {}) {
    this.all = new Entries({
      maxResponses: 5_000,
      maxResponseBytes: 128 * 1024 * 1024,
      maxConversations: 1_000,
      maxConversationBytes: 128 * 1024 * 1024,
      ...options,
    });
  }

  forClient(clientName: string | undefined): ResponsesStateStore {
    if (clientName === undefined) return this;
    return viewFor(this.all.views, clientName, () => {
      const view = new MemoryStateStore(this.all.limits);
      view.all = this.all;
      view.clientName = clientName;
      return view;
    });
  }

  private key(id: string): string {
    return clientKey(this.clientName, id);
  }

  async saveResponse(kept: KeptResponse): Promise<void> {
    deepFreeze(kept);
    const all = this.all;
    const key = this.key(kept.response.id);
    this.dropResponse(key);
    const entry = { kept, bytes: sizeOf(kept), clientName: this.clientName };
    all.responses.set(key, entry);
    all.responseBytes += entry.bytes;
    this.hold(this.clientName, [...kept.inputItems, ...outputItems(kept)]);
    // Oldest first, never the one just kept.
    while (all.responses.size > 1 && (all.responses.size > all.limits.maxResponses || all.responseBytes > all.limits.maxResponseBytes)) {
      this.dropResponse(all.responses.keys().next().value as string);
    }
  }

  async getResponse(id: string): Promise<KeptResponse | undefined> {
    return this.all.responses.get(this.key(id))?.kept;
  }

  async deleteResponse(id: string): Promise<boolean> {
    return this.dropResponse(this.key(id));
  }

  async getItems(ids: readonly string[]): Promise<Map<string, StoredItem>> {
    const found = new Map<string, StoredItem>();
    for (const id of ids) {
      const held = this.all.items.get(this.key(id));
      if (held) found.set(id, held.item);
    }
    return found;
  }

  async createConversation(conversation: ConversationObject, items: StoredItem[]): Promise<void> {
    deepFreeze(items);
    const key = this.key(conversation.id);
    this.dropConversation(key);
    const entry = { conversation: { ...conversation }, items: [...items], bytes: sizeOf(conversation) + sizeOf(items), clientName: this.clientName };
    this.all.conversations.set(key, entry);
    this.all.conversationBytes += entry.bytes;
    this.hold(this.clientName, items);
    this.evictConversations();
  }

  async getConversation(id: string): Promise<ConversationObject | undefined> {
    const entry = this.touch(id);
    return entry && { ...entry.conversation };
  }

  async updateConversation(id: string, metadata: Record<string, unknown>): Promise<ConversationObject | undefined> {
    const entry = this.touch(id);
    if (!entry) return undefined;
    entry.conversation = { ...entry.conversation, metadata: deepFreeze({ ...metadata }) };
    return { ...entry.conversation };
  }

  async deleteConversation(id: string): Promise<boolean> {
    return this.dropConversation(this.key(id));
  }

  async conversationItems(id: string): Promise<StoredItem[] | undefined> {
    const entry = this.touch(id);
    return entry && [...entry.items];
  }

  async appendConversationItems(id: string, items: StoredItem[]): Promise<boolean> {
    const entry = this.touch(id);
    if (!entry) return false;
    deepFreeze(items);
    entry.items.push(...items);
    const bytes = sizeOf(items);
    entry.bytes += bytes;
    this.all.conversationBytes += bytes;
    this.hold(this.clientName, items);
    this.evictConversations();
    return true;
  }

  async deleteConversationItem(id: string, itemId: string): Promise<boolean | undefined> {
    const entry = this.touch(id);
    if (!entry) return undefined;
    const index = entry.items.findIndex((item) => item.id === itemId);
    if (index < 0) return false;
    const [removed] = entry.items.splice(index, 1);
    const bytes = sizeOf(removed);
    entry.bytes -= bytes;
    this.all.conversationBytes -= bytes;
    this.release(this.clientName, [removed]);
    return true;
  }

  /** The conversation, now the most recently used. */
  private touch(id: string): ConversationEntry | undefined {
    const key = this.key(id);
    const { conversations } = this.all;
    const entry = conversations.get(key);
    if (entry) {
      conversations.delete(key);
      conversations.set(key, entry);
    }
    return entry;
  }

  private evictConversations(): void {
    const all = this.all;
    const { maxConversations, maxConversationBytes } = all.limits;
    while (all.conversations.size > 1 && (all.conversations.size > maxConversations || all.conversationBytes > maxConversationBytes)) {
      this.dropConversation(all.conversations.keys().next().value as string);
    }
  }

  private dropResponse(key: string): boolean {
    const entry = this.all.responses.get(key);
    if (!entry) return false;
    this.all.responses.delete(key);
    this.all.responseBytes -= entry.bytes;
    this.release(entry.clientName, [...entry.kept.inputItems, ...outputItems(entry.kept)]);
    return true;
  }

  private dropConversation(key: string): boolean {
    const entry = this.all.conversations.get(key);
    if (!entry) return false;
    this.all.conversations.delete(key);
    this.all.conversationBytes -= entry.bytes;
    this.release(entry.clientName, entry.items);
    return true;
  }

  private hold(clientName: string | undefined, items: readonly StoredItem[]): void {
    for (const item of items) {
      if (typeof item?.id !== 'string') continue;
      const key = clientKey(clientName, item.id);
      const held = this.all.items.get(key);
      // The newest version of an item is the one a reference gets.
      this.all.items.set(key, { item, holders: (held?.holders ?? 0) + 1 });
    }
  }

  private release(clientName: string | undefined, items: readonly StoredItem[]): void {
    for (const item of items) {
      if (typeof item?.id !== 'string') continue;
      const key = clientKey(clientName, item.id);
      const held = this.all.items.get(key);
      if (!held) continue;
      if (held.holders <= 1) this.all.items.delete(key);
      else held.holders -= 1;
    }
  }
}
