import type {
  ChatAnswerContentPart,
  ChatChunk,
  ChatToolCallDelta,
  ChatUsage,
  ResponseRequestFields,
  ResponsesError,
  ResponsesOutputItem,
  ResponsesResponse,
  ResponsesStreamEvent,
} from './types.js';
import { convertChatUsage } from './convert-chat-usage.js';
import { encodeReasoningEnvelope } from './reasoning-envelope.js';
import { resolveToolName, type ToolIdentity, type ToolNameMap } from './tool-name-map.js';
import { customToolInput, isJson } from './tool-call-arguments.js';
import { mapInStreamError } from './map-upstream-error.js';
import { normalizeFinishReason } from './map-chat-finish-reason.js';
import { DEFAULT_QUIRKS, type ProviderQuirks } from './provider-quirks.js';
import { ThinkTagSplitter } from './split-think-tags.js';
import { ReasoningDetailsAccumulator } from './merge-reasoning-details.js';
import { buildResponseResource } from './response-resource.js';

export interface ResponseContext {
  responseId: string;
  model: string;
  /** Unix seconds; passed in so the translator stays clock-free. */
  createdAt: number;
  toolNames: ToolNameMap;
  previousResponseId?: string | null;
  /** Named in error messages. */
  upstreamHost: string;
  /** How the upstream bends Chat Completions (default: DEFAULT_QUIRKS). */
  quirks?: ProviderQuirks;
  /** Upstream tool-call id → Codex's, for ids the request rewrote (Mistral's 9-character ids). */
  toolCallIds?: ReadonlyMap<string, string>;
  /** How the response was asked for, reported on every snapshot (default: as for an empty request). */
  requestFields?: ResponseRequestFields;
  /** Unix seconds now, for `completed_at`; passed in so the translator stays clock-free (default: createdAt). */
  now?: () => number;
}

interface OpenText {
  id: string;
  outputIndex: number;
  text: string;
}

interface ToolCallState {
  key: number;
  /** The upstream's `index` for it, which some servers reuse for every parallel call. */
  index?: number;
  callId?: string;
  name: string;
  args: string;
  added: boolean;
  id: string;
  outputIndex: number;
  identity?: ToolIdentity;
  /** What the provider wants back on this call (Gemini's thought signature), verbatim. */
  extra?: Record<string, unknown>;
}

/**
 * Chat Completions stream → Responses stream events, as a small state machine:
 * `start()`, then `push(chunk)` per upstream chunk, then `end()` when the upstream finished (or
 * `fail()` when it broke). Each call returns the events to send, in order.
 *
 * Guarantees Codex relies on (codex-protocol.md §5):
 * - every item gets `output_item.added` … `output_item.done`, and `done` carries the whole item;
 * - reasoning and text items are closed as soon as the next item starts, like OpenAI does;
 * - tool calls are only closed (`done`) once the upstream finished cleanly: a call cut mid-arguments
 *   is never emitted as done, the response fails instead;
 * - what the provider needs back but nobody should read (`reasoning_details`, a tool call's
 *   `extra_content`) rides in one last reasoning item with an empty summary: Codex replays it
 *   verbatim, so it survives restarts and `codex exec resume`;
 * - the end is `response.completed`, `response.incomplete` (the output limit cut the answer:
 *   finish_reason `length`) or `response.failed`, never `error`.
 */
export class ChatStreamToResponsesEvents {
  private readonly idSuffix: string;
  private nextOutputIndex = 0;
  /** Closed items with their output_index; the response lists them in that order. */
  private readonly done: Array<{ outputIndex: number; item: ResponsesOutputItem }> = [];
  private reasoning?: OpenText;
  private message?: OpenText;
  private readonly calls: ToolCallState[] = [];
  private finishReason?: string;
  private usage?: ChatUsage;
  private status: ResponsesResponse['status'] = 'in_progress';
  private error: ResponsesError | null = null;
  private incompleteReason?: string;
  private itemCounter = 0;
  private readonly quirks: ProviderQuirks;
  /** Any upstream may open its content with <think>…</think> (a model served without a reasoning parser). */
  private readonly thinkTags = new ThinkTagSplitter();
  private readonly details = new ReasoningDetailsAccumulator();
  /** Set once the response ends (completed, incomplete or failed). */
  private completedAt: number | null = null;

