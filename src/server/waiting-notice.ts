// With --verbose, a line every 30 s while the upstream keeps silent (no answer yet, or nothing
// more in a stream), so a long wait is seen to be a wait and not a hang.

export const STILL_WAITING_EVERY_MS = 30_000;

export function stillWaitingLine(host: string, silentMs: number, limitMs: number): string {
  return `still waiting for ${host}: nothing for ${Math.round(silentMs / 1000)}s (gives up after ${Math.round(limitMs / 1000)}s; --upstream-timeout sets that)`;
}

/**
 * Logs `stillWaitingLine` every `everyMs` until stopped; `reset()` says the upstream spoke. Nothing
 * without a log.
 */
export function startWaitingNotice(
  log: ((line: string) => void) | undefined,
  host: string,
  limitMs: number,
  everyMs = STILL_WAITING_EVERY_MS,
): { stop(): void } {
  if (!log) return { stop: () => {} };
  const since = Date.now();
  const timer = setInterval(() => log(stillWaitingLine(host, Date.now() - since, limitMs)), everyMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
