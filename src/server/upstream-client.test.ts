import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { normalizeBridgeOptions, type BridgeOptions } from './bridge-options.js';
import { createUpstreamClient, parseRetryAfter, parseSseBatches, parseSseBytes } from './upstream-client.js';
import { UpstreamConnectionError, type UpstreamClient, type UpstreamStreamEvent } from './upstream-types.js';
import type { ChatRequest } from '../translate/types.js';
import { closedPort } from '../../test/helpers/closed-port.js';

const KEY = 'sk-secret-upstream-key-123456';
const streamRequest: ChatRequest = { model: 'm', messages: [{ role: 'user', content: 'hi' }], stream: true };
const blockingRequest: ChatRequest = { ...streamRequest, stream: false };

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
  closed: Promise<void>;
}

let mock: Server | undefined;
let client: UpstreamClient | undefined;
afterEach(async () => {
  await client?.close();
  client = undefined;
  mock?.closeAllConnections();
  await new Promise<void>((resolve) => (mock ? mock.close(() => resolve()) : resolve()));
  mock = undefined;
});

/** A Chat Completions stand-in: `script(n)` answers the n-th request (0-based). */
async function startMock(script: (n: number, req: IncomingMessage, res: ServerResponse) => void | Promise<void>) {
  const seen: Seen[] = [];
  mock = createServer((req, res) => {
    const chunks: Buffer[] = [];
    const closed = new Promise<void>((resolve) => res.on('close', () => resolve()));
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), closed });
      void script(seen.length - 1, req, res);
    });
  });
  await new Promise<void>((resolve) => mock!.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(mock!.address() as AddressInfo).port}/v1`, seen };
}

function makeClient(upstream: string, overrides: Partial<BridgeOptions> = {}): UpstreamClient {
  client = createUpstreamClient(normalizeBridgeOptions({ upstream, model: 'm', token: 't', apiKey: KEY, maxRetryDelayMs: 50, ...overrides }));
  return client;
}

function sendSse(res: ServerResponse, text: string): void {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  res.end(text);
}

async function collect(events: AsyncIterable<UpstreamStreamEvent | readonly UpstreamStreamEvent[]>): Promise<UpstreamStreamEvent[]> {
  const out: UpstreamStreamEvent[] = [];
  for await (const e of events) {
    if (Array.isArray(e)) out.push(...(e as UpstreamStreamEvent[]));
    else out.push(e as UpstreamStreamEvent);
  }
  return out;
}

const chunk = (content: string) => ({ choices: [{ index: 0, delta: { content } }] });
const frame = (value: unknown) => `data: ${JSON.stringify(value)}\n\n`;

describe('createUpstreamClient: requests', () => {
  it('POSTs JSON to {upstream}/chat/completions with the key as a bearer token, keeping a query string', async () => {
    const { url, seen } = await startMock((_n, _req, res) => sendSse(res, `${frame(chunk('hi'))}data: [DONE]\n\n`));
    const upstream = makeClient(`${url}?api-version=2024-10-01`);
    const reply = await upstream.chat(streamRequest, { signal: new AbortController().signal });
    expect(reply.kind).toBe('stream');
    if (reply.kind !== 'stream') return;
    expect(await collect(reply.batches)).toEqual([{ type: 'chunk', chunk: chunk('hi') }, { type: 'done' }]);
    expect(seen[0]).toMatchObject({ method: 'POST', url: '/v1/chat/completions?api-version=2024-10-01' });
    expect(seen[0].headers.authorization).toBe(`Bearer ${KEY}`);
    expect(seen[0].headers['content-type']).toBe('application/json');
    expect(JSON.parse(seen[0].body)).toEqual(streamRequest);
  });

  it('sends no Authorization header without a key', async () => {
    const { url, seen } = await startMock((_n, _req, res) => sendSse(res, 'data: [DONE]\n\n'));
    client = createUpstreamClient(normalizeBridgeOptions({ upstream: url, model: 'm', token: 't' }));
    const reply = await client.chat(streamRequest, { signal: new AbortController().signal });
    if (reply.kind === 'stream') await collect(reply.batches);
    expect(seen[0].headers.authorization).toBeUndefined();
  });

  it('returns a blocking answer as json', async () => {
    const body = { id: 'x', choices: [{ index: 0, message: { role: 'assistant', content: 'yo' }, finish_reason: 'stop' }] };
    const { url } = await startMock((_n, _req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    });
    const reply = await makeClient(url).chat(blockingRequest, { signal: new AbortController().signal });
    expect(reply).toEqual({ kind: 'json', status: 200, body });
  });

  it('returns json when the upstream answers a stream:true request with application/json', async () => {
    const body = { error: { message: 'model overloaded' } };
    const { url } = await startMock((_n, _req, res) => {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify(body));
    });
    const reply = await makeClient(url).chat(streamRequest, { signal: new AbortController().signal });
    expect(reply).toEqual({ kind: 'json', status: 200, body });
  });

  it('reads SSE mislabelled as JSON as a stream', async () => {
    const { url } = await startMock((_n, _req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(`${frame(chunk('a'))}data: [DONE]\n\n`);
    });
    const reply = await makeClient(url).chat(streamRequest, { signal: new AbortController().signal });
    expect(reply.kind).toBe('stream');
    if (reply.kind === 'stream') expect(await collect(reply.batches)).toEqual([{ type: 'chunk', chunk: chunk('a') }, { type: 'done' }]);
  });
});

describe('createUpstreamClient: retries', () => {
  it('retries a 429 after the Retry-After seconds, then returns the stream', async () => {
    const { url, seen } = await startMock((n, _req, res) => {
      if (n === 0) {
        res.writeHead(429, { 'retry-after': '1', 'content-type': 'application/json' });
        res.end('{"error":{"message":"slow down"}}');
      } else sendSse(res, 'data: [DONE]\n\n');
    });
    const onRetry = vi.fn();
    const started = Date.now();
    const reply = await makeClient(url, { maxRetryDelayMs: 5_000 }).chat(streamRequest, { signal: new AbortController().signal, onRetry });
    expect(reply.kind).toBe('stream');
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(seen).toHaveLength(2);
    expect(onRetry).toHaveBeenCalledWith({ attempt: 1, status: 429, delayMs: 1000, reason: 'HTTP 429' });
  });

  it('gives up on a persistent 429 after maxRetries and returns it with retryAfterMs', async () => {
    const { url, seen } = await startMock((_n, _req, res) => {
      res.writeHead(429, { 'retry-after': '0' });
      res.end('{"error":{"message":"rate limited"}}');
    });
    const reply = await makeClient(url, { maxRetries: 2 }).chat(streamRequest, { signal: new AbortController().signal });
    expect(reply).toEqual({ kind: 'error', status: 429, bodyText: '{"error":{"message":"rate limited"}}', retryAfterMs: 0 });
    expect(seen).toHaveLength(3);
  });

  it('does not wait out a Retry-After longer than maxRetryDelayMs: the client gets it instead', async () => {
    const { url, seen } = await startMock((_n, _req, res) => {
      res.writeHead(429, { 'retry-after': '120' });
      res.end('busy');
    });
    const reply = await makeClient(url, { maxRetries: 3, maxRetryDelayMs: 1000 }).chat(streamRequest, { signal: new AbortController().signal });
    expect(reply).toMatchObject({ kind: 'error', status: 429, retryAfterMs: 120_000 });
    expect(seen).toHaveLength(1);
  });

  it('does not retry an exhausted quota', async () => {
    const { url, seen } = await startMock((_n, _req, res) => {
      res.writeHead(429);
      res.end('{"error":{"code":"insufficient_quota","message":"You exceeded your current quota"}}');
    });
    const reply = await makeClient(url, { maxRetries: 3 }).chat(streamRequest, { signal: new AbortController().signal });
    expect(reply).toMatchObject({ kind: 'error', status: 429 });
    expect(seen).toHaveLength(1);
  });

  it('retries a 503 once and succeeds', async () => {
    const { url, seen } = await startMock((n, _req, res) => {
      if (n === 0) {
        res.writeHead(503);
        res.end('overloaded');
      } else sendSse(res, `${frame(chunk('ok'))}data: [DONE]\n\n`);
    });
    const reply = await makeClient(url).chat(streamRequest, { signal: new AbortController().signal });
    expect(reply.kind).toBe('stream');
    expect(seen).toHaveLength(2);
  });

  it('returns a 5xx after the retries run out', async () => {
    const { url, seen } = await startMock((_n, _req, res) => {
      res.writeHead(502);
      res.end('bad gateway');
    });
    const reply = await makeClient(url, { maxRetries: 1 }).chat(streamRequest, { signal: new AbortController().signal });
    expect(reply).toEqual({ kind: 'error', status: 502, bodyText: 'bad gateway' });
    expect(seen).toHaveLength(2);
  });

  it('does not retry other 4xx, and caps the error body', async () => {
    const { url, seen } = await startMock((_n, _req, res) => {
      res.writeHead(400, { 'content-type': 'text/plain' });
      res.end('x'.repeat(200_000));
    });
    const reply = await makeClient(url, { maxRetries: 3 }).chat(streamRequest, { signal: new AbortController().signal });
    expect(reply.kind).toBe('error');
    if (reply.kind === 'error') expect(reply.bodyText.length).toBe(64 * 1024);
    expect(seen).toHaveLength(1);
  });

  it('never lets the key through in an error body', async () => {
    const { url } = await startMock((_n, _req, res) => {
      res.writeHead(401);
      res.end(`{"error":{"message":"Incorrect API key provided: ${KEY}"}}`);
    });
    const reply = await makeClient(url).chat(streamRequest, { signal: new AbortController().signal });
    expect(reply.kind).toBe('error');
    expect(JSON.stringify(reply)).not.toContain(KEY);
    expect(JSON.stringify(reply)).toContain('[redacted]');
  });
});

describe('createUpstreamClient: connection failures', () => {

  it('throws UpstreamConnectionError naming host and reason for a refused connection, without retrying: it will not heal in seconds', async () => {
    const port = await closedPort();
    const onRetry = vi.fn();
    const upstream = makeClient(`http://127.0.0.1:${port}/v1`, { maxRetries: 2, maxRetryDelayMs: 5 });
    const error = await upstream.chat(streamRequest, { signal: new AbortController().signal, onRetry }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamConnectionError);
    expect((error as Error).message).toBe(`cannot reach upstream 127.0.0.1:${port}: connection refused (ECONNREFUSED)`);
    expect((error as Error).message).not.toContain(KEY);
    expect((error as UpstreamConnectionError).failure).toMatchObject({ kind: 'refused', retryable: false });
    expect(onRetry).not.toHaveBeenCalled();
  });

  it('retries a connection the upstream closed without answering (that may heal), then succeeds', async () => {
    const { url, seen } = await startMock((n, req, res) => {
      if (n === 0) req.socket.destroy();
      else sendSse(res, `${frame(chunk('after a reset'))}data: [DONE]\n\n`);
    });
    const onRetry = vi.fn();
    const reply = await makeClient(url, { maxRetries: 2, maxRetryDelayMs: 5 }).chat(streamRequest, { signal: new AbortController().signal, onRetry });
    expect(reply.kind).toBe('stream');
    expect(onRetry).toHaveBeenCalledTimes(1);
    expect(seen).toHaveLength(2);
  });

  it('makes one attempt when the call says so (the client is retrying itself)', async () => {
    const { url, seen } = await startMock((_n, _req, res) => {
      res.writeHead(503);
      res.end();
    });
    const reply = await makeClient(url, { maxRetries: 3, maxRetryDelayMs: 5 }).chat(streamRequest, { signal: new AbortController().signal, maxRetries: 0 });
    expect(reply).toMatchObject({ kind: 'error', status: 503 });
    expect(seen).toHaveLength(1);
  });

  it('says "this server speaks plain HTTP" for https to a plain-HTTP port, in one line, without retrying', async () => {
    const { url, seen } = await startMock((_n, _req, res) => sendSse(res, 'data: [DONE]\n\n'));
    const onRetry = vi.fn();
    const upstream = makeClient(url.replace('http:', 'https:'), { maxRetries: 2, maxRetryDelayMs: 5 });
    const error = await upstream.chat(streamRequest, { signal: new AbortController().signal, onRetry }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamConnectionError);
    expect((error as Error).message).toMatch(/^cannot reach upstream 127\.0\.0\.1:\d+: this server speaks plain HTTP, not TLS \(ERR_SSL_[A-Z_]+\)$/);
    expect((error as UpstreamConnectionError).failure).toMatchObject({ kind: 'plain-http', retryable: false });
    expect(onRetry).not.toHaveBeenCalled();
    expect(seen).toHaveLength(0);
  });

  it('says a DNS lookup failed for a name that does not resolve', async () => {
    const upstream = makeClient('http://no-such-host.invalid/v1', { maxRetries: 0 });
    const error = await upstream.chat(streamRequest, { signal: new AbortController().signal }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamConnectionError);
    expect((error as Error).message).toMatch(/^cannot reach upstream no-such-host\.invalid: DNS lookup failed.* \((ENOTFOUND|EAI_AGAIN)\)$/);
  });

  it('throws a readable error when the stream breaks midway', async () => {
    let upstreamResponse: ServerResponse | undefined;
    const { url } = await startMock((_n, _req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(frame(chunk('part')));
      upstreamResponse = res;
    });
    const reply = await makeClient(url).chat(streamRequest, { signal: new AbortController().signal });
    if (reply.kind !== 'stream') throw new Error('expected a stream');
    const seen: UpstreamStreamEvent[] = [];
    const error = await (async () => {
      for await (const batch of reply.batches) {
        seen.push(...batch);
        // The first part arrived: now the upstream breaks off.
        upstreamResponse!.destroy();
      }
    })().catch((e: unknown) => e);
    expect(seen).toEqual([{ type: 'chunk', chunk: chunk('part') }]);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/^upstream 127\.0\.0\.1:\d+ stream broke: /);
  });
});

