// What real providers hand out and want back verbatim, as the mock plays them:
// - Gemini 3 puts a thought signature on the first tool call of each answer
//   (`extra_content.google.thought_signature`) and refuses a replayed call without it;
// - OpenRouter in front of Anthropic streams thinking as `reasoning_details` blocks whose signature
//   comes last, and refuses a tool-call turn whose thinking block is missing or altered;
// - chat templates that refuse a system role, or roles that do not alternate.
// The mock derives what it hands out from what it signs (a hash), so it can check a replay without
// remembering anything; values it did not hand out (recorded ones) only need the right shape.
import { createHash } from 'node:crypto';

const digest = (text: string) => createHash('sha256').update(text).digest('base64url').slice(0, 22);

export const mockThoughtSignature = (callId: string): string => `mock-ts:${digest(callId)}`;
export const mockThinkingSignature = (text: string): string => `mock-sig:${digest(text)}`;

const isObj = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The reasoning_details blocks of a thought, whole, as a blocking answer carries them. */
export function reasoningDetailsOf(text: string): Array<Record<string, unknown>> {
  return [{ type: 'reasoning.text', text, signature: mockThinkingSignature(text), format: 'anthropic-claude-v1', index: 0 }];
}

/** The same, as stream deltas: an empty opener, the text in pieces, then the signature alone (as OpenRouter streams Claude). */
export function reasoningDetailsDeltas(text: string, pieces: string[]): Array<Record<string, unknown>> {
  const block = (fields: Record<string, unknown>) => ({ reasoning_details: [{ type: 'reasoning.text', ...fields, format: 'anthropic-claude-v1', index: 0 }] });
  return [block({ text: '', signature: '' }), ...pieces.map((p) => block({ text: p })), block({ signature: mockThinkingSignature(text) })];
}

export interface Refusal {
  status: number;
  message: string;
  body: unknown;
}

/** Gemini: the first call of every replayed tool-call turn must carry its signature, unchanged. */
export function missingThoughtSignature(messages: unknown[]): Refusal | undefined {
  for (const [i, m] of messages.entries()) {
    if (!isObj(m) || m.role !== 'assistant' || !Array.isArray(m.tool_calls) || m.tool_calls.length === 0) continue;
    const first = m.tool_calls[0];
    const signature = isObj(first) ? first.extra_content?.google?.thought_signature : undefined;
    const issued = typeof first?.id === 'string' ? mockThoughtSignature(first.id) : undefined;
    const valid = typeof signature === 'string' && signature !== '' && (!signature.startsWith('mock-ts:') || signature === issued);
    if (valid) continue;
    const message =
      'Function call is missing a thought_signature in functionCall parts. This is required for tools to work correctly, and missing thought_signature may lead to degraded model performance. ' +
      `Additional data, function call \`default_api:${String(first?.function?.name)}\` , position ${i + 1}. please refer to https://ai.google.dev/gemini-api/docs/thought-signatures for more details.`;
    return { status: 400, message, body: [{ error: { code: 400, message, status: 'INVALID_ARGUMENT' } }] };
  }
  return undefined;
}

/** Anthropic through OpenRouter: a tool-call turn must start with its signed thinking block, unchanged. */
export function missingThinkingBlock(messages: unknown[]): Refusal | undefined {
  for (const [i, m] of messages.entries()) {
    if (!isObj(m) || m.role !== 'assistant' || !Array.isArray(m.tool_calls) || m.tool_calls.length === 0) continue;
    const blocks = Array.isArray(m.reasoning_details) ? m.reasoning_details.filter(isObj) : [];
    const signed = blocks.some((b) => {
      if (b.type === 'reasoning.encrypted') return typeof b.data === 'string' && b.data !== '';
      if (b.type !== 'reasoning.text' || typeof b.signature !== 'string' || b.signature === '') return false;
      return !b.signature.startsWith('mock-sig:') || b.signature === mockThinkingSignature(String(b.text ?? ''));
    });
    if (signed) continue;
    const anthropic = `messages.${i}.content.0.type: Expected \`thinking\` or \`redacted_thinking\`, but found \`tool_use\`. When \`thinking\` is enabled, a final \`assistant\` message must start with a thinking block (preceeding the lastmost set of \`tool_use\` and \`tool_result\` blocks). We recommend you include thinking blocks from previous turns. To avoid this requirement, disable \`thinking\`. Please consult our documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking`;
    const raw = JSON.stringify({ type: 'error', error: { type: 'invalid_request_error', message: anthropic } });
    return { status: 400, message: anthropic, body: { error: { message: 'Provider returned error', code: 400, metadata: { raw, provider_name: 'Anthropic' } } } };
  }
  return undefined;
}

/** Chat templates: no system role at all (Gemma 2), or one optional leading system message and then alternating user/assistant turns, tool results aside (Mistral). */
export function templateRefusal(messages: unknown[], rules: { rejectSystemRole?: boolean; alternatingRoles?: boolean }): Refusal | undefined {
  const refuse = (message: string): Refusal => ({ status: 400, message, body: { object: 'error', message, type: 'BadRequestError', param: null, code: 400 } });
  const roles = messages.map((m) => (isObj(m) ? m.role : undefined));
  if (rules.rejectSystemRole && roles.includes('system')) return refuse('System role not supported');
  if (rules.alternatingRoles) {
    const alternates = roles.every((role, i) => (role === 'system' ? i === 0 : i === 0 || role === 'tool' || role !== roles[i - 1]));
    if (!alternates) return refuse('After the optional system message, conversation roles must alternate user/assistant/user/assistant/...');
  }
  return undefined;
}
