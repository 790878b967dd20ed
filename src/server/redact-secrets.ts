// The one place secrets (the upstream key, the client token) are cut out of text that leaves the
// bridge: error bodies an upstream echoes, log lines, failure events.

const REDACTED = '[redacted]';

/** A function replacing every occurrence of each secret; secrets shorter than 4 are ignored. */
export function makeSecretRedactor(...secrets: Array<string | undefined>): (text: string) => string {
  const present = secrets.filter((s): s is string => typeof s === 'string' && s.length >= 4);
  if (present.length === 0) return (text) => text;
  return (text) => {
    let out = text;
    for (const secret of present) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    return out;
  };
}