describe('createUpstreamClient: preconnect', () => {
  it('opens the connection ahead of the first request, which then goes over it', async () => {
    const { url, seen } = await startMock((_n, _req, res) => sendSse(res, `${frame(chunk('warm'))}data: [DONE]\n\n`));
    const connections: unknown[] = [];
    mock!.on('connection', (socket) => connections.push(socket));
    const upstream = makeClient(url);
    expect(await upstream.preconnect!()).toBeUndefined();
    await vi.waitFor(() => expect(connections).toHaveLength(1));
    expect(seen).toHaveLength(0); // nothing was asked yet
    const reply = await upstream.chat(streamRequest, { signal: new AbortController().signal });
    if (reply.kind !== 'stream') throw new Error('expected a stream');
    expect(await collect(reply.batches)).toEqual([{ type: 'chunk', chunk: chunk('warm') }, { type: 'done' }]);
    expect(connections).toHaveLength(1);
  });

  it('knows a dead upstream before the first request', async () => {
    const port = await (async () => {
      const s = createServer();
      await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
      const { port: p } = s.address() as AddressInfo;
      await new Promise<void>((resolve) => s.close(() => resolve()));
      return p;
    })();
    const failure = await makeClient(`http://127.0.0.1:${port}/v1`).preconnect!();
    expect(failure).toMatchObject({ host: `127.0.0.1:${port}`, kind: 'refused', code: 'ECONNREFUSED', retryable: false, reason: 'connection refused' });
  });

  it('does nothing once the client is closed', async () => {
    const { url } = await startMock(() => {});
    const connections: unknown[] = [];
    mock!.on('connection', (socket) => connections.push(socket));
    const upstream = makeClient(url);
    await upstream.close();
    expect(await upstream.preconnect!()).toBeUndefined();
    expect(connections).toHaveLength(0);
  });
});

