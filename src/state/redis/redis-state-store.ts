import type { ConversationObject, KeptResponse, ResponsesStateStore, StoredItem } from '../responses-state-store.js';
import { BoundedKind, KEY_PREFIX, type KindLimits } from '../../storage/bounded-kinds.js';
import { queueScript, runScript, type RedisConnection } from '../../storage/redis-connection.js';
import { clientKey, viewFor } from '../client-keys.js';

// The ResponsesStateStore of every `serve --store redis://…` replica, in Redis:
//   codex-bridge:response:<id>               a stored response and its input items (JSON)
//   codex-bridge:conversation:<id>           a conversation object (JSON)
//   codex-bridge:conversation:<id>:items     its items, oldest first (a list of JSON)
//   codex-bridge:item:<item id>              where the item is kept: "r:<response id>" or "c:<conversation id>"
// Responses and conversations are bounded kinds (bounded-kinds.ts): they expire after their
// retention, a conversation counted from when it was last used, and the oldest go past a count or a
// size. An item is found through its holder, so an item whose holder is gone is gone too.
// A client's view (forClient, `serve --tokens`) puts its name before every id in these keys
// (`codex-bridge:response:alice/resp_…`, client-keys.ts); a holder names an id of the same client.

export interface RedisStateStoreLimits {
  responses?: KindLimits;
  conversations?: KindLimits;
}

const itemKey = (id: string) => `${KEY_PREFIX}item:${id}`;
const idsOf = (items: readonly StoredItem[]) => items.map((item) => item?.id).filter((id): id is string => typeof id === 'string');

export class RedisStateStore implements ResponsesStateStore {
  private readonly responses: BoundedKind;
  private readonly conversations: BoundedKind;
  private readonly views: Map<string, RedisStateStore>;

  constructor(
    private readonly redis: RedisConnection,
    limits: RedisStateStoreLimits = {},
    private readonly clientName?: string,
    views?: Map<string, RedisStateStore>,
  ) {
    this.responses = new BoundedKind('responses', limits.responses);
    this.conversations = new BoundedKind('conversations', limits.conversations);
    this.views = views ?? new Map();
  }

  forClient(clientName: string | undefined): ResponsesStateStore {
    if (clientName === undefined) return this;
    const limits = { responses: this.responses.limits, conversations: this.conversations.limits };
    return viewFor(this.views, clientName, () => new RedisStateStore(this.redis, limits, clientName, this.views));
  }

  /** The entry id of `id` in this view: its key, and its name in the kind's index. */
  private own(id: string): string {
    return clientKey(this.clientName, id);
  }

  async saveResponse(kept: KeptResponse): Promise<void> {
    const { id } = kept.response;
    const json = JSON.stringify(kept);
    const ttl = this.responses.limits.retentionMs;
    await this.redis.write((multi) => {
      multi.set(this.responses.key(this.own(id)), json, 'PX', ttl);
      for (const itemId of idsOf([...kept.inputItems, ...(kept.response.output as unknown as StoredItem[])])) multi.set(itemKey(this.own(itemId)), `r:${id}`, 'PX', ttl);
      return this.redis.bounded(multi, this.responses, 'set', this.own(id), Buffer.byteLength(json));
    });
  }

  async getResponse(id: string): Promise<KeptResponse | undefined> {
    const json = await this.redis.run((client) => client.get(this.responses.key(this.own(id))));
    return json === null ? undefined : (JSON.parse(json) as KeptResponse);
  }

  async deleteResponse(id: string): Promise<boolean> {
    const [existed] = await this.redis.exec((multi) => this.redis.bounded(multi.exists(this.responses.key(this.own(id))), this.responses, 'drop', this.own(id)));
    return existed === 1;
  }

  async getItems(ids: readonly string[]): Promise<Map<string, StoredItem>> {
    const found = new Map<string, StoredItem>();
    if (ids.length === 0) return found;
    const holders = await this.redis.run((client) => client.mget(...ids.map((id) => itemKey(this.own(id)))));
    const wanted = new Map<string, Set<string>>();
    holders.forEach((holder, i) => {
      if (holder) wanted.set(holder, (wanted.get(holder) ?? new Set()).add(ids[i]));
    });
    for (const [holder, itemIds] of wanted) {
      const items = holder.startsWith('r:') ? await this.responseItems(holder.slice(2)) : await this.conversationItems(holder.slice(2));
      // The newest version of an item is the one a reference gets.
      for (const item of items ?? []) if (itemIds.has(item.id as string)) found.set(item.id as string, item);
    }
    return found;
  }

