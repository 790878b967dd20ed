import type { BridgeOptions } from './bridge-options.js';
import { UpstreamConnectionError } from './upstream-types.js';
import { connectionFix, keyFix, notFoundFix } from './upstream-fix.js';
import { finalError, mapUpstreamError, upstreamMessageOf, type BridgeError } from '../translate/map-upstream-error.js';

// What the client is told when the upstream failed for good (after the bridge's retries). Errors
// that will not heal by themselves (refused, DNS, TLS, 401/403/404), and anything once the turn
// has used up its attempts, go back as the error Codex shows and does not retry, with the fix at
// the end of the line. The rest keep a form Codex retries (429 with Retry-After, 502).

export interface FailureAnswer extends BridgeError {
  headers?: Record<string, string>;
}

/** Appended when a turn used up its attempts. */
function exhaustedNote(attempts: number): string {
  return `${attempts} attempts failed in this turn; try again later, or run codex-bridge doctor`;
}

/** The upstream could not be reached (or broke off before answering). */
export function answerForUnreachable(error: unknown, options: BridgeOptions, host: string, turnAttempts?: number): FailureAnswer {
  const failure = error instanceof UpstreamConnectionError ? error.failure : undefined;
  const what = error instanceof UpstreamConnectionError ? error.message : `cannot reach upstream ${host}: ${(error as Error)?.message ?? error}`;
  if (failure && !failure.retryable) return finalError(`${what} — ${connectionFix(failure, options)}`, 'upstream_unreachable');
  if (turnAttempts !== undefined) return finalError(`${what} — ${exhaustedNote(turnAttempts)}`, 'upstream_unreachable');
  return { status: 502, error: { message: what, type: 'server_error', code: 'upstream_unreachable' } };
}

/** The upstream answered with an error status. */
export function answerForStatus(
  reply: { status: number; bodyText: string; retryAfterMs?: number },
  options: BridgeOptions,
  host: string,
  turnAttempts?: number,
): FailureAnswer {
  const mapped = mapUpstreamError(reply.status, reply.bodyText, host, reply.retryAfterMs, {
    auth: keyFix(options),
    notFound: notFoundFix(reply.status === 404 ? upstreamMessageOf(reply.bodyText) : '', options),
  });
  // Codex retries a 429 (rate_limit_exceeded) and a 502 itself; nothing else the mapping gives.
  const codexRetries = mapped.error.code === 'rate_limit_exceeded' || mapped.status >= 500;
  if (turnAttempts !== undefined && codexRetries) {
    return finalError(`upstream ${host} answered ${reply.status}: ${upstreamMessageOf(reply.bodyText)} — ${exhaustedNote(turnAttempts)}`, mapped.error.type);
  }
  return { ...mapped, headers: mapped.retryAfterSeconds ? { 'retry-after': String(mapped.retryAfterSeconds) } : undefined };
}
