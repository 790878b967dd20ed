// The bridge hands reasoning to Responses clients as `encrypted_content`: an opaque string they
// replay verbatim. Ours is a versioned, readable envelope, so the chat `reasoning_content` can be
// restored from the request alone, even after the bridge restarted.

const PREFIX = 'cbr1.';

export interface ReasoningEnvelope {
  /** The upstream's reasoning text, verbatim. */
  text: string;
  /** The response that produced it. */
  responseId?: string;
}

export function encodeReasoningEnvelope(envelope: ReasoningEnvelope): string {
  const payload = { v: 1, t: envelope.text, r: envelope.responseId };
  return PREFIX + Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url');
}

/** undefined for anything that is not one of ours (e.g. OpenAI's real encrypted reasoning). */
export function decodeReasoningEnvelope(value: unknown): ReasoningEnvelope | undefined {
  if (typeof value !== 'string' || !value.startsWith(PREFIX)) return undefined;
  try {
    const payload = JSON.parse(Buffer.from(value.slice(PREFIX.length), 'base64url').toString('utf8'));
    if (payload?.v !== 1 || typeof payload.t !== 'string') return undefined;
    return { text: payload.t, responseId: typeof payload.r === 'string' ? payload.r : undefined };
  } catch {
    return undefined;
  }
}
