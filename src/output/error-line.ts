// The one shape every failure is reported in, by every command: `codex-bridge: <what happened> —
// <what to do>`, on one line.

export const PREFIX = 'codex-bridge: ';

/** `<what> — <fix>` (just `<what>` without a fix): the message part, without the prefix. */
export function whatAndFix(what: string, fix?: string): string {
  return fix ? `${what} — ${fix}` : what;
}

/** The line to print (no newline): the message with the prefix, once. */
export function errorLine(message: string): string {
  return message.startsWith(PREFIX) ? message : `${PREFIX}${message}`;
}
