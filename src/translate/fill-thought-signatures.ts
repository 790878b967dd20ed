import type { ChatMessage } from './types.js';

// Gemini 3 refuses a replayed tool-call turn whose first call has no thought signature. A history
// the bridge did not see produced (a conversation begun on another model, or a client that dropped
// the replay state) has none to give back; Gemini documents a placeholder for exactly that case
// (ai.google.dev/gemini-api/docs/thought-signatures, FAQ): "skip_thought_signature_validator".

export const THOUGHT_SIGNATURE_PLACEHOLDER = 'skip_thought_signature_validator';

const isObject = (value: unknown): value is Record<string, any> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The first call of every tool-call turn without a signature gets the placeholder; real signatures are kept. */
export function fillMissingThoughtSignatures(messages: ChatMessage[]): ChatMessage[] {
  let changed = false;
  const out = messages.map((message): ChatMessage => {
    if (message.role !== 'assistant' || !message.tool_calls?.length) return message;
    const [first, ...rest] = message.tool_calls;
    const extra = first.extra_content;
    if (typeof (isObject(extra) && isObject(extra.google) ? extra.google.thought_signature : undefined) === 'string') return message;
    changed = true;
    const google = isObject(extra) && isObject(extra.google) ? extra.google : {};
    return { ...message, tool_calls: [{ ...first, extra_content: { ...extra, google: { ...google, thought_signature: THOUGHT_SIGNATURE_PLACEHOLDER } } }, ...rest] };
  });
  return changed ? out : messages;
}