  constructor(private readonly context: ResponseContext) {
    this.idSuffix = context.responseId.replace(/^resp_/, '');
    this.quirks = context.quirks ?? DEFAULT_QUIRKS;
  }

  /** Marks the end of the response: its status, and when. */
  private settle(status: ResponsesResponse['status']): void {
    this.status = status;
    this.completedAt = this.context.now?.() ?? this.context.createdAt;
  }

  /** True once `response.completed` or `response.failed` was produced. */
  get finished(): boolean {
    return this.status !== 'in_progress';
  }

  get finishReasonSeen(): string | undefined {
    return this.finishReason;
  }

  /** The response as it stands (complete after `end()`). */
  get response(): ResponsesResponse {
    return this.snapshot(true);
  }

  start(): ResponsesStreamEvent[] {
    const response = this.snapshot(false);
    return [
      { type: 'response.created', response },
      { type: 'response.in_progress', response },
    ];
  }

  /** A JSON event that resets Codex's idle timer while the upstream is silent (SSE comments don't). */
  keepAlive(): ResponsesStreamEvent {
    return { type: 'response.in_progress', response: this.snapshot(false) };
  }

  push(chunk: ChatChunk): ResponsesStreamEvent[] {
    if (this.finished) return [];
    if (!chunk || typeof chunk !== 'object') return [];
    const choice = Array.isArray(chunk.choices) ? chunk.choices.find((c) => (c?.index ?? 0) === 0) : undefined;
    // Usage where OpenAI puts it, or where Groq (x_groq) and Kimi (inside the choice) do; read before
    // an error, so a failed response still reports what the upstream counted.
    const usage = chunk.usage ?? chunk.x_groq?.usage ?? choice?.usage;
    if (usage) this.usage = usage;
    if (chunk.error !== undefined && chunk.error !== null) {
      return this.fail(mapInStreamError(chunk.error, this.context.upstreamHost));
    }
    const events: ResponsesStreamEvent[] = [];
    if (!choice) return events;
    const delta = choice.delta;
    if (delta && typeof delta === 'object') {
      // reasoning_details blocks are kept for the replay; their text is shown only when no plain
      // reasoning field carries the same thought.
      const shown = delta.reasoning_details === undefined || delta.reasoning_details === null ? '' : this.details.push(delta.reasoning_details);
      const reasoning = delta.reasoning_content ?? delta.reasoning;
      if (typeof reasoning === 'string' && reasoning !== '') this.reasoningDelta(reasoning, events);
      else if (shown !== '') this.reasoningDelta(shown, events);
      if (Array.isArray(delta.content)) this.contentParts(delta.content, events);
      else if (typeof delta.content === 'string' && delta.content !== '') this.contentDelta(delta.content, events);
      else if (typeof delta.refusal === 'string' && delta.refusal !== '') this.textDelta(delta.refusal, events);
      if (Array.isArray(delta.tool_calls)) {
        for (const toolCall of delta.tool_calls) if (toolCall && typeof toolCall === 'object') this.toolCallDelta(toolCall, events);
      }
    }
    if (typeof choice.finish_reason === 'string' && choice.finish_reason !== '') this.finishReason = choice.finish_reason;
    return events;
  }

  /**
   * The upstream stream ended. `sawDone` says whether it sent `data: [DONE]`; some providers never
   * do, so a `finish_reason` is also accepted as a clean end (unless the doneMarker quirk requires
   * it). Without either, the stream was cut.
   */
  end({ sawDone }: { sawDone: boolean }): ResponsesStreamEvent[] {
    if (this.finished) return [];
    const finish = normalizeFinishReason(this.finishReason, this.quirks.finishReasons);
    if (!sawDone && (finish === undefined || this.quirks.doneMarker === 'required')) {
      return this.fail({
        code: 'upstream_stream_truncated',
        message: `upstream ${this.context.upstreamHost} closed the stream before it finished; retrying may help`,
      });
    }
    if (finish === 'error') {
      return this.fail({
        code: 'upstream_error',
        message: `upstream ${this.context.upstreamHost} ended the answer with finish_reason ${JSON.stringify(this.finishReason)}; retrying may help`,
      });
    }
    const truncatedByLength = finish === 'length' || finish === undefined;
    for (const call of this.calls) {
      if (!call.added) {
        return this.fail({ code: 'upstream_invalid_tool_call', message: `upstream ${this.context.upstreamHost} sent a tool call without a name` });
      }
      if (truncatedByLength && !isJson(call.args || '{}')) {
        return this.fail({
          code: 'upstream_tool_call_truncated',
          message: `upstream ${this.context.upstreamHost} stopped in the middle of the arguments of tool call ${call.name} (finish_reason ${this.finishReason ?? 'missing'}); it was not run`,
        });
      }
    }
    const events: ResponsesStreamEvent[] = [];
    this.flushThinkTags(events);
    this.closeReasoning(events);
    this.closeMessage(events);
    for (const call of this.calls) this.closeToolCall(call, events);
    this.closeReplayState(events);
    if (finish === 'length') {
      // Cut by the output limit: a client must be able to tell this from a finished answer.
      this.settle('incomplete');
      this.incompleteReason = 'max_output_tokens';
      events.push({ type: 'response.incomplete', response: this.snapshot(true) });
      return events;
    }
    this.settle('completed');
    events.push({ type: 'response.completed', response: this.snapshot(true) });
    return events;
  }

