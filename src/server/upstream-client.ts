import type { Dispatcher, Pool } from 'undici';
import { createParser, type ParseError } from 'eventsource-parser';
import type { BridgeOptions } from './bridge-options.js';
import { describeConnectionError, type ConnectionFailure } from './describe-connection-error.js';
import { makeSecretRedactor } from './redact-secrets.js';
import { encodeChatRequest } from './encode-chat-request.js';
import { UpstreamConnectionError, type UpstreamCallOptions, type UpstreamClient, type UpstreamReply, type UpstreamStreamEvent } from './upstream-types.js';
import type { WarmConnector } from './warm-connection.js';
import type { ChatChunk, ChatRequest } from '../translate/types.js';

// The one place the bridge talks to the Chat Completions provider: a keep-alive undici Pool to the
// upstream origin, bounded retries before anything reaches the client, and SSE parsing into
// UpstreamStreamEvents. The API key goes into one request header and nowhere else; every text this
// module produces (error messages, upstream error bodies) is scrubbed of it as well.

/** Upstream error bodies are kept up to this size (they may echo the whole request otherwise). */
export const ERROR_BODY_CAP = 64 * 1024;
/** A non-streamed answer larger than this is refused rather than buffered. */
const JSON_BODY_CAP = 256 * 1024 * 1024;
/** Largest single SSE event we will buffer before giving up on the stream. */
const SSE_EVENT_CAP = 64 * 1024 * 1024;
const RETRYABLE_STATUS = new Set([500, 502, 503, 504]);
const BASE_BACKOFF_MS = 500;
/** undici's silence limit on a streamed body, in multiples of the bridge's own (see createUpstreamClient). */
const STREAM_BODY_TIMEOUT_FACTOR = 2;

type ResponseData = Dispatcher.ResponseData;

/**
 * undici takes ~100 ms to load, as long as the rest of `run`'s start-up: it is loaded on its own,
 * not on the way to spawning Codex. Each client starts the load in a later turn of the event loop
 * (by then `run` has spawned its command), and a request that comes sooner waits for it.
 */
let undici: Promise<typeof import('undici')> | undefined;
function loadUndici(): Promise<typeof import('undici')> {
  return (undici ??= import('undici'));
}

/** How long opening a connection (DNS, TCP, TLS) may take. */
const CONNECT_TIMEOUT_MS = 15_000;

export function createUpstreamClient(options: BridgeOptions): UpstreamClient {
  const base = new URL(options.upstream);
  const host = base.host;
  const path = `${base.pathname.replace(/\/+$/, '')}/chat/completions${base.search}`;
  const poolOptions: Pool.Options = {
    keepAliveTimeout: 30_000,
    // Time to the response headers, and the longest silence inside a body. A blocking (stream:false)
    // answer only sends its headers once the whole completion is done, so both use the idle limit.
    headersTimeout: options.upstreamIdleTimeoutMs,
    bodyTimeout: options.upstreamIdleTimeoutMs,
  };
  // A stream's silences are timed by the bridge (pumpStream), which fails the stream with a message
  // that says so; undici's limit is only a backstop there, far enough behind that it never wins the
  // race (the bridge checks every idle/3 at most, undici's coarse timers fire up to a second late).
  const streamBodyTimeoutMs = STREAM_BODY_TIMEOUT_FACTOR * options.upstreamIdleTimeoutMs;
  let pool: Pool | undefined;
  let connector: WarmConnector | undefined;
  let closed = false;
  setImmediate(() => void loadUndici().catch(() => {})).unref();
  async function warmConnector(): Promise<WarmConnector> {
    // Loaded with undici, after `run` has spawned its command.
    const [{ buildConnector }, { createWarmConnector }] = await Promise.all([loadUndici(), import('./warm-connection.js')]);
    return (connector ??= createWarmConnector(buildConnector({ timeout: CONNECT_TIMEOUT_MS }), new URL(base.origin)));
  }
  /** The pool, created by the first request. */
  async function openPool(): Promise<Pool> {
    const { Pool } = await loadUndici();
    const { connect } = await warmConnector();
    if (closed) throw new Error('the upstream client is closed');
    return (pool ??= new Pool(base.origin, { ...poolOptions, connect }));
  }
  const scrub = makeSecretRedactor(options.apiKey);

  async function chat(body: ChatRequest, call: UpstreamCallOptions): Promise<UpstreamReply> {
    const { signal } = call;
    const payload = encodeChatRequest(body);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: body.stream ? 'text/event-stream' : 'application/json',
      'user-agent': 'codex-bridge',
    };
    if (options.apiKey) headers.authorization = `Bearer ${options.apiKey}`;

    const maxRetries = call.maxRetries ?? options.maxRetries;
    for (let attempt = 0; ; attempt++) {
      throwIfAborted(signal);
      let response: ResponseData;
      try {
        const bodyTimeout = body.stream ? streamBodyTimeoutMs : undefined;
        response = await (pool ?? (await openPool())).request({ path, method: 'POST', headers, body: payload, signal, bodyTimeout });
      } catch (error) {
        throwIfAborted(signal);
        const failure = describeConnectionError(error, options.upstreamIdleTimeoutMs);
        if (failure.retryable && attempt < maxRetries) {
          const delayMs = backoffMs(attempt, options.maxRetryDelayMs);
          call.onRetry?.({ attempt: attempt + 1, delayMs, reason: scrub(failure.reason) });
          await sleep(delayMs, signal);
          continue;
        }
        throw new UpstreamConnectionError(scrub(connectionMessage(host, failure)), failure);
      }

      const status = response.statusCode;
      if (status >= 200 && status < 300) {
        return readSuccess(response, body.stream === true, signal, host, scrub);
      }

      const bodyText = scrub(await readCappedText(response.body, ERROR_BODY_CAP));
      const retryAfterMs = parseRetryAfter(response.headers);
      // An exhausted quota is not going to recover in a few seconds.
      const retryable = status === 429 ? !/insufficient_quota/i.test(bodyText) : RETRYABLE_STATUS.has(status);
      // A Retry-After longer than we are willing to wait goes back to the client (Codex spaces its
      // own retries by it) instead of being cut short and failing again.
      const waitable = retryAfterMs === undefined || retryAfterMs <= options.maxRetryDelayMs;
      if (retryable && waitable && attempt < maxRetries) {
        const delayMs = Math.min(retryAfterMs ?? backoffMs(attempt, options.maxRetryDelayMs), options.maxRetryDelayMs);
        call.onRetry?.({ attempt: attempt + 1, status, delayMs, reason: `HTTP ${status}` });
        await sleep(delayMs, signal);
        continue;
      }
      return retryAfterMs === undefined ? { kind: 'error', status, bodyText } : { kind: 'error', status, bodyText, retryAfterMs };
    }
  }

  return {
    chat,
    async preconnect() {
      if (closed) return undefined;
      const warming = await warmConnector();
      if (closed) return undefined;
      const error = await warming.warm();
      return error === undefined ? undefined : { ...describeConnectionError(error, options.upstreamIdleTimeoutMs), host };
    },
    async close() {
      // Called on shutdown, after the server has dropped its clients (which aborts their requests).
      closed = true;
      connector?.close();
      if (pool && !pool.destroyed) await pool.destroy();
    },
  };
}

