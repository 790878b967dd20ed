import { createHash } from 'node:crypto';
import type { ResponsesInputItem, ResponsesOutputItem } from '../translate/types.js';
import type { ReasoningLookup } from '../translate/convert-to-chat-messages.js';
import { clientKey, viewFor } from './client-keys.js';

// What the bridge remembers between requests (the seed's design, from the Rust codex-relay):
// - response id → the items that response added, chained by parent id, so `previous_response_id`
//   clients can send only the new turn. Deltas, not copies: a long chain costs its length once.
// - call id → reasoning_content, and assistant-turn fingerprint → reasoning_content, the fallback
//   when a client drops `encrypted_content`. Every key is scoped by conversation: a global content
//   hash collides across sessions (two sessions both answering "Done." would swap reasoning).

export interface StoredResponse {
  id: string;
  conversation: string;
  parentId?: string;
  /** This turn's input items followed by its output items. */
  items: ResponsesInputItem[];
}

export interface SessionStoreData {
  v: 1;
  responses: StoredResponse[];
  reasoning: Record<string, Record<string, string>>;
}

export interface SessionStoreOptions {
  /** Responses kept for previous_response_id, oldest evicted first. */
  maxResponses?: number;
  /** Conversations whose reasoning is kept, least recently used evicted first. */
  maxConversations?: number;
  /** Reasoning entries per conversation. */
  maxReasoningPerConversation?: number;
}

/** The reasoning side channel's key for an assistant turn's tool call, and for its text. */
export const callKey = (callId: string) => `c:${callId}`;
export const textKey = (text: string) => `t:${createHash('sha256').update(text).digest('base64url').slice(0, 22)}`;

/**
 * The reasoning entries a response's output gives, read off its items as the next request will
 * replay them: each assistant turn (reasoning, then its text and calls) keys its reasoning by its
 * call ids and by its text, joined as convertToChatMessages joins them. The bridge's reasoning
 * items carry their text in the summary (the envelope holds the same), so nothing is decoded.
 */
export function reasoningEntries(output: readonly ResponsesOutputItem[]): Map<string, string> {
  const entries = new Map<string, string>();
  let reasoning: string[] = [];
  let calls: string[] = [];
  let texts: string[] = [];
  const closeTurn = () => {
    const thought = reasoning.join('\n\n');
    if (thought !== '') {
      for (const id of calls) entries.set(callKey(id), thought);
      if (texts.length > 0) entries.set(textKey(texts.join('\n\n')), thought);
    }
    reasoning = [];
    calls = [];
    texts = [];
  };
  for (const item of output) {
    if (item.type === 'reasoning') {
      const thought = (item.summary ?? []).map((part) => part.text).join('');
      if (thought === '') continue;
      // Reasoning after text or calls opens the next turn.
      if (calls.length > 0 || texts.length > 0) closeTurn();
      reasoning.push(thought);
    } else if (item.type === 'message') {
      const text = typeof item.content === 'string' ? item.content : item.content.map((part) => ('text' in part && typeof part.text === 'string' ? part.text : '')).join('\n');
      if (text !== '') texts.push(text);
    } else if (item.type === 'function_call' || item.type === 'custom_tool_call') {
      calls.push(item.call_id);
    }
  }
  closeTurn();
  return entries;
}

/**
 * What the server asks of the previous_response_id chains and the reasoning side channel: a
 * SessionStore in this process (`run`, `serve`), or one shared by several `serve` replicas
 * (src/sessions/redis/). Methods answer at once or with a promise.
 */
export interface ConversationMemory {
  /**
   * The chains and reasoning of the client named `clientName` (`serve --tokens`): another client's
   * response ids and conversations are unknown to it. Without a name, the memory itself.
   */
  forClient(clientName: string | undefined): ConversationMemory;
  /** Kept where other processes read it: the server waits for a turn's writes before its response ends. */
  readonly shared?: boolean;
  /** Throws StoreUnavailableError while a shared store cannot take writes. */
  ensureAvailable?(): Promise<void>;
  /** The items of the chain ending at `responseId`, oldest first, and its conversation; undefined if a link is gone. */
  chain(responseId: string): Promise<{ items: ResponsesInputItem[]; conversation: string } | undefined>;
  /** `convert` run with the conversation's reasoning at hand (for assistant turns that lost theirs). */
  withReasoning<T>(conversation: string, convert: (lookup: ReasoningLookup) => T): T | Promise<T>;
  recordResponse(response: StoredResponse): void | Promise<void>;
  /** Remembers the reasoning of a response's assistant turns, by their call ids and their text. */
  rememberReasoning(conversation: string, output: readonly ResponsesOutputItem[]): void | Promise<void>;
  /** Drops one response (DELETE /v1/responses/{id}): no chain continues through it. False if it was not kept. */
  forgetResponse(id: string): boolean | Promise<boolean>;
}

export class SessionStore implements ConversationMemory {
  private readonly responses = new Map<string, StoredResponse>();
  private readonly reasoning = new Map<string, Map<string, string>>();
  private readonly limits: Required<SessionStoreOptions>;
  /** Called after every change, so a persistence layer can schedule a flush. */
  onChange?: () => void;
  /** Set while saved data is still being loaded; lookups that miss can wait for it. */
  pendingLoad?: Promise<unknown>;
  private readonly views = new Map<string, ConversationMemory>();

  constructor(options: SessionStoreOptions = {}) {
    this.limits = { maxResponses: 5_000, maxConversations: 1_000, maxReasoningPerConversation: 4_000, ...options };
  }

  /** A client's view keeps its response ids and conversations here under its name (client-keys.ts), as the sessions file does. */
  forClient(clientName: string | undefined): ConversationMemory {
    if (clientName === undefined) return this;
    return viewFor(this.views, clientName, () => new ClientSessionStore(this, clientName));
  }

