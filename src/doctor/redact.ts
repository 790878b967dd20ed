// The key must never appear in doctor's output, not even partly. Upstream error bodies are the risk:
// some echo the key, others a masked form of it ("sk-abc1****wxyz"). Anything that contains the key,
// a six-character piece of its start, its last four characters, or a run of asterisks is replaced.

const REDACTED = '[redacted]';

export function makeRedactor(key: string | undefined): (text: string) => string {
  if (!key) return (text) => text;
  const head = key.length >= 8 ? key.slice(0, 6) : undefined;
  const tail = key.length >= 12 ? key.slice(-4) : undefined;
  return (text) => {
    let out = text.split(key).join(REDACTED);
    out = out.replace(/[^\s"'`,;()<>[\]{}]+/g, (token) => {
      if (token === REDACTED) return token;
      if ((head && token.includes(head)) || (tail && token.includes(tail)) || /\*{3,}|•{3,}|x{6,}/i.test(token)) return REDACTED;
      return token;
    });
    return out;
  };
}

/** The gist of an upstream error body: its `error.message` (or `message`, or the text), one line, capped. */
export function errorGist(bodyText: string, max = 200): string {
  let message: string | undefined;
  try {
    const body = JSON.parse(bodyText) as unknown;
    const first = Array.isArray(body) ? body[0] : body; // Gemini answers [{"error":…}]
    const candidate =
      (first as { error?: { message?: unknown } })?.error?.message ??
      (first as { message?: unknown })?.message ??
      (first as { error?: unknown })?.error;
    if (typeof candidate === 'string') message = candidate;
  } catch {
    // not JSON
  }
  const line = (message ?? bodyText).replace(/[\u0000-\u001f\u007f]+/g, ' ').replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
