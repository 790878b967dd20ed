// The bounds the bridge holds clients to (serverTimeouts in create-bridge-server.ts, and the body's
// idle bound in readRequestBody), shrunk from seconds to a few seconds so that this runs quickly:
// what a slow or silent client is allowed, and that nothing a real client does is ever cut.
import { execFileSync } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { afterAll, describe, expect, it } from 'vitest';
import { startBridgeServer, type BridgeServer } from '../../src/server/create-bridge-server.js';
import { normalizeBridgeOptions } from '../../src/server/bridge-options.js';
import type { UpstreamClient, UpstreamReply, UpstreamStreamEvent } from '../../src/server/upstream-types.js';
import { SessionStore } from '../../src/state/session-store.js';
import { rawPost } from '../helpers/raw-post.js';

const TOKEN = 'bridge-token-for-timeout-tests';
const HEADERS_MS = 2_000;
const BODY_IDLE_MS = 1_500;
const CONNECTION_IDLE_MS = 2_000;
/** Node closes an idle keep-alive socket this long after the timeout it announces (keepAliveTimeoutBuffer). */
const NODE_IDLE_BUFFER_MS = 1_000;
/** How late a close may come on this shared, loaded machine: the bound's check interval and the event loop's lag. */
const LATE_MS = 2_000;
/** How early: the client notes its own start a little after the server does. */
const EARLY_MS = 500;

const bridges: BridgeServer[] = [];
afterAll(async () => {
  await Promise.all(bridges.map((bridge) => bridge.close()));
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function* silentThenStream(silenceMs: number): AsyncIterable<readonly UpstreamStreamEvent[]> {
  await sleep(silenceMs); // the model thinking: the upstream sends nothing
  yield [{ type: 'chunk', chunk: { choices: [{ index: 0, delta: { content: 'done thinking' } }] } }];
  yield [{ type: 'chunk', chunk: { choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] } }, { type: 'done' }];
}

/** An upstream that answers at once, or after `silenceMs` of saying nothing. */
function upstream(silenceMs = 0): UpstreamClient {
  return {
    async chat(body): Promise<UpstreamReply> {
      if (body.stream) return { kind: 'stream', status: 200, batches: silentThenStream(silenceMs) };
      await sleep(silenceMs);
      return { kind: 'json', status: 200, body: { choices: [{ index: 0, message: { role: 'assistant', content: 'done thinking' }, finish_reason: 'stop' }] } };
    },
    close: async () => {},
  };
}

/** A bridge with the bounds above (`defaults`: with the ones `serve` and `run` use). */
async function start(silenceMs = 0, defaults = false): Promise<BridgeServer> {
  const bounds = { requestHeadersTimeoutMs: HEADERS_MS, requestBodyIdleTimeoutMs: BODY_IDLE_MS, connectionIdleTimeoutMs: CONNECTION_IDLE_MS };
  const bridge = await startBridgeServer(
    normalizeBridgeOptions({ upstream: 'https://api.example.com/v1', model: 'test-model', token: TOKEN, keepAliveMs: 200, ...(defaults ? {} : bounds) }),
    { upstream: upstream(silenceMs), store: new SessionStore() },
  );
  bridges.push(bridge);
  return bridge;
}

const turn = (stream: boolean) => JSON.stringify({ model: 'test-model', input: 'hello', stream });

/** A streamed turn on a fresh connection: its status, the SSE text, and how long it took. */
async function realTurn(port: number): Promise<{ status: number; text: string; ms: number }> {
  const started = performance.now();
  const headers = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
  const reply = await rawPost({ port, path: '/v1/responses', body: Buffer.from(turn(true)), headers, agent: false, timeoutMs: 30_000 });
  return { status: reply.status, text: reply.text, ms: performance.now() - started };
}

/** `count` turns, `concurrency` at a time; their latencies, in ms. */
async function realTurns(port: number, count: number, concurrency: number): Promise<number[]> {
  const latencies: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        next++;
        const reply = await realTurn(port);
        expect(reply.status).toBe(200);
        expect(reply.text).toContain('event: response.completed');
        latencies.push(reply.ms);
      }
    }),
  );
  return latencies;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** What the process may open: Node raises its soft limit to the hard one at start, and a shell it spawns inherits that. */
function openFileLimit(): number {
  const text = execFileSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim();
  return text === 'unlimited' ? Number.POSITIVE_INFINITY : Number(text);
}

// ---------- the slow clients ----------

type SlowKind = 'silent' | 'partial headers' | 'dripping headers' | 'idle after an answer' | 'stalled body' | 'stalled body, no token';

/**
 * Per kind: the status the server answers with, the bound that closes the connection, and whether
 * that bound runs from the answer (an idle connection) rather than from the client's last byte.
 */
