import type { ServerResponse } from 'node:http';

// JSON replies and the one error type every server module throws. Errors always go out as
// `{"error":{"message","type","code"}}` — the shape the openai SDK and Codex parse — never as a bare
// status line, so whatever the client shows the user says what went wrong.

export interface ErrorBody {
  message: string;
  type: string;
  code: string | null;
}

/** An error with the HTTP status and OpenAI-style error fields it should be answered with. */
export class HttpError extends Error {
  override name = 'HttpError';
  readonly status: number;
  readonly type: string;
  readonly code: string | null;
  /** Extra response headers, e.g. `allow` on a 405 or `connection: close` after an unread body. */
  readonly headers: Record<string, string>;

  constructor(status: number, message: string, options: { type?: string; code?: string | null; headers?: Record<string, string> } = {}) {
    super(message);
    this.status = status;
    this.type = options.type ?? (status >= 500 ? 'server_error' : 'invalid_request_error');
    this.code = options.code ?? null;
    this.headers = options.headers ?? {};
  }

  toBody(): ErrorBody {
    return { message: this.message, type: this.type, code: this.code };
  }
}

/**
 * Send `value` as JSON. If the headers have already gone out (an SSE stream was started, or the
 * client is gone) nothing more can be said on this response, so it is just ended.
 */
export function sendJson(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.writableEnded || res.destroyed) {
    if (!res.writableEnded && !res.destroyed) res.end();
    return;
  }
  const text = JSON.stringify(value);
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
  });
  res.end(text);
}

export function sendJsonError(
  res: ServerResponse,
  status: number,
  error: { message: string; type: string; code: string | null },
  headers: Record<string, string> = {},
): void {
  sendJson(res, status, { error: { message: error.message, type: error.type, code: error.code } }, headers);
}

export function sendHttpError(res: ServerResponse, error: HttpError): void {
  sendJsonError(res, error.status, error.toBody(), error.headers);
}

// ---------- per-request report for --verbose logging ----------
//
// The server writes one log line per request when the response closes:
//   POST /v1/responses model=deepseek-chat status=200 1234ms in=1200 out=85 cached=1024
// The server fills in method, path, status and time itself, and `model` from the request body. A
// handler adds what only it knows (the upstream model actually used, token usage, a short note) by
// calling `reportRequest(res, {...})` at any point before the response closes; later calls merge.
// Nothing secret may go in here: it is printed as is.

export interface RequestReport {
  model?: string;
  inputTokens?: number;
  outputTokens?: number;
  cachedTokens?: number;
  reasoningTokens?: number;
  /** Upstream retries performed. */
  retries?: number;
  /** A few words, e.g. "upstream 429" or "client went away". */
  note?: string;
}

const reports = new WeakMap<ServerResponse, RequestReport>();

export function reportRequest(res: ServerResponse, info: RequestReport): void {
  reports.set(res, { ...reports.get(res), ...info });
}

export function getRequestReport(res: ServerResponse): RequestReport {
  return reports.get(res) ?? {};
}

export function formatRequestReport(report: RequestReport): string {
  const parts: string[] = [];
  if (report.inputTokens !== undefined) parts.push(`in=${report.inputTokens}`);
  if (report.outputTokens !== undefined) parts.push(`out=${report.outputTokens}`);
  if (report.cachedTokens !== undefined) parts.push(`cached=${report.cachedTokens}`);
  if (report.reasoningTokens !== undefined) parts.push(`reasoning=${report.reasoningTokens}`);
  if (report.retries) parts.push(`retries=${report.retries}`);
  if (report.note) parts.push(`(${report.note})`);
  return parts.join(' ');
}
