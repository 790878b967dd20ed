import type { ReasoningLookup } from '../../translate/convert-to-chat-messages.js';
import type { ResponsesInputItem, ResponsesOutputItem } from '../../translate/types.js';
import { callKey, reasoningEntries, textKey, type ConversationMemory, type StoredResponse } from '../session-store.js';
import { BoundedKind, type KindLimits } from '../../storage/bounded-kinds.js';
import { queueScript, runScript, type RedisConnection } from '../../storage/redis-connection.js';
import { clientKey, viewFor } from '../client-keys.js';

// The previous_response_id chains and the reasoning side channel of every `serve --store` replica,
// in Redis, read afresh on every request (a replica keeps none of it):
//   codex-bridge:chain:<response id>       a hash: conversation (as the client named it), parent (response id), items (JSON)
//   codex-bridge:reasoning:<conversation>  a hash: call id or text fingerprint → reasoning, "#bytes"
// Both are bounded kinds (bounded-kinds.ts); a conversation keeps at most 4000 reasoning entries.
// A chain is walked by one Lua script (one round trip, however long). The side channel is only a
// fallback for clients that drop `encrypted_content`: a turn is translated once, and again with
// the entries it asked for if the store has any; with the store down it goes on without them.
// A client's view (forClient, `serve --tokens`) puts its name before the response ids (a link's key
// and its parent) and the conversation (the reasoning's key): client-keys.ts.

export interface RedisConversationMemoryOptions {
  chains?: KindLimits;
  reasoning?: KindLimits;
  maxReasoningPerConversation?: number;
  /** Told when the side channel could not be read (the request goes on without it). */
  log?: (line: string) => void;
}

/** A chain longer than this is refused (as if a link were gone): a loop, or a runaway client. */
const MAX_CHAIN_LINKS = 10_000;

export class RedisConversationMemory implements ConversationMemory {
  readonly shared = true;
  private readonly chains: BoundedKind;
  private readonly reasoning: BoundedKind;
  private readonly maxReasoning: number;
  private readonly views: Map<string, RedisConversationMemory>;

  constructor(
    private readonly redis: RedisConnection,
    private readonly options: RedisConversationMemoryOptions = {},
    private readonly clientName?: string,
    views?: Map<string, RedisConversationMemory>,
  ) {
    this.chains = new BoundedKind('chains', options.chains);
    this.reasoning = new BoundedKind('reasoning', options.reasoning);
    this.maxReasoning = options.maxReasoningPerConversation ?? 4_000;
    this.views = views ?? new Map();
  }

  forClient(clientName: string | undefined): ConversationMemory {
    if (clientName === undefined) return this;
    return viewFor(this.views, clientName, () => new RedisConversationMemory(this.redis, this.options, clientName, this.views));
  }

  private own(id: string): string {
    return clientKey(this.clientName, id);
  }

  async ensureAvailable(): Promise<void> {
    await this.redis.run(async () => undefined);
  }

  async chain(responseId: string): Promise<{ items: ResponsesInputItem[]; conversation: string } | undefined> {
    const found = (await this.redis.run((client) => runScript(client, 'cbChain', this.chains.prefix, this.own(responseId), MAX_CHAIN_LINKS))) as string[] | null;
    if (!found) return undefined;
    const [conversation, ...newestFirst] = found;
    const items: ResponsesInputItem[] = [];
    for (let i = newestFirst.length - 1; i >= 0; i--) items.push(...(JSON.parse(newestFirst[i]) as ResponsesInputItem[]));
    return { items, conversation };
  }

  async withReasoning<T>(conversation: string, convert: (lookup: ReasoningLookup) => T): Promise<T> {
    const asked = new Set<string>();
    const first = convert({
      byCallId: (callId) => void asked.add(callKey(callId)),
      byAssistantText: (text) => void asked.add(textKey(text)),
    });
    if (asked.size === 0) return first;
    const fields = [...asked];
    let values: Array<string | null>;
    try {
      values = await this.redis.run((client) => client.hmget(this.reasoning.key(this.own(conversation)), ...fields));
    } catch (error) {
      this.options.log?.(`reasoning of conversation ${conversation} not looked up: ${(error as Error).message}`);
      return first;
    }
    const found = new Map<string, string>();
    values.forEach((value, i) => {
      if (value !== null) found.set(fields[i], value);
    });
    if (found.size === 0) return first;
    return convert({ byCallId: (callId) => found.get(callKey(callId)), byAssistantText: (text) => found.get(textKey(text)) });
  }

  async recordResponse(response: StoredResponse): Promise<void> {
    const items = JSON.stringify(response.items);
    const id = this.own(response.id);
    await this.redis.write((multi) => {
      const key = this.chains.key(id);
      multi.hset(key, { conversation: response.conversation, parent: response.parentId === undefined ? '' : this.own(response.parentId), items }).pexpire(key, this.chains.limits.retentionMs);
      return this.redis.bounded(multi, this.chains, 'set', id, Buffer.byteLength(items));
    });
  }

  async rememberReasoning(conversation: string, output: readonly ResponsesOutputItem[]): Promise<void> {
    const entries = reasoningEntries(output);
    if (entries.size === 0) return;
    const id = this.own(conversation);
    await this.redis.write((multi) => {
      queueScript(multi, 'cbRemember', this.reasoning.key(id), this.reasoning.limits.retentionMs, this.maxReasoning, ...[...entries].flat());
      return this.redis.bounded(multi, this.reasoning, 'measure', id);
    });
  }

  async forgetResponse(responseId: string): Promise<boolean> {
    const id = this.own(responseId);
    const [existed] = await this.redis.exec((multi) => this.redis.bounded(multi.exists(this.chains.key(id)), this.chains, 'drop', id));
    return existed === 1;
  }
}