  fail(error: ResponsesError): ResponsesStreamEvent[] {
    if (this.finished) return [];
    this.settle('failed');
    this.error = error;
    return [{ type: 'response.failed', response: this.snapshot(true) }];
  }

  // ---------- items ----------

  private newItemId(prefix: string): string {
    return `${prefix}_${this.idSuffix}_${this.itemCounter++}`;
  }

  /** Answer text, which may open with <think> reasoning. */
  private contentDelta(text: string, events: ResponsesStreamEvent[]): void {
    if (this.thinkTags.settledAsContent) return this.textDelta(text, events);
    for (const segment of this.thinkTags.push(text)) {
      if (segment.kind === 'reasoning') this.reasoningDelta(segment.text, events);
      else this.textDelta(segment.text, events);
    }
  }

  /**
   * What the think-tag splitter held back. Whitespace it kept before a tool call or the end is
   * dropped for think-tag upstreams (it only separated a think block that never came), and is
   * text as it always was for the others.
   */
  private flushThinkTags(events: ResponsesStreamEvent[]): void {
    for (const segment of this.thinkTags.flush()) {
      if (segment.kind === 'reasoning') this.reasoningDelta(segment.text, events);
      else if (segment.text.trim() !== '' || this.quirks.reasoningField !== 'think-tags') this.textDelta(segment.text, events);
    }
  }

  /** Content as an array of parts: Magistral's `thinking` parts are reasoning, text parts are text. */
  private contentParts(parts: ChatAnswerContentPart[], events: ResponsesStreamEvent[]): void {
    for (const part of parts) {
      if (!part || typeof part !== 'object') continue;
      if (part.type === 'thinking') {
        const thinking = part.thinking;
        const text = typeof thinking === 'string' ? thinking : Array.isArray(thinking) ? thinking.map((t) => (typeof t?.text === 'string' ? t.text : '')).join('') : '';
        if (text !== '') this.reasoningDelta(text, events);
      } else if (typeof part.text === 'string' && part.text !== '') {
        this.contentDelta(part.text, events);
      }
    }
  }

  private reasoningDelta(delta: string, events: ResponsesStreamEvent[]): void {
    if (!this.reasoning) {
      // Reasoning after text or tool calls starts a new item, like OpenAI's interleaved reasoning.
      this.closeMessage(events);
      this.reasoning = { id: this.newItemId('rs'), outputIndex: this.nextOutputIndex++, text: '' };
      const { id, outputIndex } = this.reasoning;
      events.push(
        { type: 'response.output_item.added', output_index: outputIndex, item: { type: 'reasoning', id, summary: [] } },
        { type: 'response.reasoning_summary_part.added', item_id: id, output_index: outputIndex, summary_index: 0, part: { type: 'summary_text', text: '' } },
      );
    }
    this.reasoning.text += delta;
    events.push({
      type: 'response.reasoning_summary_text.delta',
      item_id: this.reasoning.id,
      output_index: this.reasoning.outputIndex,
      summary_index: 0,
      delta,
    });
  }