const SLOW: Record<SlowKind, { status: string; boundMs: number; fromAnswer?: true }> = {
  silent: { status: 'HTTP/1.1 408', boundMs: HEADERS_MS },
  'partial headers': { status: 'HTTP/1.1 408', boundMs: HEADERS_MS },
  'dripping headers': { status: 'HTTP/1.1 408', boundMs: HEADERS_MS },
  'idle after an answer': { status: 'HTTP/1.1 200', boundMs: CONNECTION_IDLE_MS + NODE_IDLE_BUFFER_MS, fromAnswer: true },
  'stalled body': { status: 'HTTP/1.1 408', boundMs: BODY_IDLE_MS },
  // Refused at once; the unread body is then waited for as an idle connection is.
  'stalled body, no token': { status: 'HTTP/1.1 401', boundMs: CONNECTION_IDLE_MS + NODE_IDLE_BUFFER_MS, fromAnswer: true },
};
const KINDS = Object.keys(SLOW) as SlowKind[];

interface SlowOutcome {
  kind: SlowKind;
  /** The server had not closed it by the time the test gave up on it. */
  stillOpen: boolean;
  /** From the client's last byte (or the server's answer, for those answered first) to the server's close. */
  heldMs: number;
  received: string;
}

/** One slow client: `connected` once its connection is open, `outcome` when the server closes it (the client never does). */
function slowClient(port: number, kind: SlowKind): { connected: Promise<void>; outcome: Promise<SlowOutcome>; abandon(): void } {
  const host = `Host: 127.0.0.1:${port}\r\n`;
  let connected!: () => void;
  const isConnected = new Promise<void>((resolve) => (connected = resolve));
  let abandoned = false;
  let socket!: Socket;
  const outcome = new Promise<SlowOutcome>((resolve) => {
    let since = 0;
    let received = '';
    let drip: NodeJS.Timeout | undefined;
    socket = connect(port, '127.0.0.1', () => {
      since = performance.now();
      connected();
      if (kind === 'partial headers') socket.write(`POST /v1/responses HTTP/1.1\r\n${host}Authorization: Bea`);
      if (kind === 'dripping headers') {
        socket.write(`GET /healthz HTTP/1.1\r\n${host}X-Slow: `);
        // A byte every 250 ms: the connection is never quiet, the headers never complete.
        drip = setInterval(() => socket.write('a'), 250);
      }
      if (kind === 'idle after an answer') socket.write(`GET /healthz HTTP/1.1\r\n${host}\r\n`);
      if (kind === 'stalled body') socket.write(`POST /v1/responses HTTP/1.1\r\n${host}Authorization: Bearer ${TOKEN}\r\nContent-Length: 1000\r\n\r\n{"mod`);
      if (kind === 'stalled body, no token') socket.write(`POST /v1/responses HTTP/1.1\r\n${host}Content-Length: 1000\r\n\r\n`);
    });
    socket.on('data', (chunk: Buffer) => {
      if (received === '' && SLOW[kind].fromAnswer) since = performance.now();
      received += chunk.toString('latin1');
    });
    socket.on('error', () => {}); // a drip write after the close
    socket.once('close', () => {
      clearInterval(drip);
      connected(); // (if it never opened, the outcome says so: nothing received)
      resolve({ kind, stillOpen: abandoned, heldMs: performance.now() - since, received });
    });
  });
  const abandon = () => {
    abandoned = true;
    socket.destroy();
  };
  return { connected: isConnected, outcome, abandon };
}

/**
 * Opens `target` slow clients and keeps that many open, each one the server closes replaced, until
 * stop(), which resolves with every slow client's outcome once the server has closed the last (or
 * `giveUpMs` later, with those it left open marked).
 * Opened 100 at a time, each hundred connected before the next, so that the listen backlog (511)
 * never overflows: what is measured is the bridge, not the kernel dropping connections.
 */
