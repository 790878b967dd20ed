// The bridge hands reasoning to Responses clients as `encrypted_content`: an opaque string they
// replay verbatim. Ours is a versioned, readable envelope, so the chat `reasoning_content` can be
// restored from the request alone, even after the bridge restarted.
//
// It also carries what a provider needs back verbatim but nobody should see: OpenRouter's
// `reasoning_details` blocks (signed or encrypted thinking) and the `extra_content` of tool calls
// (Gemini's thought signatures), keyed by the call id Codex knows. Those fields are optional, so
// envelopes written before they existed still read, and an older bridge reading a newer envelope
// still gets its text.

const PREFIX = 'cbr1.';

export interface ReasoningEnvelope {
  /** The upstream's reasoning text, verbatim ('' when the item only carries replay state). */
  text: string;
  /** The response that produced it. */
  responseId?: string;
  /** OpenRouter-style `reasoning_details` blocks, merged, as the assistant message must carry them back. */
  details?: unknown[];
  /** Tool-call id (as Codex knows it) → that call's `extra_content`, e.g. `{google: {thought_signature}}`. */
  toolCallExtras?: Record<string, unknown>;
}

export function encodeReasoningEnvelope(envelope: ReasoningEnvelope): string {
  const payload: Record<string, unknown> = { v: 1, t: envelope.text, r: envelope.responseId };
  if (envelope.details && envelope.details.length > 0) payload.d = envelope.details;
  if (envelope.toolCallExtras && Object.keys(envelope.toolCallExtras).length > 0) payload.x = envelope.toolCallExtras;
  return PREFIX + Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url');
}

const isPlainObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** undefined for anything that is not one of ours (e.g. OpenAI's real encrypted reasoning). */
export function decodeReasoningEnvelope(value: unknown): ReasoningEnvelope | undefined {
  if (typeof value !== 'string' || !value.startsWith(PREFIX)) return undefined;
  try {
    const payload = JSON.parse(Buffer.from(value.slice(PREFIX.length), 'base64url').toString('utf8'));
    if (payload?.v !== 1 || typeof payload.t !== 'string') return undefined;
    const envelope: ReasoningEnvelope = { text: payload.t, responseId: typeof payload.r === 'string' ? payload.r : undefined };
    if (Array.isArray(payload.d) && payload.d.length > 0) envelope.details = payload.d;
    if (isPlainObject(payload.x) && Object.keys(payload.x).length > 0) envelope.toolCallExtras = payload.x;
    return envelope;
  } catch {
    return undefined;
  }
}