  private closeReasoning(events: ResponsesStreamEvent[]): void {
    const reasoning = this.reasoning;
    if (!reasoning) return;
    this.reasoning = undefined;
    const { id, outputIndex, text } = reasoning;
    const item: ResponsesOutputItem = {
      type: 'reasoning',
      id,
      summary: [{ type: 'summary_text', text }],
      encrypted_content: encodeReasoningEnvelope({ text, responseId: this.context.responseId }),
    };
    events.push(
      { type: 'response.reasoning_summary_text.done', item_id: id, output_index: outputIndex, summary_index: 0, text },
      { type: 'response.reasoning_summary_part.done', item_id: id, output_index: outputIndex, summary_index: 0, part: { type: 'summary_text', text } },
      { type: 'response.output_item.done', output_index: outputIndex, item },
    );
    this.done.push({ outputIndex, item });
  }

  /**
   * The provider state to replay, as one reasoning item with nothing to show: `reasoning_details`
   * often end after the text they belong to (a late signature, an encrypted block after the tool
   * call), and a call's extra_content arrives with the call, after any reasoning item closed.
   */
  private closeReplayState(events: ResponsesStreamEvent[]): void {
    const toolCallExtras: Record<string, unknown> = {};
    for (const call of this.calls) if (call.extra && call.callId) toolCallExtras[call.callId] = call.extra;
    if (this.details.isEmpty && Object.keys(toolCallExtras).length === 0) return;
    const outputIndex = this.nextOutputIndex++;
    const id = this.newItemId('rs');
    const item: ResponsesOutputItem = {
      type: 'reasoning',
      id,
      summary: [],
      encrypted_content: encodeReasoningEnvelope({ text: '', responseId: this.context.responseId, details: this.details.merged, toolCallExtras }),
    };
    events.push(
      { type: 'response.output_item.added', output_index: outputIndex, item: { type: 'reasoning', id, summary: [] } },
      { type: 'response.output_item.done', output_index: outputIndex, item },
    );
    this.done.push({ outputIndex, item });
  }

  private textDelta(delta: string, events: ResponsesStreamEvent[]): void {
    this.closeReasoning(events);
    if (!this.message) {
      this.message = { id: this.newItemId('msg'), outputIndex: this.nextOutputIndex++, text: '' };
      const { id, outputIndex } = this.message;
      events.push(
        {
          type: 'response.output_item.added',
          output_index: outputIndex,
          item: { type: 'message', id, role: 'assistant', status: 'in_progress', content: [] },
        },
        {
          type: 'response.content_part.added',
          item_id: id,
          output_index: outputIndex,
          content_index: 0,
          part: { type: 'output_text', text: '', annotations: [] },
        },
      );
    }
    this.message.text += delta;
    events.push({
      type: 'response.output_text.delta',
      item_id: this.message.id,
      output_index: this.message.outputIndex,
      content_index: 0,
      delta,
      logprobs: [],
    });
  }

  private closeMessage(events: ResponsesStreamEvent[]): void {
    const message = this.message;
    if (!message) return;
    this.message = undefined;
    const { id, outputIndex, text } = message;
    const part = { type: 'output_text', text, annotations: [] };
    const item: ResponsesOutputItem = { type: 'message', id, role: 'assistant', status: 'completed', content: [part] };
    events.push(
      { type: 'response.output_text.done', item_id: id, output_index: outputIndex, content_index: 0, text, logprobs: [] },
      { type: 'response.content_part.done', item_id: id, output_index: outputIndex, content_index: 0, part },
      { type: 'response.output_item.done', output_index: outputIndex, item },
    );
    this.done.push({ outputIndex, item });
  }

  /** The id Codex knows for an upstream tool-call id (they differ only where the request rewrote ids). */
  private codexCallId(id: string): string {
    return this.context.toolCallIds?.get(id) ?? id;
  }

  private toolCallDelta(delta: ChatToolCallDelta, events: ResponsesStreamEvent[]): void {
    this.flushThinkTags(events);
    this.closeReasoning(events);
    this.closeMessage(events);
    const call = this.callFor(delta);
    if (typeof delta.id === 'string' && delta.id !== '' && !call.callId) call.callId = this.codexCallId(delta.id);
    const name = delta.function?.name;
    if (typeof name === 'string' && name !== '' && !call.name) call.name = name;
    const fragment = typeof delta.function?.arguments === 'string' ? delta.function.arguments : '';
    call.args += fragment;
    const extra = delta.extra_content;
    if (extra && typeof extra === 'object' && !Array.isArray(extra)) call.extra = { ...call.extra, ...(extra as Record<string, unknown>) };

    if (!call.added && call.name) {
      call.added = true;
      call.identity = resolveToolName(this.context.toolNames, call.name);
      call.callId ??= `call_${this.idSuffix}_${call.key}`;
      events.push({ type: 'response.output_item.added', output_index: call.outputIndex, item: this.toolCallItem(call, 'in_progress', '') });
      if (call.identity.kind === 'function' && call.args !== '') {
        events.push({ type: 'response.function_call_arguments.delta', item_id: call.id, output_index: call.outputIndex, delta: call.args });
      }
    } else if (call.added && fragment !== '' && call.identity?.kind === 'function') {
      events.push({ type: 'response.function_call_arguments.delta', item_id: call.id, output_index: call.outputIndex, delta: fragment });
    }
  }