  private async responseItems(id: string): Promise<StoredItem[] | undefined> {
    const kept = await this.getResponse(id);
    return kept && [...kept.inputItems, ...(kept.response.output as unknown as StoredItem[])];
  }

  async createConversation(conversation: ConversationObject, items: StoredItem[]): Promise<void> {
    const id = this.own(conversation.id);
    const json = JSON.stringify(conversation);
    const itemJson = items.map((item) => JSON.stringify(item));
    const ttl = this.conversations.limits.retentionMs;
    const bytes = Buffer.byteLength(json) + itemJson.reduce((sum, text) => sum + Buffer.byteLength(text), 0);
    await this.redis.exec((multi) => {
      multi.set(this.conversations.key(id), json, 'PX', ttl).del(this.conversations.key(id, ':items'));
      if (itemJson.length > 0) multi.rpush(this.conversations.key(id, ':items'), ...itemJson).pexpire(this.conversations.key(id, ':items'), ttl);
      for (const itemId of idsOf(items)) multi.set(itemKey(this.own(itemId)), `c:${conversation.id}`, 'PX', ttl);
      return this.redis.bounded(multi, this.conversations, 'set', id, bytes);
    });
  }

  async getConversation(conversationId: string): Promise<ConversationObject | undefined> {
    const id = this.own(conversationId);
    const [json] = await this.redis.exec((multi) => this.used(multi.get(this.conversations.key(id)), id));
    return typeof json === 'string' ? (JSON.parse(json) as ConversationObject) : undefined;
  }

  async updateConversation(conversationId: string, metadata: Record<string, unknown>): Promise<ConversationObject | undefined> {
    const current = await this.getConversation(conversationId);
    if (!current) return undefined;
    const updated = { ...current, metadata: { ...metadata } };
    const json = JSON.stringify(updated);
    // XX: a conversation deleted meanwhile stays deleted.
    const [written] = await this.redis.exec((multi) => multi.set(this.conversations.key(this.own(conversationId)), json, 'PX', this.conversations.limits.retentionMs, 'XX'));
    return written === 'OK' ? updated : undefined;
  }

  async deleteConversation(conversationId: string): Promise<boolean> {
    const id = this.own(conversationId);
    const [existed] = await this.redis.exec((multi) => this.redis.bounded(multi.exists(this.conversations.key(id)), this.conversations, 'drop', id));
    return existed === 1;
  }

  async conversationItems(conversationId: string): Promise<StoredItem[] | undefined> {
    const id = this.own(conversationId);
    const [exists, items] = await this.redis.exec((multi) => this.used(multi.exists(this.conversations.key(id)).lrange(this.conversations.key(id, ':items'), 0, -1), id));
    if (exists !== 1) return undefined;
    return (items as string[]).map((text) => JSON.parse(text) as StoredItem);
  }

  async appendConversationItems(conversationId: string, items: StoredItem[]): Promise<boolean> {
    const id = this.own(conversationId);
    const itemJson = items.map((item) => JSON.stringify(item));
    const bytes = itemJson.reduce((sum, text) => sum + Buffer.byteLength(text), 0);
    const ttl = this.conversations.limits.retentionMs;
    const replies = await this.redis.write((multi) => {
      queueScript(multi, 'cbAppend', this.conversations.key(id), this.conversations.key(id, ':items'), ttl, ...itemJson);
      for (const itemId of idsOf(items)) multi.set(itemKey(this.own(itemId)), `c:${conversationId}`, 'PX', ttl);
      return this.redis.bounded(multi, this.conversations, 'touch', id, bytes);
    });
    // Landed after a timeout: its answer is unknown, but a conversation deleted in those seconds is the only way it could be false.
    return replies === undefined || replies[0] === 1;
  }

  async deleteConversationItem(conversationId: string, itemId: string): Promise<boolean | undefined> {
    const id = this.own(conversationId);
    const removed = (await this.redis.run((client) => runScript(client, 'cbDeleteItem', this.conversations.key(id), this.conversations.key(id, ':items'), itemId))) as number;
    if (removed === -1) return undefined;
    if (removed === -2) return false;
    await this.redis.exec((multi) => this.redis.bounded(multi, this.conversations, 'touch', id, -removed));
    return true;
  }

  /** A conversation read is a use: it stays as long again, and is the last to be evicted. `id`: its entry id. */
  private used(multi: Parameters<Parameters<RedisConnection['exec']>[0]>[0], id: string) {
    const ttl = this.conversations.limits.retentionMs;
    multi.pexpire(this.conversations.key(id), ttl).pexpire(this.conversations.key(id, ':items'), ttl);
    return this.redis.bounded(multi, this.conversations, 'touch', id, 0);
  }
}
