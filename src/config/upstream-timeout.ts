import { UsageError } from '../output/usage-error.js';

// `--upstream-timeout` (or CODEX_BRIDGE_UPSTREAM_TIMEOUT): how long the upstream may stay silent
// (no answer yet, or nothing more in a stream) before the bridge gives up on it.

export const UPSTREAM_TIMEOUT_ENV = 'CODEX_BRIDGE_UPSTREAM_TIMEOUT';
const UNITS_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };
const MIN_MS = 1_000;
const MAX_MS = 24 * 3_600_000;

/** "90s", "10m", "1.5h", "500ms", or plain seconds ("120") → milliseconds; undefined if it is not one. */
export function parseDuration(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/i.exec(text.trim());
  if (!match) return undefined;
  return Math.round(Number(match[1]) * UNITS_MS[(match[2] ?? 's').toLowerCase()]);
}

/** The idle limit in ms from the flag, else the variable; undefined when neither is given. */
export function resolveUpstreamTimeout(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): number | undefined {
  const [value, where] = flag !== undefined ? [flag, '--upstream-timeout'] : [env[UPSTREAM_TIMEOUT_ENV], UPSTREAM_TIMEOUT_ENV];
  if (value === undefined || value.trim() === '') return undefined;
  const ms = parseDuration(value);
  if (ms === undefined || ms < MIN_MS || ms > MAX_MS) {
    throw new UsageError(`${where} "${value}" is not a duration from 1s to 24h — pass e.g. 90s, 10m or 1h (plain numbers are seconds)`);
  }
  return ms;
}
