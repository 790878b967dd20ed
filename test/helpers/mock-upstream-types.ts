// The mock upstream's vocabulary: scripted turns, the rules it enforces, what it records.
import type { ChatRequest, ChatUsage } from '../../src/translate/types.js';

export interface MockToolCall {
  /** Default `call_<n>`, n counting up across the whole server so ids never collide in a conversation. */
  id?: string;
  name: string;
  arguments: string;
}

export interface MockTurn {
  /** Thinking text, sent in `rules.reasoningField`. */
  reasoning?: string;
  content?: string;
  /** Several = parallel calls (stream indexes 0, 1, …). */
  toolCalls?: MockToolCall[];
  usage?: { prompt_tokens: number; completion_tokens: number; cached_tokens?: number; reasoning_tokens?: number };
  /** Sent verbatim as `usage` instead of the object built from `usage` (e.g. DeepSeek's prompt_cache_hit_tokens). */
  rawUsage?: ChatUsage;
  /** Default: 'tool_calls' if toolCalls else 'stop'. */
  finishReason?: string;
  /** How many deltas the content is split into when streaming (default 4, fewer if it is shorter). */
  contentDeltas?: number;
  /** Repeat the tool-call id (and type) on every argument delta, as some servers do. */
  repeatToolCallIds?: boolean;

  // ---- faults ----
  /** Reply with this status and `errorBody` instead of an answer. */
  status?: number;
  /** Default: OpenAI-style `{error:{message,type,param,code}}`. A string is sent as-is (text/plain). */
  errorBody?: unknown;
  /** Extra response headers (e.g. Retry-After); applied to error and normal replies alike. */
  headers?: Record<string, string>;
  /** Exact SSE text to send instead of the generated chunk frames, one write each (include the
   *  trailing blank line yourself, or use `sseFrame`). `data: [DONE]` still follows unless omitDone. */
  rawFrames?: string[];
  /** Non-streaming: exact response body text instead of the generated chat.completion. */
  rawBody?: string;
  /** Destroy the socket after N frames (N = 0: right after the headers). Non-streaming: after half the body. */
  cutAfterFrames?: number;
  /** End the stream without `data: [DONE]`. */
  omitDone?: boolean;
  /** Delay before the first byte (status line included). */
  delayMs?: number;
  /** Delay between SSE frames. */
  frameDelayMs?: number;
}

/** deepseek/kimi: reasoning text back on tool-call (deepseek) or all (kimi) assistant messages;
 *  anthropic: a signed reasoning_details thinking block back, unchanged, on every tool-call turn. */
export type ReasoningRule = 'none' | 'deepseek' | 'kimi' | 'anthropic';

export interface MockRules {
  /** Which thinking-mode replay rule to enforce on incoming history. Default 'none'. */
  reasoning?: ReasoningRule;
  /** Where the mock puts reasoning in its answers, and which message field the rule checks
   *  ('think-tags' puts `<think>…</think>` in content; the rule then checks `reasoning_content`;
   *  'reasoning-details' sends only OpenRouter's reasoning_details blocks). */
  reasoningField?: 'reasoning_content' | 'reasoning' | 'think-tags' | 'thinking-parts' | 'reasoning-details';
  /** Also send the reasoning as reasoning_details blocks beside `reasoningField`, as OpenRouter does. */
  withReasoningDetails?: boolean;
  /** Gemini 3: sign the first tool call of each answer, and refuse a replayed tool-call turn without it. */
  thoughtSignatures?: boolean;
  /** Usage in streams: only with stream_options.include_usage (default), always, or never. */
  streamUsage?: 'when-requested' | 'always' | 'never';
  /** Top-level request keys this provider refuses, e.g. ['parallel_tool_calls', 'stream_options']. */
  rejectFields?: string[];
  /** Refuse any system message that is not the single first message. */
  singleLeadingSystem?: boolean;
  /** Chat template: after one optional leading system message, user and assistant must alternate. */
  alternatingRoles?: boolean;
  /** Chat template: no system role at all. */
  rejectSystemRole?: boolean;
  /** Accept `role:'tool'` messages whose content is ''. Default false. */
  allowEmptyToolContent?: boolean;
  /** Set false to skip structural validation (auth and the reasoning rule still apply). */
  validate?: boolean;

  // ---- provider rules (all off by default) ----
  /** `accept`: role "developer" is a valid system-like role. Default `reject`, like most providers. */
  developerRole?: 'reject' | 'accept';
  /** Every tool-call id (assistant tool_calls and tool_call_id) must match, e.g. Mistral's /^[a-zA-Z0-9]{9}$/. */
  requireToolCallIdPattern?: RegExp;
  /** Refuse `strict` on function tools and json_schema formats. */
  rejectStrict?: boolean;
  /** Roles whose content must be a string (assistant and tool content always must). */
  rejectContentArraysOn?: Array<'system' | 'user'>;
  /** Refuse image_url parts (a text-only API such as DeepSeek's). */
  rejectImages?: boolean;
  /** Accept chat `file` parts (`{type:'file', file:{filename, file_data}}`), as OpenRouter does; refused by default. */
  acceptFiles?: boolean;
  /** Fields an assistant message must not carry, e.g. Mistral's ['reasoning_content']. */
  rejectMessageFields?: string[];
  /** The only reasoning_effort values accepted (Gemini: none, low, medium, high). */
  allowedReasoningEfforts?: string[];
  /** How a refused field is reported: OpenAI 400 (default), Mistral 422 extra_forbidden, Gemini 400 array. */
  rejectionStyle?: 'openai' | 'mistral' | 'gemini';

  // ---- answer shapes ----
  /** Ids the mock generates for tool calls: `call_<n>` (default) or Mistral's 9 alphanumerics. */
  toolCallIdStyle?: 'call_n' | 'alnum9';
  /** Where stream usage goes: `usage` (default), or Groq's `x_groq.usage` on the finish chunk. */
  usageIn?: 'usage' | 'x_groq' | 'choice';
  /** Stream tool-call deltas without `index`, each call whole in one chunk (as some servers do). */
  omitToolCallIndex?: boolean;
  /** End every stream without `data: [DONE]`. */
  omitDone?: boolean;
}

export interface MockUpstreamOptions {
  /** Array: the i-th request that passes validation gets turns[i]; after the end the last repeats.
   *  Function: called with the request and that same index. Rejected requests consume no turn. */
  turns: MockTurn[] | ((request: ChatRequest, index: number) => MockTurn | Promise<MockTurn>);
  rules?: MockRules;
  /** If set, require `Authorization: Bearer <apiKey>` (also on GET /models), else 401. */
  apiKey?: string;
  /** GET /v1/models lists these; unset → 404, like providers without a models endpoint. */
  models?: string[];
}

export interface RecordedRequest {
  /** Parsed body (whatever JSON arrived; `undefined` if it was not JSON). */
  body: ChatRequest;
  rawBody: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** The status the mock answered (200 also for streams it later cut). */
  status: number;
  /** Why the request was refused (validation, reasoning rule, auth); undefined if it was served. */
  rejection?: string;
  /** Index of the scripted turn that answered, if any. */
  turnIndex?: number;
}

export interface MockUpstream {
  /** http://127.0.0.1:PORT/v1 */
  url: string;
  /** Every POST to chat/completions, oldest first (live array). */
  requests: RecordedRequest[];
  close(): Promise<void>;
}