describe('createUpstreamClient: aborting', () => {
  it('cancels the in-flight stream when the signal aborts, and the upstream sees its socket close', async () => {
    const { url, seen } = await startMock((_n, _req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(frame(chunk('first')));
      // ...and then nothing: a model that thinks for a long time
    });
    const abort = new AbortController();
    const reply = await makeClient(url).chat(streamRequest, { signal: abort.signal });
    if (reply.kind !== 'stream') throw new Error('expected a stream');
    const iterator = reply.batches[Symbol.asyncIterator]();
    expect(await iterator.next()).toEqual({ done: false, value: [{ type: 'chunk', chunk: chunk('first') }] });
    const pending = iterator.next();
    abort.abort();
    await expect(pending).rejects.toBeDefined();
    await expect(Promise.race([seen[0].closed.then(() => 'closed'), new Promise((r) => setTimeout(() => r('still open'), 2000))])).resolves.toBe('closed');
  });

  it('cancels a request still waiting for its response headers', async () => {
    const { url, seen } = await startMock(() => {
      // never answers
    });
    const abort = new AbortController();
    const call = makeClient(url).chat(streamRequest, { signal: abort.signal });
    await vi.waitFor(() => expect(seen).toHaveLength(1));
    abort.abort();
    await expect(call).rejects.not.toBeInstanceOf(UpstreamConnectionError);
    await expect(Promise.race([seen[0].closed.then(() => 'closed'), new Promise((r) => setTimeout(() => r('still open'), 2000))])).resolves.toBe('closed');
  });

  it('stops waiting between retries as soon as the signal aborts', async () => {
    const { url, seen } = await startMock((_n, _req, res) => {
      res.writeHead(503);
      res.end();
    });
    const abort = new AbortController();
    const started = Date.now();
    const call = makeClient(url, { maxRetries: 5, maxRetryDelayMs: 10_000 }).chat(streamRequest, {
      signal: abort.signal,
      onRetry: () => setTimeout(() => abort.abort(), 20),
    });
    await expect(call).rejects.toBeDefined();
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(seen).toHaveLength(1);
  });
});