  conversationOf(responseId: string): string | undefined {
    return this.responses.get(responseId)?.conversation;
  }

  /** Items of the whole chain ending at `responseId`, oldest first; undefined if any link is gone. */
  history(responseId: string): ResponsesInputItem[] | undefined {
    const chain: StoredResponse[] = [];
    const seen = new Set<string>();
    let id: string | undefined = responseId;
    while (id !== undefined) {
      const stored = this.responses.get(id);
      if (!stored || seen.has(id)) return undefined;
      seen.add(id);
      chain.push(stored);
      id = stored.parentId;
    }
    return chain.reverse().flatMap((stored) => stored.items);
  }

  async chain(responseId: string): Promise<{ items: ResponsesInputItem[]; conversation: string } | undefined> {
    let items = this.history(responseId);
    // Saved data still loading (a bridge just started): a miss may be in it.
    if (!items && this.pendingLoad) {
      await this.pendingLoad.catch(() => {});
      items = this.history(responseId);
    }
    return items && { items, conversation: this.conversationOf(responseId)! };
  }

  withReasoning<T>(conversation: string, convert: (lookup: ReasoningLookup) => T): T {
    return convert(this.reasoningLookup(conversation));
  }

  recordResponse(response: StoredResponse): void {
    this.responses.delete(response.id);
    this.responses.set(response.id, response);
    while (this.responses.size > this.limits.maxResponses) {
      this.responses.delete(this.responses.keys().next().value as string);
    }
    this.onChange?.();
  }

  /** Remembers the reasoning of each assistant turn by its call ids and by its text. */
  rememberReasoning(conversation: string, output: readonly ResponsesOutputItem[]): void {
    const found = reasoningEntries(output);
    if (found.size === 0) return;
    const entries = this.conversationReasoning(conversation, true)!;
    for (const [key, text] of found) entries.set(key, text);
    while (entries.size > this.limits.maxReasoningPerConversation) entries.delete(entries.keys().next().value as string);
    this.onChange?.();
  }

  reasoningLookup(conversation: string): ReasoningLookup {
    return {
      byCallId: (callId) => this.conversationReasoning(conversation, false)?.get(callKey(callId)),
      byAssistantText: (text) => this.conversationReasoning(conversation, false)?.get(textKey(text)),
    };
  }

  private conversationReasoning(conversation: string, create: boolean): Map<string, string> | undefined {
    let entries = this.reasoning.get(conversation);
    if (entries) {
      // Most recently used last, so eviction drops the stalest conversation.
      this.reasoning.delete(conversation);
      this.reasoning.set(conversation, entries);
    } else if (create) {
      entries = new Map();
      this.reasoning.set(conversation, entries);
      while (this.reasoning.size > this.limits.maxConversations) {
        this.reasoning.delete(this.reasoning.keys().next().value as string);
      }
    }
    return entries;
  }

  /** Drops one response (DELETE /v1/responses/{id}): no chain continues through it. False if it was not kept. */
  forgetResponse(id: string): boolean {
    if (!this.responses.delete(id)) return false;
    this.onChange?.();
    return true;
  }

  /** The data of some conversations (all when omitted), for the sessions file. */
  toJSON(conversations?: Set<string>): SessionStoreData {
    const include = (conversation: string) => !conversations || conversations.has(conversation);
    return {
      v: 1,
      responses: [...this.responses.values()].filter((r) => include(r.conversation)),
      reasoning: Object.fromEntries(
        [...this.reasoning].filter(([conversation]) => include(conversation)).map(([conversation, entries]) => [conversation, Object.fromEntries(entries)]),
      ),
    };
  }

  /** Merges saved data in; what this process already has wins. */
  load(data: SessionStoreData): void {
    if (!data || data.v !== 1) return;
    for (const response of data.responses ?? []) {
      if (response && typeof response.id === 'string' && !this.responses.has(response.id)) this.responses.set(response.id, response);
    }
    for (const [conversation, entries] of Object.entries(data.reasoning ?? {})) {
      const target = this.conversationReasoning(conversation, true)!;
      for (const [key, text] of Object.entries(entries)) if (!target.has(key) && typeof text === 'string') target.set(key, text);
    }
  }
}

/** One client's view of a SessionStore: every id and conversation under the client's name. */
class ClientSessionStore implements ConversationMemory {
  constructor(
    private readonly all: SessionStore,
    private readonly clientName: string,
  ) {}

  private own(id: string): string {
    return clientKey(this.clientName, id);
  }

  forClient(clientName: string | undefined): ConversationMemory {
    return this.all.forClient(clientName);
  }

  async chain(responseId: string): Promise<{ items: ResponsesInputItem[]; conversation: string } | undefined> {
    const found = await this.all.chain(this.own(responseId));
    // Kept as `<name>/<conversation>`: the client knows it without its name.
    return found && { items: found.items, conversation: found.conversation.slice(this.clientName.length + 1) };
  }

  withReasoning<T>(conversation: string, convert: (lookup: ReasoningLookup) => T): T {
    return this.all.withReasoning(this.own(conversation), convert);
  }

  recordResponse(response: StoredResponse): void {
    const { parentId, ...rest } = response;
    this.all.recordResponse({ ...rest, id: this.own(response.id), conversation: this.own(response.conversation), ...(parentId !== undefined && { parentId: this.own(parentId) }) });
  }

  rememberReasoning(conversation: string, output: readonly ResponsesOutputItem[]): void {
    this.all.rememberReasoning(this.own(conversation), output);
  }

  forgetResponse(id: string): boolean {
    return this.all.forgetResponse(this.own(id));
  }
}