function slowloris(port: number, target: number, giveUpMs: number): { allOpen: Promise<void>; stop(): Promise<SlowOutcome[]> } {
  const outcomes: Promise<SlowOutcome>[] = [];
  const clients: Array<{ abandon(): void }> = [];
  const waiting: SlowKind[] = Array.from({ length: target }, (_, i) => KINDS[i % KINDS.length]);
  let stopped = false;
  let wake: (() => void) | undefined;
  let openedFirst!: () => void;
  const allOpen = new Promise<void>((resolve) => (openedFirst = resolve));
  const opener = (async () => {
    let opened = 0;
    while (!stopped) {
      if (waiting.length === 0) {
        await new Promise<void>((resolve) => (wake = resolve));
        continue;
      }
      const batch = waiting.splice(0, 100).map((kind) => slowClient(port, kind));
      for (const client of batch) {
        clients.push(client);
        outcomes.push(client.outcome);
        void client.outcome.then(({ kind }) => {
          waiting.push(kind);
          wake?.();
        });
      }
      await Promise.all(batch.map((client) => client.connected));
      opened += batch.length;
      if (opened >= target) openedFirst();
      await new Promise<void>((resolve) => setImmediate(resolve)); // the server accepts them
    }
  })();
  return {
    allOpen,
    async stop() {
      stopped = true;
      wake?.();
      await opener;
      const giveUp = setTimeout(() => clients.forEach((client) => client.abandon()), giveUpMs);
      const all = await Promise.all(outcomes);
      clearTimeout(giveUp);
      return all;
    },
  };
}

describe('a slowloris attack', () => {
  it('2000 slow clients are each closed by their bound, while real requests are still answered', { timeout: 120_000 }, async ({ annotate }) => {
    // Each slow client is two descriptors here (client and server side); keep clear of the limit.
    const target = Math.min(2000, Math.floor((openFileLimit() - 400) / 2));
    expect(target, `ulimit -n is too low for this test (${openFileLimit()}): raise it to 4400 or more`).toBeGreaterThanOrEqual(600);
    const { port } = await start();

    await realTurns(port, 20, 4); // warm-up: the handler loads, the first turns are slow
    const quiet = await realTurns(port, 200, 4);

    const longestBound = Math.max(...KINDS.map((kind) => SLOW[kind].boundMs));
    const attack = slowloris(port, target, longestBound + LATE_MS + 1_000);
    await attack.allOpen;
    const underAttack = await realTurns(port, 200, 4);
    const outcomes = await attack.stop();

    // Every slow client was closed by the server, by its own bound and not sooner, after the answer it was due.
    expect(outcomes.length).toBeGreaterThanOrEqual(target);
    for (const kind of KINDS) {
      const ofKind = outcomes.filter((outcome) => outcome.kind === kind);
      const { status, boundMs } = SLOW[kind];
      expect(ofKind.length, kind).toBeGreaterThan(0);
      expect(ofKind.filter((outcome) => outcome.stillOpen).length, `${kind}: left open by the server`).toBe(0);
      expect(ofKind.filter((outcome) => !outcome.received.startsWith(status)).map((outcome) => outcome.received.slice(0, 40)), kind).toEqual([]);
      const held = ofKind.map((outcome) => outcome.heldMs);
      expect(Math.min(...held), kind).toBeGreaterThanOrEqual(boundMs - EARLY_MS);
      expect(Math.max(...held), kind).toBeLessThanOrEqual(boundMs + LATE_MS);
    }
    // A timed-out request gets a JSON error that says which bound it broke.
    expect(outcomes.find((outcome) => outcome.kind === 'silent')!.received).toContain('the request headers did not arrive within 2 s');
    expect(outcomes.find((outcome) => outcome.kind === 'stalled body')!.received).toContain('the request body stopped arriving: nothing for 1500 ms after 5 bytes');

    const figures = (latencies: number[]) => `p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms`;
    await annotate(
      `200 streamed turns, 4 at a time: ${figures(quiet)} without the attack; ${figures(underAttack)} with ${target} slow clients held open (${outcomes.length} opened in all)`,
    );
  });
});

// ---------- what must not be cut ----------

/**
 * Raw bytes in; resolves with everything the server sent once it has sent `until`, or closed (or
 * 20 s went by: then the socket is dropped, and what the server sent says what it did not do).
 */
function rawExchange(socket: Socket, bytes: string | undefined, until: RegExp): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    const giveUp = setTimeout(() => {
      text += '[still open after 20 s]';
      socket.destroy();
    }, 20_000);
    const onData = (chunk: Buffer) => {
      text += chunk.toString('utf8');
      if (until.test(text)) done();
    };
    const done = () => {
      clearTimeout(giveUp);
      socket.off('data', onData);
      socket.off('close', done);
      resolve(text);
    };
    socket.on('data', onData);
    socket.on('close', done);
    if (bytes !== undefined) socket.write(bytes);
  });
}

function opened(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => resolve(socket));
    socket.once('error', reject);
  });
}

