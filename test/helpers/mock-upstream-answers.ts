// How the mock upstream answers: stream chunks and whole completions shaped like a provider's.
import type { ChatChunk, ChatUsage } from '../../src/translate/types.js';
import type { MockRules, MockTurn } from './mock-upstream-types.js';
import { mockThoughtSignature, reasoningDetailsDeltas, reasoningDetailsOf } from './mock-replay-rules.js';

export const DEFAULT_USAGE = { prompt_tokens: 100, completion_tokens: 20 } as const;

// ---------------------------------------------------------------- answers

/** Split into `n` pieces by code point (never inside a surrogate pair); fewer if too short. */
function split(text: string, n: number): string[] {
  const cps = Array.from(text);
  const k = Math.max(1, Math.min(n, cps.length));
  const out: string[] = [];
  for (let i = 0; i < k; i++) out.push(cps.slice(Math.floor((i * cps.length) / k), Math.floor(((i + 1) * cps.length) / k)).join(''));
  return out.filter((s) => s.length > 0);
}

export interface Resolved {
  calls: Array<{ id: string; name: string; arguments: string }>;
  finishReason: string;
  usage: ChatUsage;
}

export function buildUsage(turn: MockTurn): ChatUsage {
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

export function streamChunks(turn: MockTurn, r: Resolved, base: { id: string; created: number; model: string }, rules: MockRules, includeUsage: boolean): ChatChunk[] {
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
    } else if (field === 'reasoning-details' || rules.withReasoningDetails) {
      // OpenRouter: the text in blocks (beside the plain field, if any), the signature last on its own.
      const details = reasoningDetailsDeltas(turn.reasoning, pieces);
      details.forEach((d, i) => out.push(chunk(field === 'reasoning-details' ? d : { [field]: i > 0 && i <= pieces.length ? pieces[i - 1] : null, ...d })));
    } else {
      for (const p of pieces) out.push(chunk({ [field]: p }));
    }
  }
  for (const p of contentPieces) out.push(chunk({ content: p }));
  r.calls.forEach((c, index) => {
    // Gemini signs the first call of an answer only; parallel calls after it carry nothing.
    const signed = rules.thoughtSignatures && index === 0 ? { extra_content: { google: { thought_signature: mockThoughtSignature(c.id) } } } : {};
    if (rules.omitToolCallIndex) {
      out.push(chunk({ tool_calls: [{ id: c.id, type: 'function', ...signed, function: { name: c.name, arguments: c.arguments } }] }));
      return;
    }
    out.push(chunk({ tool_calls: [{ index, id: c.id, type: 'function', ...signed, function: { name: c.name, arguments: '' } }] }));
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
export function generatedCallId(n: number, rules: MockRules): string {
  if (rules.toolCallIdStyle === 'alnum9') return `M${String(n % 1e8).padStart(8, '0')}`;
  return `call_${n}`;
}

export function completionBody(turn: MockTurn, r: Resolved, base: { id: string; created: number; model: string }, rules: MockRules): unknown {
  const field = rules.reasoningField ?? 'reasoning_content';
  let content: string | null = turn.content ?? (r.calls.length > 0 ? null : '');
  const message: Record<string, unknown> = { role: 'assistant' };
  if (turn.reasoning && field === 'think-tags') content = `<think>${turn.reasoning}</think>${content ?? ''}`;
  message.content = content;
  if (turn.reasoning && field === 'thinking-parts') {
    message.content = [{ type: 'thinking', thinking: [{ type: 'text', text: turn.reasoning }] }, ...(content ? [{ type: 'text', text: content }] : [])];
  }
  if (turn.reasoning && field !== 'think-tags' && field !== 'thinking-parts' && field !== 'reasoning-details') message[field] = turn.reasoning;
  if (turn.reasoning && (field === 'reasoning-details' || rules.withReasoningDetails)) message.reasoning_details = reasoningDetailsOf(turn.reasoning);
  if (r.calls.length > 0) {
    message.tool_calls = r.calls.map((c, index) => ({
      id: c.id,
      type: 'function',
      function: { name: c.name, arguments: c.arguments },
      ...(rules.thoughtSignatures && index === 0 && { extra_content: { google: { thought_signature: mockThoughtSignature(c.id) } } }),
    }));
  }
  return {
    ...base,
    object: 'chat.completion',
    choices: [{ index: 0, message, logprobs: null, finish_reason: r.finishReason }],
    usage: r.usage,
  };
}
