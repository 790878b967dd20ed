// A scripted Chat Completions server for integration and end-to-end tests.
//
// It answers like a real provider (chunk shapes, fragmented tool-call arguments, usage only with
// include_usage) and it is strict like one: every request is validated before the script runs,
// and a request a real provider would refuse is answered 400 and recorded with the reason, so a
// translation bug fails the test loudly instead of sailing through a forgiving mock.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import type { ChatChunk, ChatRequest, ChatUsage } from '../../src/translate/types.js';

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

export type ReasoningRule = 'none' | 'deepseek' | 'kimi';

export interface MockRules {
  /** Which thinking-mode replay rule to enforce on incoming history. Default 'none'. */
  reasoning?: ReasoningRule;
  /** Where the mock puts reasoning in its answers, and which message field the rule checks
   *  ('think-tags' puts `<think>…</think>` in content; the rule then checks `reasoning_content`). */
  reasoningField?: 'reasoning_content' | 'reasoning' | 'think-tags' | 'thinking-parts';
  /** Usage in streams: only with stream_options.include_usage (default), always, or never. */
  streamUsage?: 'when-requested' | 'always' | 'never';
  /** Top-level request keys this provider refuses, e.g. ['parallel_tool_calls', 'stream_options']. */
  rejectFields?: string[];
  /** Refuse any system message that is not the single first message. */
  singleLeadingSystem?: boolean;
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

/** One SSE data frame: `data: <json>\n\n`. */
export function sseFrame(data: unknown): string {
  return `data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`;
}

export const DEFAULT_USAGE = { prompt_tokens: 100, completion_tokens: 20 } as const;

const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

class Rejection extends Error {
  constructor(
    message: string,
    readonly status = 400,
    readonly code: string | null = null,
    /** The response body, when the provider's error shape is not OpenAI's. */
    readonly body?: unknown,
  ) {
    super(message);
  }
}

/** A refused field, reported the way the configured provider reports it. */
function fieldRejection(rules: MockRules, loc: Array<string | number>, input: unknown): Rejection {
  const field = String(loc.at(-1));
  switch (rules.rejectionStyle) {
    case 'mistral': {
      const detail = [{ type: 'extra_forbidden', loc: ['body', ...loc], msg: 'Extra inputs are not permitted', input }];
      return new Rejection(`Extra inputs are not permitted: ${loc.join('.')}`, 422, null, { object: 'error', message: { detail }, type: 'invalid_request_error', param: null, code: null });
    }
    case 'gemini': {
      const message = `Invalid JSON payload received. Unknown name "${field}": Cannot find field.`;
      return new Rejection(message, 400, null, [{ error: { code: 400, message, status: 'INVALID_ARGUMENT' } }]);
    }
    default:
      return new Rejection(`Unrecognized request argument supplied: ${field}`);
  }
}

function openAiError(message: string, type: string, code: string | null): unknown {
  return { error: { message, type, param: null, code } };
}

function defaultErrorBody(status: number): unknown {
  if (status === 429) return openAiError('Rate limit reached (mock upstream).', 'requests', 'rate_limit_exceeded');
  if (status >= 500) return openAiError(`The server had an error (mock upstream ${status}).`, 'server_error', null);
  return openAiError(`Mock upstream error ${status}.`, 'invalid_request_error', null);
}

// ---------------------------------------------------------------- validation

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function checkParts(content: unknown, where: string): void {
  if (typeof content === 'string') {
    if (content.length === 0) throw new Rejection(`${where}: content must not be empty.`);
    return;
  }
  if (!Array.isArray(content)) throw new Rejection(`${where}: content must be a string or an array of content parts.`);
  if (content.length === 0) throw new Rejection(`${where}: content must not be an empty array.`);
  content.forEach((p, j) => {
    if (!isObj(p)) throw new Rejection(`${where}.content[${j}]: must be an object.`);
    if (p.type === 'text') {
      if (typeof p.text !== 'string') throw new Rejection(`${where}.content[${j}]: text part needs a string 'text'.`);
    } else if (p.type === 'image_url') {
      if (!isObj(p.image_url) || typeof p.image_url.url !== 'string' || p.image_url.url.length === 0) {
        throw new Rejection(`${where}.content[${j}]: image_url part needs image_url.url.`);
      }
    } else {
      throw new Rejection(`${where}.content[${j}]: invalid content part type ${JSON.stringify(p.type)} (expected 'text' or 'image_url').`);
    }
  });
}

function validate(body: unknown, rules: MockRules): void {
  if (!isObj(body)) throw new Rejection('We could not parse the JSON body of your request: expected a JSON object.');
  if (typeof body.model !== 'string' || body.model.length === 0) throw new Rejection("Missing required parameter: 'model'.");
  if (!Array.isArray(body.messages)) throw new Rejection("Missing required parameter: 'messages'.");
  if (body.messages.length === 0) throw new Rejection("Invalid 'messages': empty array. Expected an array with minimum length 1.");
  if (body.stream !== undefined && typeof body.stream !== 'boolean') throw new Rejection("Invalid type for 'stream': expected a boolean.");
  if (body.stream_options !== undefined && body.stream !== true) {
    throw new Rejection("The 'stream_options' parameter is only allowed when 'stream' is enabled.");
  }
  if (body.stream_options !== undefined && !isObj(body.stream_options)) throw new Rejection("Invalid type for 'stream_options': expected an object.");
  for (const f of rules.rejectFields ?? []) {
    if (body[f] !== undefined) throw fieldRejection(rules, [f], body[f]);
  }
  if (rules.allowedReasoningEfforts && body.reasoning_effort !== undefined && !rules.allowedReasoningEfforts.includes(body.reasoning_effort as string)) {
    throw new Rejection(`Invalid reasoning_effort: ${String(body.reasoning_effort)}. Valid values are: ${rules.allowedReasoningEfforts.join(', ')}`);
  }
  if (rules.rejectStrict) {
    const tools = Array.isArray(body.tools) ? body.tools : [];
    const strictTool = tools.findIndex((t) => isObj(t) && isObj(t.function) && t.function.strict !== undefined);
    if (strictTool >= 0) throw fieldRejection(rules, ['tools', strictTool, 'function', 'strict'], true);
    const format = body.response_format;
    if (isObj(format) && isObj(format.json_schema) && format.json_schema.strict !== undefined) throw fieldRejection(rules, ['response_format', 'json_schema', 'strict'], true);
  }

  // tools
  const toolNames = new Set<string>();
  if (body.tools !== undefined) {
    if (!Array.isArray(body.tools)) throw new Rejection("Invalid type for 'tools': expected an array.");
    if (body.tools.length === 0) throw new Rejection("Invalid 'tools': empty array. Expected an array with minimum length 1, but got an empty array instead.");
    body.tools.forEach((t, i) => {
      if (!isObj(t) || t.type !== 'function') {
        throw new Rejection(`Invalid value for 'tools[${i}].type': ${JSON.stringify(isObj(t) ? t.type : t)}. Supported values are: 'function'.`);
      }
      const fn = t.function;
      if (!isObj(fn) || typeof fn.name !== 'string' || !TOOL_NAME.test(fn.name)) {
        throw new Rejection(`Invalid 'tools[${i}].function.name': string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$' (1-64 chars), got ${JSON.stringify(isObj(fn) ? fn.name : undefined)}.`);
      }
      if (toolNames.has(fn.name)) throw new Rejection(`Invalid 'tools': duplicate function name '${fn.name}'.`);
      toolNames.add(fn.name);
      if (fn.parameters !== undefined && !isObj(fn.parameters)) throw new Rejection(`Invalid 'tools[${i}].function.parameters': expected an object.`);
    });
  }
  if (body.tool_choice !== undefined) {
    if (toolNames.size === 0) throw new Rejection("Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools' are specified.");
    const tc = body.tool_choice;
    if (typeof tc === 'string') {
      if (!['auto', 'none', 'required'].includes(tc)) throw new Rejection(`Invalid value for 'tool_choice': ${JSON.stringify(tc)}.`);
    } else if (!isObj(tc) || tc.type !== 'function' || !isObj(tc.function) || typeof tc.function.name !== 'string' || !toolNames.has(tc.function.name)) {
      throw new Rejection(`Invalid value for 'tool_choice': ${JSON.stringify(tc)} does not name one of the tools.`);
    }
  }
  if (body.parallel_tool_calls !== undefined && toolNames.size === 0) {
    throw new Rejection("Invalid value for 'parallel_tool_calls': 'parallel_tool_calls' is only allowed when 'tools' are specified.");
  }

  // messages
  let pending: string[] = []; // tool_call ids of the last assistant message not yet answered
  let answerable = new Set<string>(); // ids a tool message may answer right now
  body.messages.forEach((m, i) => {
    const where = `messages[${i}]`;
    if (!isObj(m)) throw new Rejection(`Invalid '${where}': expected an object.`);
    const role = m.role;
    const developer = role === 'developer' && rules.developerRole === 'accept';
    if (role !== 'system' && role !== 'user' && role !== 'assistant' && role !== 'tool' && !developer) {
      throw new Rejection(`Invalid value: ${JSON.stringify(role)}. Supported values are: 'system', 'assistant', 'user' and 'tool'. (${where}.role)`);
    }
    if (role !== 'tool' && pending.length > 0) {
      throw new Rejection(`An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: ${pending.join(', ')} (before ${where}, role '${role}')`);
    }
    if (role !== 'tool') answerable = new Set();

    if (role === 'system' || role === 'user' || developer) {
      checkParts(m.content, where);
      if (Array.isArray(m.content) && (rules.rejectContentArraysOn ?? []).includes(role as 'system' | 'user')) {
        throw new Rejection(`Invalid '${where}.content': ${String(role)} content must be a string.`);
      }
      if (rules.rejectImages && Array.isArray(m.content)) {
        const image = m.content.findIndex((p) => isObj(p) && p.type === 'image_url');
        if (image >= 0) {
          throw new Rejection(`Failed to deserialize the JSON body into the target type: messages[${i}]: unknown variant \`image_url\`, expected \`text\``, 422);
        }
      }
      if (role === 'system' && rules.singleLeadingSystem && i !== 0) {
        throw new Rejection(`System message must be at the beginning (${where}).`);
      }
      return;
    }

    if (role === 'assistant') {
      if (m.content !== undefined && m.content !== null && typeof m.content !== 'string') {
        throw new Rejection(`Invalid '${where}.content': assistant content must be a string or null.`);
      }
      for (const f of ['reasoning_content', 'reasoning'] as const) {
        if (m[f] !== undefined && m[f] !== null && typeof m[f] !== 'string') throw new Rejection(`Invalid '${where}.${f}': expected a string.`);
      }
      for (const f of rules.rejectMessageFields ?? []) {
        if (m[f] !== undefined) throw fieldRejection(rules, ['messages', i, 'assistant', f], m[f]);
      }
      const calls = m.tool_calls;
      if (calls === undefined || calls === null) {
        if (typeof m.content !== 'string' || m.content.length === 0) {
          throw new Rejection(`Invalid '${where}': an assistant message must have non-empty content or tool_calls.`);
        }
        return;
      }
      if (!Array.isArray(calls) || calls.length === 0) throw new Rejection(`Invalid '${where}.tool_calls': expected a non-empty array.`);
      const ids: string[] = [];
      calls.forEach((c, j) => {
        const w = `${where}.tool_calls[${j}]`;
        if (!isObj(c)) throw new Rejection(`Invalid '${w}': expected an object.`);
        if (typeof c.id !== 'string' || c.id.length === 0) throw new Rejection(`Missing required parameter: '${w}.id'.`);
        if (rules.requireToolCallIdPattern && !rules.requireToolCallIdPattern.test(c.id)) throw toolCallIdRejection(c.id, rules.requireToolCallIdPattern);
        if (ids.includes(c.id)) throw new Rejection(`Invalid '${w}.id': duplicate tool call id '${c.id}'.`);
        if (c.type !== 'function') throw new Rejection(`Invalid value for '${w}.type': ${JSON.stringify(c.type)}. Supported values are: 'function'.`);
        const fn = c.function;
        if (!isObj(fn) || typeof fn.name !== 'string' || !TOOL_NAME.test(fn.name)) {
          throw new Rejection(`Invalid '${w}.function.name': string does not match pattern '^[a-zA-Z0-9_-]{1,64}$', got ${JSON.stringify(isObj(fn) ? fn.name : undefined)}.`);
        }
        if (typeof fn.arguments !== 'string') throw new Rejection(`Invalid type for '${w}.function.arguments': expected a string.`);
        let parsed: unknown;
        try {
          parsed = JSON.parse(fn.arguments);
        } catch {
          throw new Rejection(`Invalid '${w}.function.arguments': not valid JSON: ${JSON.stringify(fn.arguments.slice(0, 200))}.`);
        }
        if (!isObj(parsed)) throw new Rejection(`Invalid '${w}.function.arguments': expected a JSON object, got ${JSON.stringify(fn.arguments.slice(0, 200))}.`);
        ids.push(c.id);
      });
      pending = [...ids];
      answerable = new Set(ids);
      return;
    }

    // tool
    const id = m.tool_call_id;
    if (rules.requireToolCallIdPattern && typeof id === 'string' && !rules.requireToolCallIdPattern.test(id)) throw toolCallIdRejection(id, rules.requireToolCallIdPattern);
    if (typeof id !== 'string' || !answerable.has(id)) {
      throw new Rejection(`Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'. (${where}, tool_call_id ${JSON.stringify(id)})`);
    }
    if (!pending.includes(id)) throw new Rejection(`Invalid '${where}': tool_call_id '${id}' was already answered.`);
    pending = pending.filter((p) => p !== id);
    if (typeof m.content !== 'string') throw new Rejection(`Invalid '${where}.content': tool content must be a string.`);
    if (m.content.length === 0 && !rules.allowEmptyToolContent) throw new Rejection(`Invalid '${where}.content': content must not be empty.`);
  });
  if (pending.length > 0) {
    throw new Rejection(`An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: ${pending.join(', ')}`);
  }
}

function toolCallIdRejection(id: string, pattern: RegExp): Rejection {
  // Mistral's wording, for its pattern; a generic one otherwise.
  const rule = pattern.source === '^[a-zA-Z0-9]{9}$' ? 'a-z, A-Z, 0-9, with a length of 9' : `match ${pattern}`;
  return new Rejection(`Tool call id was ${id} but must be ${rule}.`, 400, '3280');
}

function checkReasoningRule(body: unknown, rules: MockRules): void {
  const rule = rules.reasoning ?? 'none';
  if (rule === 'none' || !isObj(body) || !Array.isArray(body.messages)) return;
  const field = rules.reasoningField === 'reasoning' ? 'reasoning' : 'reasoning_content';
  body.messages.forEach((m: unknown, i: number) => {
    if (!isObj(m) || m.role !== 'assistant') return;
    const has = typeof m[field] === 'string' && (m[field] as string).length > 0;
    if (has) return;
    const hasCalls = Array.isArray(m.tool_calls) && m.tool_calls.length > 0;
    if (rule === 'deepseek' && hasCalls) {
      throw new Rejection('The reasoning_content in the thinking mode must be passed back to the API.');
    }
    if (rule === 'kimi') throw new Rejection(`reasoning_content is missing in assistant tool call message at index ${i}`);
  });
}

// ---------------------------------------------------------------- answers

/** Split into `n` pieces by code point (never inside a surrogate pair); fewer if too short. */
function split(text: string, n: number): string[] {
  const cps = Array.from(text);
  const k = Math.max(1, Math.min(n, cps.length));
  const out: string[] = [];
  for (let i = 0; i < k; i++) out.push(cps.slice(Math.floor((i * cps.length) / k), Math.floor(((i + 1) * cps.length) / k)).join(''));
  return out.filter((s) => s.length > 0);
}

interface Resolved {
  calls: Array<{ id: string; name: string; arguments: string }>;
  finishReason: string;
  usage: ChatUsage;
}

function buildUsage(turn: MockTurn): ChatUsage {
  if (turn.rawUsage) return turn.rawUsage;
  const u = turn.usage ?? DEFAULT_USAGE;
  return {
    prompt_tokens: u.prompt_tokens,
    completion_tokens: u.completion_tokens,
    total_tokens: u.prompt_tokens + u.completion_tokens,
    prompt_tokens_details: { cached_tokens: turn.usage?.cached_tokens ?? 0 },
    completion_tokens_details: { reasoning_tokens: turn.usage?.reasoning_tokens ?? 0 },
  };
}

function streamChunks(turn: MockTurn, r: Resolved, base: { id: string; created: number; model: string }, rules: MockRules, includeUsage: boolean): ChatChunk[] {
  const chunk = (delta: Record<string, unknown>, finish: string | null = null): ChatChunk => ({
    ...base,
    object: 'chat.completion.chunk',
    choices: [{ index: 0, delta, finish_reason: finish }],
  });
  const out: ChatChunk[] = [chunk({ role: 'assistant', content: '' })];
  const field = rules.reasoningField ?? 'reasoning_content';
  const contentPieces = turn.content ? split(turn.content, turn.contentDeltas ?? 4) : [];

  if (turn.reasoning) {
    const pieces = split(turn.reasoning, 3);
    if (field === 'thinking-parts') {
      // Magistral: thinking as content parts.
      for (const p of pieces) out.push(chunk({ content: [{ type: 'thinking', thinking: [{ type: 'text', text: p }] }] }));
    } else if (field === 'think-tags') {
      // The opening and closing tags each arrive split across two deltas, as token streams do.
      for (const c of ['<th', 'ink>', ...pieces, '</thi', 'nk>']) out.push(chunk({ content: c }));
    } else {
      for (const p of pieces) out.push(chunk({ [field]: p }));
    }
  }
  for (const p of contentPieces) out.push(chunk({ content: p }));
  r.calls.forEach((c, index) => {
    if (rules.omitToolCallIndex) {
      out.push(chunk({ tool_calls: [{ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } }] }));
      return;
    }
    out.push(chunk({ tool_calls: [{ index, id: c.id, type: 'function', function: { name: c.name, arguments: '' } }] }));
    for (const frag of split(c.arguments, 3)) {
      const extra = turn.repeatToolCallIds ? { id: c.id, type: 'function' } : {};
      out.push(chunk({ tool_calls: [{ index, ...extra, function: { arguments: frag } }] }));
    }
  });
  if (rules.usageIn === 'choice') {
    // Kimi: usage inside the finishing choice (northes/go-moonshot#17).
    const finish = chunk({}, r.finishReason);
    out.push({ ...finish, choices: [{ ...finish.choices![0], usage: r.usage }] });
    return out;
  }
  if (rules.usageIn === 'x_groq') {
    // Groq: usage rides on the finish chunk, under x_groq (vercel/ai#1651).
    out.push({ ...chunk({}, r.finishReason), x_groq: { id: 'req_mock', usage: r.usage } } as ChatChunk);
    return out;
  }
  out.push(chunk({}, r.finishReason));
  if (includeUsage) out.push({ ...base, object: 'chat.completion.chunk', choices: [], usage: r.usage });
  return out;
}