// Each on a bridge of its own, at the same time: most of their time is waiting.
describe.concurrent('what the bounds leave alone', () => {
  it('by default an idle connection is kept 75 s, and says so', async () => {
    const { port } = await start(0, true);
    const socket = await opened(port);
    const reply = await rawExchange(socket, `GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`, /\{"ok":true\}/);
    expect(reply).toMatch(/^keep-alive: timeout=75\r$/im);
    socket.destroy();
  });

  it('a keep-alive connection is reused before its bound, and closed quietly after it', async () => {
    const { port } = await start();
    const socket = await opened(port);
    const healthz = `GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`;
    const first = await rawExchange(socket, healthz, /\{"ok":true\}/);
    expect(first).toMatch(/^HTTP\/1\.1 200/);
    expect(first).toMatch(/keep-alive: timeout=2/i);
    await sleep(CONNECTION_IDLE_MS / 2); // a client between two turns
    const second = await rawExchange(socket, healthz, /\{"ok":true\}/);
    expect(second).toMatch(/^HTTP\/1\.1 200/);

    const idleSince = performance.now();
    const after = await rawExchange(socket, undefined, /(?!)/); // until the server closes it
    const idleMs = performance.now() - idleSince;
    expect(socket.destroyed || socket.readableEnded).toBe(true);
    expect(after).toBe(''); // no 408 to a connection that asked for nothing
    expect(idleMs).toBeGreaterThanOrEqual(CONNECTION_IDLE_MS - EARLY_MS);
    expect(idleMs).toBeLessThanOrEqual(CONNECTION_IDLE_MS + NODE_IDLE_BUFFER_MS + LATE_MS);
  });

  it('a body upload that keeps moving, slower than every bound, is read whole and answered', async () => {
    const { port } = await start();
    const body = turn(false);
    const socket = await opened(port);
    const answer = rawExchange(
      socket,
      `POST /v1/responses HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`,
      /"status":"completed"[\s\S]*\}$/,
    );
    // A piece every half of the body's idle bound: twice the longest bound in all.
    const pieces = Math.ceil((2 * Math.max(HEADERS_MS, BODY_IDLE_MS, CONNECTION_IDLE_MS + NODE_IDLE_BUFFER_MS)) / (BODY_IDLE_MS / 2));
    const size = Math.ceil(body.length / pieces);
    const started = performance.now();
    for (let at = 0; at < body.length; at += size) {
      await sleep(BODY_IDLE_MS / 2);
      socket.write(body.slice(at, at + size));
    }
    const text = await answer;
    expect(performance.now() - started).toBeGreaterThan(2 * Math.max(HEADERS_MS, BODY_IDLE_MS, CONNECTION_IDLE_MS + NODE_IDLE_BUFFER_MS) - BODY_IDLE_MS);
    expect(text).toMatch(/^HTTP\/1\.1 200/);
    expect(text).toContain('done thinking');
    socket.destroy();
  });

  it('a body that stops arriving is answered 408 once it has been quiet for its bound, and its connection closed', async () => {
    const { port } = await start();
    const socket = await opened(port);
    const started = performance.now();
    const text = await rawExchange(
      socket,
      `POST /v1/responses HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Length: 100\r\n\r\n{"model":`,
      /(?!)/,
    );
    const ms = performance.now() - started;
    expect(text).toMatch(/^HTTP\/1\.1 408/);
    expect(text).toMatch(/connection: close/i);
    expect(text).toContain('"code":"request_timeout"');
    expect(text).toContain('nothing for 1500 ms after 9 bytes of the 100 announced by Content-Length');
    expect(ms).toBeGreaterThanOrEqual(BODY_IDLE_MS - EARLY_MS);
    expect(ms).toBeLessThanOrEqual(BODY_IDLE_MS + LATE_MS);
  });

  const longest = 2 * Math.max(HEADERS_MS, BODY_IDLE_MS, CONNECTION_IDLE_MS + NODE_IDLE_BUFFER_MS);

  it(`a stream the upstream is silent on for ${longest / 1000} s runs on keep-alive events and completes`, async () => {
    const { port } = await start(longest);
    const reply = await realTurn(port);
    expect(reply.status).toBe(200);
    expect(reply.ms).toBeGreaterThanOrEqual(longest);
    // The keep-alives: response.in_progress again while the upstream says nothing.
    expect(reply.text.match(/event: response\.in_progress/g)?.length ?? 0).toBeGreaterThanOrEqual(5);
    expect(reply.text).toContain('done thinking');
    expect(reply.text).toContain('event: response.completed');
  });

  it(`a blocking answer the upstream is silent on for ${longest / 1000} s, with nothing sent meanwhile, is not cut`, async () => {
    const { port } = await start(longest);
    const socket = await opened(port);
    const body = turn(false);
    const started = performance.now();
    const text = await rawExchange(
      socket,
      `POST /v1/responses HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      /"status":"completed"[\s\S]*\}$/,
    );
    expect(performance.now() - started).toBeGreaterThanOrEqual(longest);
    expect(text).toMatch(/^HTTP\/1\.1 200/);
    expect(text).toContain('done thinking');
    socket.destroy();
  });
});
