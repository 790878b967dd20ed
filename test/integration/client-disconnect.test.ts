// A client that goes away mid-request, through `serve` (startBridgeServer with its real undici
// upstream client): the upstream request is aborted (the upstream sees its socket close, and no
// socket stays open), the request is still reported as finished, and the bridge keeps serving.
import { createServer, request, type ClientRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startBridgeServer, type BridgeServer } from '../../src/server/create-bridge-server.js';
import { normalizeBridgeOptions } from '../../src/server/bridge-options.js';
import type { ResponseRecord } from '../../src/server/handle-responses.js';
import { sseFrame } from '../helpers/mock-upstream.js';

const TOKEN = 'disconnect-token-0123456789';

type Behaviour = 'endless-stream' | 'never-answer' | 'rate-limited';

interface SlowUpstream {
  url: string;
  requests: number;
  /** Upstream request sockets that are still open. */
  openSockets: () => number;
  /** How many requests saw their connection close before the answer was complete. */
  abandoned: number;
  close(): Promise<void>;
}

async function startSlowUpstream(behaviour: Behaviour): Promise<SlowUpstream> {
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const state = { requests: 0, abandoned: 0 };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    state.requests++;
    req.resume();
    res.on('close', () => {
      if (!res.writableFinished) state.abandoned++;
    });
    if (behaviour === 'never-answer') return;
    if (behaviour === 'rate-limited') {
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '5' });
      res.end(JSON.stringify({ error: { message: 'slow down', type: 'requests', code: 'rate_limit_exceeded' } }));
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(sseFrame({ choices: [{ index: 0, delta: { role: 'assistant', content: '' } }] }));
    const timer = setInterval(() => res.write(sseFrame({ choices: [{ index: 0, delta: { content: 'more ' } }] })), 20);
    timers.add(timer);
    res.on('close', () => {
      clearInterval(timer);
      timers.delete(timer);
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    get requests() {
      return state.requests;
    },
    get abandoned() {
      return state.abandoned;
    },
    openSockets: () => sockets.size,
    close: async () => {
      for (const timer of timers) clearInterval(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

let bridge: BridgeServer | undefined;
let upstream: SlowUpstream | undefined;
afterEach(async () => {
  await bridge?.close();
  await upstream?.close();
  bridge = undefined;
  upstream = undefined;
});

async function setUp(behaviour: Behaviour) {
  upstream = await startSlowUpstream(behaviour);
  const records: ResponseRecord[] = [];
  bridge = await startBridgeServer(normalizeBridgeOptions({ upstream: upstream.url, model: 'm', token: TOKEN, apiKey: 'sk-disconnect-test' }), {
    onResponse: (record) => records.push(record),
  });
  return { records, upstream, bridge };
}

/** Starts a POST /v1/responses; resolves once the first response bytes arrived (or never, if none come). */
function startRequest(body: unknown): { req: ClientRequest; firstBytes: Promise<string> } {
  const json = JSON.stringify(body);
  const req = request({
    host: '127.0.0.1',
    port: bridge!.port,
    method: 'POST',
    path: '/v1/responses',
    agent: false,
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(json)) },
  });
  const firstBytes = new Promise<string>((resolve) => {
    req.on('response', (res) => {
      let text = '';
      res.on('data', (d: Buffer) => {
        text += d.toString('utf8');
        if (text.includes('response.output_text.delta')) resolve(text);
      });
      res.on('error', () => {});
    });
  });
  req.on('error', () => {});
  req.end(json);
  return { req, firstBytes };
}

async function expectStillServing(): Promise<void> {
  const health = await fetch(`http://127.0.0.1:${bridge!.port}/healthz`);
  expect(health.status).toBe(200);
}

describe('a client that disconnects', () => {
  // undici replaces a connection it destroyed with a fresh idle one (closed by its keep-alive
  // timer, or reused by the next request): so "no leak" means at most one open upstream socket
  // however many requests were abandoned, none of them busy, and none left once the bridge closes.
  const ROUNDS = 5;

  it('mid-stream: the upstream stream is aborted, no upstream socket accumulates, each request is still recorded', async () => {
    const { records, upstream: up, bridge: b } = await setUp('endless-stream');
    for (let round = 1; round <= ROUNDS; round++) {
      const { req, firstBytes } = startRequest({ model: 'm', stream: true, input: 'go on forever' });
      await firstBytes;
      req.destroy();
      await vi.waitFor(() => expect(up.abandoned).toBe(round), { timeout: 5_000 });
      await vi.waitFor(() => expect(records).toHaveLength(round), { timeout: 5_000 });
      expect(up.openSockets()).toBeLessThanOrEqual(1);
    }
    expect(up.requests).toBe(ROUNDS);
    for (const record of records) expect(record).toMatchObject({ status: 'failed', model: 'm' });
    await expectStillServing();
    await b.close();
    await vi.waitFor(() => expect(up.openSockets()).toBe(0), { timeout: 5_000 });
  });

  it('while the upstream has not answered yet (blocking request): the upstream request is aborted', async () => {
    const { upstream: up, bridge: b } = await setUp('never-answer');
    for (let round = 1; round <= ROUNDS; round++) {
      const { req } = startRequest({ model: 'm', stream: false, input: 'take your time' });
      await vi.waitFor(() => expect(up.requests).toBe(round), { timeout: 5_000 });
      req.destroy();
      await vi.waitFor(() => expect(up.abandoned).toBe(round), { timeout: 5_000 });
      expect(up.openSockets()).toBeLessThanOrEqual(1);
    }
    await expectStillServing();
    await b.close();
    await vi.waitFor(() => expect(up.openSockets()).toBe(0), { timeout: 5_000 });
  });

  it('while the bridge waits out a Retry-After: no further upstream attempt is made', async () => {
    const { records, upstream: up } = await setUp('rate-limited');
    const { req } = startRequest({ model: 'm', stream: true, input: 'hi' });
    await vi.waitFor(() => expect(up.requests).toBe(1), { timeout: 5_000 });

    req.destroy();

    // The request is reported once its upstream call has returned, after which no attempt can
    // follow; and that is well before the Retry-After (5 s) would have ended: the wait was cut short.
    await vi.waitFor(() => expect(records).toHaveLength(1), { timeout: 2_000 });
    expect(records[0]).toMatchObject({ status: 'error', httpStatus: 499 });
    expect(up.requests).toBe(1);
    await expectStillServing();
  });
});