async function readSuccess(
  response: ResponseData,
  streamRequested: boolean,
  signal: AbortSignal,
  host: string,
  scrub: (text: string) => string,
): Promise<UpstreamReply> {
  const status = response.statusCode;
  const contentType = headerOf(response.headers, 'content-type')?.toLowerCase() ?? '';
  if (streamRequested && !contentType.includes('json')) {
    // text/event-stream, or no/odd content type: read it as SSE (junk lines are ignored by the parser).
    return { kind: 'stream', status, batches: sseBatches(response.body, signal, host) };
  }
  // A blocking answer, or a JSON answer to a stream:true request (some upstreams ignore `stream`,
  // or report errors this way with a 200): read it whole.
  let text: string;
  try {
    text = await readCappedText(response.body, JSON_BODY_CAP, true);
  } catch (error) {
    throwIfAborted(signal);
    throw new UpstreamConnectionError(scrub(`upstream ${host} broke off its answer: ${describeConnectionError(error, 0).reason}`));
  }
  try {
    return { kind: 'json', status, body: JSON.parse(text) };
  } catch {
    if (/^\s*(data|event|:)/.test(text)) {
      // SSE with a JSON content type (or to a blocking request): hand it over as a stream.
      return { kind: 'stream', status, batches: sseFromText(text) };
    }
    return { kind: 'error', status: 502, bodyText: scrub(`upstream answered ${status} with a body that is neither JSON nor SSE: ${text.slice(0, 2000)}`) };
  }
}

/** An SSE event's data → the chunk it carries, the end of the stream, or data that is not a chunk. */
function classifyChunkData(data: string): UpstreamStreamEvent {
  if (data.trim() === '[DONE]') return { type: 'done' };
  try {
    const parsed: unknown = JSON.parse(data);
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) return { type: 'chunk', chunk: parsed as ChatChunk };
  } catch {
    // fall through
  }
  return { type: 'malformed', data };
}

/**
 * SSE bytes → events, however the bytes were split, the events of each read of `source` together.
 * A streaming TextDecoder keeps a multi-byte character that straddles two reads intact. Ends at EOF
 * (a last event without its blank line still counts: some servers end with "data: [DONE]\n");
 * errors from `source` propagate.
 */
export async function* parseSseBatches(source: AsyncIterable<Uint8Array>): AsyncGenerator<UpstreamStreamEvent[]> {
  let batch: UpstreamStreamEvent[] = [];
  let tooLong = false;
  const parser = createParser({
    maxBufferSize: SSE_EVENT_CAP,
    onEvent: (event) => batch.push(classifyChunkData(event.data)),
    onError: (error: ParseError) => {
      if (error.type === 'max-buffer-size-exceeded') tooLong = true;
    },
  });
  const decoder = new TextDecoder('utf-8');
  for await (const chunk of source) {
    parser.feed(decoder.decode(chunk, { stream: true }));
    if (tooLong) throw new Error(`an SSE event is larger than ${SSE_EVENT_CAP} bytes`);
    if (batch.length > 0) {
      const ready = batch;
      batch = [];
      yield ready;
    }
  }
  // End the last line and event, in case the stream stopped without its blank line.
  parser.feed(`${decoder.decode()}\n\n`);
  if (batch.length > 0) yield batch;
}