describe('SSE parsing', () => {
  async function* pieces(bytes: Buffer, cuts: number[]): AsyncGenerator<Uint8Array> {
    let from = 0;
    for (const cut of [...cuts, bytes.length]) {
      yield bytes.subarray(from, cut);
      from = cut;
    }
  }

  const text = [
    ': keep-alive comment\n\n',
    frame(chunk('héllo ')),
    'event: message\r\ndata: {"choices":[{"index":0,"delta":{"content":"🎉 wörld"}}]}\r\n\r\n',
    'data: {not json\n\n',
    'data: [DONE]\n\n',
  ].join('');
  const expected: UpstreamStreamEvent[] = [
    { type: 'chunk', chunk: chunk('héllo ') },
    { type: 'chunk', chunk: chunk('🎉 wörld') },
    { type: 'malformed', data: '{not json' },
    { type: 'done' },
  ];

  it('gives the same events however the bytes are split, multi-byte characters included', async () => {
    const bytes = Buffer.from(text, 'utf8');
    const emoji = bytes.indexOf(Buffer.from('🎉'));
    // inside the 4-byte emoji, inside 'é', and every single byte
    expect(await collect(parseSseBytes(pieces(bytes, [emoji + 1, emoji + 3])))).toEqual(expected);
    expect(await collect(parseSseBytes(pieces(bytes, [bytes.indexOf(Buffer.from('é')) + 1])))).toEqual(expected);
    expect(await collect(parseSseBytes(pieces(bytes, Array.from({ length: bytes.length - 1 }, (_, i) => i + 1))))).toEqual(expected);
    for (let seed = 1; seed <= 20; seed++) {
      const cuts = [...new Set(Array.from({ length: 8 }, (_, i) => ((seed * 7919 * (i + 1)) % (bytes.length - 1)) + 1))].sort((a, b) => a - b);
      expect(await collect(parseSseBytes(pieces(bytes, cuts)))).toEqual(expected);
    }
  });

  it('hands over the events of each read together, an event cut by a read with the read that ends it', async () => {
    const bytes = Buffer.from(text, 'utf8');
    const cut = bytes.indexOf(Buffer.from('event: message')) + 3;
    const batches: UpstreamStreamEvent[][] = [];
    for await (const batch of parseSseBatches(pieces(bytes, [cut, cut + 1]))) batches.push(batch);
    expect(batches).toEqual([[expected[0]], [expected[1], expected[2], expected[3]]]);
  });

  it('counts a last event without its blank line, and ends at EOF without [DONE]', async () => {
    expect(await collect(parseSseBytes(pieces(Buffer.from(`${frame(chunk('a'))}data: [DONE]\n`), [])))).toEqual([{ type: 'chunk', chunk: chunk('a') }, { type: 'done' }]);
    expect(await collect(parseSseBytes(pieces(Buffer.from(frame(chunk('a'))), [])))).toEqual([{ type: 'chunk', chunk: chunk('a') }]);
  });

  it('treats JSON that is not an object as malformed', async () => {
    expect(await collect(parseSseBytes(pieces(Buffer.from('data: 42\n\ndata: null\n\n'), [])))).toEqual([
      { type: 'malformed', data: '42' },
      { type: 'malformed', data: 'null' },
    ]);
  });

  it('parses a real upstream stream written a few bytes at a time', async () => {
    const bytes = Buffer.from(text, 'utf8');
    const { url } = await startMock(async (_n, _req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.socket?.setNoDelay(true);
      for (let i = 0; i < bytes.length; i += 5) {
        res.write(bytes.subarray(i, i + 5));
        await new Promise((r) => setTimeout(r, 1));
      }
      res.end();
    });
    const reply = await makeClient(url).chat(streamRequest, { signal: new AbortController().signal });
    if (reply.kind !== 'stream') throw new Error('expected a stream');
    expect(await collect(reply.batches)).toEqual(expected);
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds, HTTP dates and retry-after-ms', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter({ 'retry-after': '3' }, now)).toBe(3000);
    expect(parseRetryAfter({ 'retry-after': '1.5' }, now)).toBe(1500);
    expect(parseRetryAfter({ 'retry-after': 'Thu, 01 Jan 2026 00:00:05 GMT' }, now)).toBe(5000);
    expect(parseRetryAfter({ 'retry-after': 'Wed, 31 Dec 2025 23:00:00 GMT' }, now)).toBe(0);
    expect(parseRetryAfter({ 'retry-after-ms': '250', 'retry-after': '9' }, now)).toBe(250);
    expect(parseRetryAfter({ 'retry-after': 'soon' }, now)).toBeUndefined();
    expect(parseRetryAfter({}, now)).toBeUndefined();
  });
});