  /** Finds the call a delta continues: by index, else by id, else the last one. */
  private callFor(delta: ChatToolCallDelta): ToolCallState {
    let call: ToolCallState | undefined;
    if (typeof delta.index === 'number') {
      // Some servers reuse index 0 for every parallel call: a fragment continues the latest call on
      // its index, and a new id on a call that already has arguments (or a name) means a new call.
      for (let i = this.calls.length - 1; i >= 0 && !call; i--) if (this.calls[i].index === delta.index) call = this.calls[i];
      const named = typeof delta.function?.name === 'string' && delta.function.name !== '' && call?.name !== '';
      if (call && delta.id && call.callId && this.codexCallId(delta.id) !== call.callId && (call.args !== '' || named)) call = undefined;
    } else if (delta.id) {
      const id = this.codexCallId(delta.id);
      call = this.calls.find((c) => c.callId === id);
    } else {
      call = this.calls.at(-1);
    }
    if (call) return call;
    const created: ToolCallState = {
      key: typeof delta.index === 'number' && !this.calls.some((c) => c.key === delta.index) ? delta.index : 1000 + this.calls.length,
      index: typeof delta.index === 'number' ? delta.index : undefined,
      name: '',
      args: '',
      added: false,
      id: this.newItemId('fc'),
      outputIndex: this.nextOutputIndex++,
    };
    this.calls.push(created);
    return created;
  }

  private toolCallItem(call: ToolCallState, status: string, args: string): ResponsesOutputItem {
    const identity = call.identity ?? { name: call.name, kind: 'function' as const };
    if (identity.kind === 'custom') {
      return { type: 'custom_tool_call', id: call.id, call_id: call.callId!, name: identity.name, input: args, status };
    }
    return {
      type: 'function_call',
      id: call.id,
      call_id: call.callId!,
      name: identity.name,
      ...(identity.namespace !== undefined && { namespace: identity.namespace }),
      arguments: args,
      status,
    };
  }

  private closeToolCall(call: ToolCallState, events: ResponsesStreamEvent[]): void {
    const { id, outputIndex } = call;
    if (call.identity?.kind === 'custom') {
      const input = customToolInput(call.args);
      events.push(
        { type: 'response.custom_tool_call_input.delta', item_id: id, output_index: outputIndex, delta: input },
        { type: 'response.custom_tool_call_input.done', item_id: id, output_index: outputIndex, input },
      );
      const item = this.toolCallItem(call, 'completed', input);
      events.push({ type: 'response.output_item.done', output_index: outputIndex, item });
      this.done.push({ outputIndex, item });
      return;
    }
    // Codex cannot parse "" as arguments.
    const args = call.args.trim() === '' ? '{}' : call.args;
    const item = this.toolCallItem(call, 'completed', args);
    events.push(
      { type: 'response.function_call_arguments.done', item_id: id, output_index: outputIndex, arguments: args },
      { type: 'response.output_item.done', output_index: outputIndex, item },
    );
    this.done.push({ outputIndex, item });
  }

  private snapshot(withOutput: boolean): ResponsesResponse {
    return buildResponseResource(
      {
        id: this.context.responseId,
        createdAt: this.context.createdAt,
        status: this.status,
        completedAt: this.completedAt,
        error: this.error,
        incompleteDetails: this.incompleteReason ? { reason: this.incompleteReason } : null,
        model: this.context.model,
        output: withOutput ? [...this.done].sort((a, b) => a.outputIndex - b.outputIndex).map((d) => d.item) : [],
        previousResponseId: this.context.previousResponseId ?? null,
        usage: this.status === 'in_progress' ? null : convertChatUsage(this.usage, { reasoningSeparate: this.quirks.reasoningTokensSeparate }),
      },
      this.context.requestFields,
    );
  }
}