/** The same, one event at a time. */
export async function* parseSseBytes(source: AsyncIterable<Uint8Array>): AsyncGenerator<UpstreamStreamEvent> {
  for await (const batch of parseSseBatches(source)) yield* batch;
}

/** How long the end of a body may take to come after its `data: [DONE]` before the socket is dropped. */
const AFTER_DONE_DRAIN_MS = 1_000;

/** The upstream's SSE body as batches of events; throws a readable Error if the connection breaks midway. */
async function* sseBatches(body: ResponseData['body'], signal: AbortSignal, host: string): AsyncGenerator<UpstreamStreamEvent[]> {
  const chunks = (body as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  // Without return(): a consumer that stops early does not abort the body through its iterator
  // (an AbortError with its stack, on every request); the finally below decides.
  const source: AsyncIterable<Buffer> = { [Symbol.asyncIterator]: () => ({ next: () => chunks.next() }) };
  let sawDone = false;
  try {
    for await (const batch of parseSseBatches(source)) {
      if (!sawDone && batch.some((event) => event.type === 'done')) sawDone = true;
      yield batch;
    }
  } catch (error) {
    throwIfAborted(signal);
    throw new Error(`upstream ${host} stream broke: ${describeConnectionError(error, 0).reason}`);
  } finally {
    // Also when the consumer stops early: free the socket rather than leave the body unread. After
    // [DONE] the body ends at once: read that end instead of aborting it.
    if (!body.destroyed) {
      if (sawDone && !signal.aborted) void readToEnd(chunks, body);
      else body.destroy();
    }
  }
}

/** Reads what is left of a body (nothing, normally); destroys it if that takes too long or too much. */
async function readToEnd(chunks: AsyncIterator<Buffer>, body: ResponseData['body']): Promise<void> {
  const timer = setTimeout(() => body.destroy(), AFTER_DONE_DRAIN_MS);
  timer.unref();
  let bytes = 0;
  try {
    for (let next = await chunks.next(); !next.done; next = await chunks.next()) {
      bytes += next.value.length;
      if (bytes > ERROR_BODY_CAP) {
        body.destroy();
        break;
      }
    }
  } catch {
    // broken or destroyed: nothing left to free
  } finally {
    clearTimeout(timer);
  }
}

async function* sseFromText(text: string): AsyncGenerator<UpstreamStreamEvent[]> {
  const events: UpstreamStreamEvent[] = [];
  const parser = createParser({ onEvent: (event) => events.push(classifyChunkData(event.data)) });
  parser.feed(`${text}\n\n`);
  if (events.length > 0) yield events;
}

/** Read a body as text, keeping at most `cap` bytes (the rest is discarded with the connection). */
async function readCappedText(body: ResponseData['body'], cap: number, failOverCap = false): Promise<string> {
  const decoder = new TextDecoder('utf-8');
  let text = '';
  let size = 0;
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      const room = cap - size;
      if (chunk.length > room) {
        if (failOverCap) throw new Error(`answer larger than ${cap} bytes`);
        text += decoder.decode(chunk.subarray(0, room));
        size = cap;
        break;
      }
      size += chunk.length;
      text += decoder.decode(chunk, { stream: true });
    }
    text += decoder.decode();
  } catch (error) {
    if (failOverCap) throw error;
    // An error body that breaks off midway still says something; keep what arrived.
  } finally {
    if (!body.destroyed) body.destroy();
  }
  return text;
}

// ---------- retries ----------

/** Retry-After (seconds or HTTP date), or OpenAI's retry-after-ms, in milliseconds. */
export function parseRetryAfter(headers: Record<string, string | string[] | undefined>, now = Date.now()): number | undefined {
  const ms = headerOf(headers, 'retry-after-ms');
  if (ms !== undefined && /^\s*\d+(\.\d+)?\s*$/.test(ms)) return Math.round(Number(ms));
  const value = headerOf(headers, 'retry-after')?.trim();
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000);
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

function backoffMs(attempt: number, maxDelayMs: number): number {
  const exponential = BASE_BACKOFF_MS * 2 ** attempt;
  const jitter = Math.random() * 0.25 * exponential;
  return Math.min(maxDelayMs, Math.round(exponential + jitter));
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(abortError(signal));
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError(signal));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason;
  return new DOMException('the request was aborted', 'AbortError');
}

function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw abortError(signal);
}

// ---------- errors ----------

function connectionMessage(host: string, failure: ConnectionFailure): string {
  const code = failure.code ? ` (${failure.code})` : '';
  // It was reached: it just said nothing.
  if (failure.kind === 'silent') return `upstream ${host} sent ${failure.reason}${code}`;
  return `cannot reach upstream ${host}: ${failure.reason}${code}`;
}

function headerOf(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}