/** A fresh tool-call id in the provider's style. */
function generatedCallId(n: number, rules: MockRules): string {
  if (rules.toolCallIdStyle === 'alnum9') return `M${String(n % 1e8).padStart(8, '0')}`;
  return `call_${n}`;
}

function completionBody(turn: MockTurn, r: Resolved, base: { id: string; created: number; model: string }, rules: MockRules): unknown {
  const field = rules.reasoningField ?? 'reasoning_content';
  let content: string | null = turn.content ?? (r.calls.length > 0 ? null : '');
  const message: Record<string, unknown> = { role: 'assistant' };
  if (turn.reasoning && field === 'think-tags') content = `<think>${turn.reasoning}</think>${content ?? ''}`;
  message.content = content;
  if (turn.reasoning && field === 'thinking-parts') {
    message.content = [{ type: 'thinking', thinking: [{ type: 'text', text: turn.reasoning }] }, ...(content ? [{ type: 'text', text: content }] : [])];
  }
  if (turn.reasoning && field !== 'think-tags' && field !== 'thinking-parts') message[field] = turn.reasoning;
  if (r.calls.length > 0) message.tool_calls = r.calls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } }));
  return {
    ...base,
    object: 'chat.completion',
    choices: [{ index: 0, message, logprobs: null, finish_reason: r.finishReason }],
    usage: r.usage,
  };
}

