import { deepFreeze } from '../translate/deep-freeze.js';
import type { ConversationObject, KeptResponse, ResponsesStateStore, StoredItem } from './responses-state-store.js';

// The ResponsesStateStore of one bridge process, in memory and bounded like the SessionStore:
// responses oldest first, conversations least recently used first, each kind within a count and a
// size (its JSON length). What goes in is frozen, so no caller can change what another reads.

export interface MemoryStateStoreOptions {
  maxResponses?: number;
  maxResponseBytes?: number;
  maxConversations?: number;
  maxConversationBytes?: number;
}

interface ResponseEntry {
  kept: KeptResponse;
  bytes: number;
}

interface ConversationEntry {
  conversation: ConversationObject;
  items: StoredItem[];
  bytes: number;
}

const sizeOf = (value: unknown) => JSON.stringify(value).length;

export class MemoryStateStore implements ResponsesStateStore {
  private readonly limits: Required<MemoryStateStoreOptions>;
  private readonly responses = new Map<string, ResponseEntry>();
  private readonly conversations = new Map<string, ConversationEntry>();
  /** Every item of a kept response or conversation, with how many of them hold it. */
  private readonly items = new Map<string, { item: StoredItem; holders: number }>();
  private responseBytes = 0;
  private conversationBytes = 0;

  constructor(options: MemoryStateStoreOptions = {}) {
    this.limits = {
      maxResponses: 5_000,
      maxResponseBytes: 128 * 1024 * 1024,
      maxConversations: 1_000,
      maxConversationBytes: 128 * 1024 * 1024,
      ...options,
    };
  }

  async saveResponse(kept: KeptResponse): Promise<void> {
    deepFreeze(kept);
    this.dropResponse(kept.response.id);
    const entry = { kept, bytes: sizeOf(kept) };
    this.responses.set(kept.response.id, entry);
    this.responseBytes += entry.bytes;
    this.hold([...kept.inputItems, ...(kept.response.output as unknown as StoredItem[])]);
    // Oldest first, never the one just kept.
    while (this.responses.size > 1 && (this.responses.size > this.limits.maxResponses || this.responseBytes > this.limits.maxResponseBytes)) {
      this.dropResponse(this.responses.keys().next().value as string);
    }
  }

  async getResponse(id: string): Promise<KeptResponse | undefined> {
    return this.responses.get(id)?.kept;
  }

  async deleteResponse(id: string): Promise<boolean> {
    return this.dropResponse(id);
  }

  async getItems(ids: readonly string[]): Promise<Map<string, StoredItem>> {
    const found = new Map<string, StoredItem>();
    for (const id of ids) {
      const held = this.items.get(id);
      if (held) found.set(id, held.item);
    }
    return found;
  }

  async createConversation(conversation: ConversationObject, items: StoredItem[]): Promise<void> {
    deepFreeze(items);
    this.dropConversation(conversation.id);
    const entry = { conversation: { ...conversation }, items: [...items], bytes: sizeOf(conversation) + sizeOf(items) };
    this.conversations.set(conversation.id, entry);
    this.conversationBytes += entry.bytes;
    this.hold(items);
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
    return this.dropConversation(id);
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
    this.conversationBytes += bytes;
    this.hold(items);
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
    this.conversationBytes -= bytes;
    this.release([removed]);
    return true;
  }

  /** The conversation, now the most recently used. */
  private touch(id: string): ConversationEntry | undefined {
    const entry = this.conversations.get(id);
    if (entry) {
      this.conversations.delete(id);
      this.conversations.set(id, entry);
    }
    return entry;
  }

  private evictConversations(): void {
    const { maxConversations, maxConversationBytes } = this.limits;
    while (this.conversations.size > 1 && (this.conversations.size > maxConversations || this.conversationBytes > maxConversationBytes)) {
      this.dropConversation(this.conversations.keys().next().value as string);
    }
  }

  private dropResponse(id: string): boolean {
    const entry = this.responses.get(id);
    if (!entry) return false;
    this.responses.delete(id);
    this.responseBytes -= entry.bytes;
    this.release([...entry.kept.inputItems, ...(entry.kept.response.output as unknown as StoredItem[])]);
    return true;
  }

  private dropConversation(id: string): boolean {
    const entry = this.conversations.get(id);
    if (!entry) return false;
    this.conversations.delete(id);
    this.conversationBytes -= entry.bytes;
    this.release(entry.items);
    return true;
  }

  private hold(items: readonly StoredItem[]): void {
    for (const item of items) {
      if (typeof item?.id !== 'string') continue;
      const held = this.items.get(item.id);
      // The newest version of an item is the one a reference gets.
      this.items.set(item.id, { item, holders: (held?.holders ?? 0) + 1 });
    }
  }

  private release(items: readonly StoredItem[]): void {
    for (const item of items) {
      if (typeof item?.id !== 'string') continue;
      const held = this.items.get(item.id);
      if (!held) continue;
      if (held.holders <= 1) this.items.delete(item.id);
      else held.holders -= 1;
    }
  }
}
