// Upstream failures → errors Codex understands (codex-protocol.md §6). Pure: status and body in,
// HTTP status and a JSON error out.

export interface BridgeError {
  status: number;
  error: { message: string; type: string; code: string };
  /** For 429s: how long the client should wait. */
  retryAfterSeconds?: number;
}

/**
 * The one error Codex neither retries nor wraps: measured with Codex 0.171 against a Responses
 * stand-in, it retries every status but 400 (401/403/404/408/409/422 five times, 5xx thirty), and
 * of a 400 it prints just the message only when `error.code` is `invalid_prompt` (any other code:
 * the raw JSON). `type` keeps saying what actually happened, for other clients.
 */
export const FINAL_ERROR_CODE = 'invalid_prompt';

/** An error the client should show and not retry: it will not heal by itself. */
export function finalError(message: string, type: string): BridgeError {
  return { status: 400, error: { message, type, code: FINAL_ERROR_CODE } };
}

/** The fixes to name for errors the user has to act on (what to check, never a secret). */
export interface UpstreamErrorFixes {
  /** For 401/403, e.g. "check the key in $DEEPSEEK_API_KEY". */
  auth?: string;
  /** For 404. */
  notFound?: string;
}

const CONTEXT_LENGTH = /context[ _-]?(length|window)|maximum context|prompt is too long|too many tokens|reduce the length|input is too long|exceeds? the (model'?s )?(maximum|max)/i;
const QUOTA = /insufficient[ _-]?(balance|quota|funds)|quota|billing|credit|balance|payment required/i;
const MAX_MESSAGE = 600;

/** The human part of an upstream error body: error.message, message, or the raw text. */
export function upstreamMessageOf(body: string): string {
  let message = body.trim();
  try {
    const parsed = JSON.parse(body) as unknown;
    const candidates = Array.isArray(parsed) ? parsed : [parsed];
    for (const candidate of candidates) {
      const c = candidate as { error?: unknown; message?: unknown; detail?: unknown };
      const error = c?.error;
      if (typeof error === 'string') { message = error; break; }
      if (error && typeof error === 'object' && typeof (error as { message?: unknown }).message === 'string') {
        message = (error as { message: string }).message;
        break;
      }
      if (typeof c?.message === 'string') { message = c.message; break; }
      if (typeof c?.detail === 'string') { message = c.detail; break; }
    }
  } catch {
    // not JSON: keep the text
  }
  message = message.replace(/\s+/g, ' ');
  return message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE)}…` : message || '(empty body)';
}

export function mapUpstreamError(status: number, body: string, upstreamHost: string, retryAfterMs?: number, fixes: UpstreamErrorFixes = {}): BridgeError {
  const detail = upstreamMessageOf(body);
  const from = `upstream ${upstreamHost} answered ${status}: ${detail}`;
  if (CONTEXT_LENGTH.test(detail) && status >= 400 && status < 500 && status !== 429) {
    return { status: 400, error: { message: from, type: 'invalid_request_error', code: 'context_length_exceeded' } };
  }
  if (status === 402 || (status === 429 && QUOTA.test(detail)) || (status === 403 && /balance|quota|billing/i.test(detail))) {
    return { status: 429, error: { message: from, type: 'insufficient_quota', code: 'insufficient_quota' } };
  }
  if (status === 429) {
    const seconds = Math.max(1, Math.ceil((retryAfterMs ?? 2000) / 1000));
    return {
      status: 429,
      error: { message: `${from} (still rate-limited after retries; try again in ${seconds}s)`, type: 'rate_limit_error', code: 'rate_limit_exceeded' },
      retryAfterSeconds: seconds,
    };
  }
  if (status === 401 || status === 403) {
    return finalError(`${from} — ${fixes.auth ?? 'check the API key the bridge was given'}`, 'upstream_auth_failed');
  }
  if (status === 404) {
    return finalError(`${from} — ${fixes.notFound ?? 'check --upstream and --model'}`, 'upstream_not_found');
  }
  if (status >= 500) {
    // Codex hides a 500's body; 502 with JSON shows it and is still retried.
    return { status: 502, error: { message: from, type: 'server_error', code: 'upstream_error' } };
  }
  return { status: 400, error: { message: from, type: 'invalid_request_error', code: 'upstream_rejected' } };
}

/** An `{"error":…}` that arrived inside a 200 stream, mapped like an HTTP error would be. */
export function mapInStreamError(error: unknown, upstreamHost: string): { code: string; message: string } {
  const raw = typeof error === 'string' ? error : JSON.stringify({ error });
  const statusHint = (error as { code?: unknown; status?: unknown })?.code ?? (error as { status?: unknown })?.status;
  const status =
    typeof statusHint === 'number' && statusHint >= 400 && statusHint < 600
      ? statusHint
      : CONTEXT_LENGTH.test(raw) ? 400 : QUOTA.test(raw) ? 402 : 500;
  const mapped = mapUpstreamError(status, raw, upstreamHost);
  return { code: mapped.error.code, message: mapped.error.message };
}