// ---------------------------------------------------------------- server

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on('data', (b: Buffer) => parts.push(b));
    req.on('error', reject);
    req.on('end', () => {
      let buf = Buffer.concat(parts);
      const enc = String(req.headers['content-encoding'] ?? '').toLowerCase();
      try {
        if (enc === 'gzip') buf = gunzipSync(buf);
        else if (enc === 'deflate') buf = inflateSync(buf);
        else if (enc === 'br') buf = brotliDecompressSync(buf);
      } catch (e) {
        reject(e);
        return;
      }
      resolve(buf.toString('utf8'));
    });
  });
}

export async function startMockUpstream(o: MockUpstreamOptions): Promise<MockUpstream> {
  if (Array.isArray(o.turns) && o.turns.length === 0) throw new Error('startMockUpstream: turns must not be empty');
  const rules: MockRules = o.rules ?? {};
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  const timers = new Set<{ t: NodeJS.Timeout; resolve: () => void }>();
  let closed = false;
  let turnCounter = 0;
  let callCounter = 0;
  let completionCounter = 0;

  const sleep = (ms: number): Promise<void> =>
    ms > 0 && !closed
      ? new Promise((resolve) => {
          const entry = {
            resolve,
            t: setTimeout(() => {
              timers.delete(entry);
              resolve();
            }, ms),
          };
          timers.add(entry);
        })
      : Promise.resolve();

  const write = (res: ServerResponse, data: string): Promise<void> =>
    new Promise((resolve) => {
      if (res.destroyed || res.writableEnded) return resolve();
      res.write(data, () => resolve());
    });

  const sendJson = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void => {
    if (res.headersSent || res.destroyed) return;
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json', ...headers });
    res.end(text);
  };

  const authorized = (req: IncomingMessage): boolean => o.apiKey === undefined || req.headers.authorization === `Bearer ${o.apiKey}`;
  const unauthorized = openAiError('Invalid API key', 'invalid_request_error', 'invalid_api_key');

  async function handleChat(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    let rawBody = '';
    try {
      rawBody = await readBody(req);
    } catch {
      /* an undecodable body is rejected below as non-JSON */
    }
    let body: unknown;
    try {
      body = JSON.parse(rawBody);
    } catch {
      body = undefined;
    }
    const rec: RecordedRequest = { body: body as ChatRequest, rawBody, path, headers: { ...req.headers }, status: 0 };
    requests.push(rec);

    const reject = (status: number, message: string, err: unknown): void => {
      rec.status = status;
      rec.rejection = message;
      sendJson(res, status, err);
    };
    if (!authorized(req)) return reject(401, 'Invalid API key', unauthorized);
    try {
      if (body === undefined) throw new Rejection('We could not parse the JSON body of your request. (HINT: This likely means you aren\'t using your HTTP library correctly.)');
      if (rules.validate !== false) validate(body, rules);
      checkReasoningRule(body, rules);
    } catch (e) {
      if (!(e instanceof Rejection)) throw e;
      return reject(e.status, e.message, e.body ?? openAiError(e.message, 'invalid_request_error', e.code));
    }

    const request = body as ChatRequest;
    const index = turnCounter++;
    rec.turnIndex = index;
    let turn: MockTurn;
    try {
      turn = Array.isArray(o.turns) ? o.turns[Math.min(index, o.turns.length - 1)] : await o.turns(request, index);
    } catch (e) {
      const message = `mock upstream script threw: ${e instanceof Error ? e.message : String(e)}`;
      return reject(500, message, openAiError(message, 'server_error', null));
    }

    await sleep(turn.delayMs ?? 0);
    if (closed || res.destroyed) {
      rec.status = 0;
      return;
    }
    const extraHeaders = turn.headers ?? {};

    if (turn.status !== undefined) {
      rec.status = turn.status;
      sendJson(res, turn.status, turn.errorBody ?? defaultErrorBody(turn.status), extraHeaders);
      return;
    }

    const resolved: Resolved = {
      calls: (turn.toolCalls ?? []).map((c) => ({ id: c.id ?? generatedCallId(++callCounter, rules), name: c.name, arguments: c.arguments })),
      finishReason: turn.finishReason ?? (turn.toolCalls && turn.toolCalls.length > 0 ? 'tool_calls' : 'stop'),
      usage: buildUsage(turn),
    };
    const base = { id: `chatcmpl-mock-${++completionCounter}`, created: Math.floor(Date.now() / 1000), model: request.model };
    rec.status = 200;

    if (request.stream !== true) {
      const text = turn.rawBody ?? JSON.stringify(completionBody(turn, resolved, base, rules));
      if (turn.cutAfterFrames !== undefined) {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), ...extraHeaders });
        await write(res, text.slice(0, Math.floor(text.length / 2)));
        res.socket?.destroy();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json', ...extraHeaders });
      res.end(text);
      return;
    }

    const streamUsage = rules.streamUsage ?? 'when-requested';
    const includeUsage = streamUsage === 'always' || (streamUsage === 'when-requested' && request.stream_options?.include_usage === true);
    // Copy: the turn may be replayed (array form repeats its last turn), so never mutate it.
    const frames = turn.rawFrames ? [...turn.rawFrames] : streamChunks(turn, resolved, base, rules, includeUsage).map((c) => sseFrame(c));
    if (!turn.omitDone && !rules.omitDone) frames.push('data: [DONE]\n\n');

    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', ...extraHeaders });
    res.flushHeaders();
    let sent = 0;
    for (const frame of frames) {
      if (turn.cutAfterFrames !== undefined && sent >= turn.cutAfterFrames) break;
      if (sent > 0) await sleep(turn.frameDelayMs ?? 0);
      if (closed || res.destroyed) return;
      await write(res, frame);
      sent++;
    }
    if (turn.cutAfterFrames !== undefined && turn.cutAfterFrames < frames.length) {
      // Everything written so far has been flushed (write callbacks); now break the chunked body.
      res.socket?.destroy();
      return;
    }
    res.end();
  }

  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0].replace(/\/+$/, '');
    const run = async (): Promise<void> => {
      if (req.method === 'POST' && (path === '/v1/chat/completions' || path === '/chat/completions')) return handleChat(req, res, path);
      if (req.method === 'GET' && (path === '/v1/models' || path === '/models')) {
        req.resume();
        if (!authorized(req)) return sendJson(res, 401, unauthorized);
        if (o.models === undefined) return sendJson(res, 404, openAiError('Not found', 'invalid_request_error', null));
        return sendJson(res, 200, { object: 'list', data: o.models.map((id) => ({ id, object: 'model', created: 0, owned_by: 'mock-upstream' })) });
      }
      req.resume();
      sendJson(res, 404, openAiError(`Unknown route ${req.method} ${path}`, 'invalid_request_error', null));
    };
    run().catch((e: unknown) => {
      const message = `mock upstream crashed: ${e instanceof Error ? e.stack ?? e.message : String(e)}`;
      if (!res.headersSent) sendJson(res, 500, openAiError(message, 'server_error', null));
      else res.destroy();
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    close: async () => {
      if (closed) return;
      closed = true;
      for (const entry of timers) {
        clearTimeout(entry.t);
        entry.resolve();
      }
      timers.clear();
      const done = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      for (const s of sockets) s.destroy();
      await done;
    },
  };
}

/**
 * The mock's verdict on a chat request without starting a server (for property tests): the reason
 * it would be refused, or undefined if it would be served. Same rules as a running mock.
 */
export function checkChatRequest(body: unknown, rules: MockRules = {}): string | undefined {
  try {
    validate(body, rules);
    checkReasoningRule(body, rules);
    return undefined;
  } catch (error) {
    if (error instanceof Rejection) return error.message;
    throw error;
  }
}
