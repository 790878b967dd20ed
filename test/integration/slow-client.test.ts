// A client that stops reading, through `serve` (startBridgeServer with its real undici upstream
// client): the bridge waits for it (backpressure reaches the upstream), and that wait is not taken
// for upstream silence, however long it lasts past the idle limit. Once the client reads again the
// whole answer arrives.
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startBridgeServer, type BridgeServer } from '../../src/server/create-bridge-server.js';
import { normalizeBridgeOptions } from '../../src/server/bridge-options.js';
import { sseFrame } from '../helpers/mock-upstream.js';
import { parseSse } from './bridge-harness.js';

const TOKEN = 'slow-client-token-0123456789';
const IDLE_MS = 300;

interface StreamingUpstream {
  url: string;
  /** How long the upstream has been waiting, without a break, for its socket to take more; 0 if it is not. */
  blockedForMs(): number;
  /** Upstream requests whose connection closed before the answer was complete. */
  abandoned: number;
  /** Every content delta sent so far, joined. */
  sentText(): string;
  /** End the answer (finish chunk, [DONE]) once the pending writes went out. */
  finish(): void;
  close(): Promise<void>;
}

/** An upstream that streams 64 KB content deltas as fast as its socket takes them, until finish(). */
async function startStreamingUpstream(): Promise<StreamingUpstream> {
  const sent: string[] = [];
  const state = { abandoned: 0, finishing: false, blockedSince: undefined as number | undefined };
  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    res.on('close', () => {
      if (!res.writableFinished) state.abandoned++;
    });
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(sseFrame({ choices: [{ index: 0, delta: { role: 'assistant', content: '' } }] }));
    for (let i = 0; !state.finishing; i++) {
      const content = `[${i}]${'x'.repeat(64 * 1024)}`;
      sent.push(content);
      if (res.write(sseFrame({ choices: [{ index: 0, delta: { content } }] }))) continue;
      state.blockedSince = Date.now();
      await new Promise<void>((resolve) => {
        const done = () => {
          res.off('drain', done);
          res.off('close', done);
          resolve();
        };
        res.on('drain', done);
        res.on('close', done);
      });
      state.blockedSince = undefined;
      if (res.destroyed) return;
    }
    res.write(sseFrame({ choices: [{ index: 0, delta: {}, finish_reason: 'stop' }], usage: { prompt_tokens: 5, completion_tokens: sent.length } }));
    res.end('data: [DONE]\n\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    blockedForMs: () => (state.blockedSince === undefined ? 0 : Date.now() - state.blockedSince),
    get abandoned() {
      return state.abandoned;
    },
    sentText: () => sent.join(''),
    finish: () => {
      state.finishing = true;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

let bridge: BridgeServer | undefined;
let upstream: StreamingUpstream | undefined;
afterEach(async () => {
  await bridge?.close();
  await upstream?.close();
  bridge = undefined;
  upstream = undefined;
});

/** Starts a streamed POST /v1/responses and resolves with its response, unread. */
function openStream(port: number): Promise<IncomingMessage> {
  const body = JSON.stringify({ model: 'm', stream: true, input: 'write a lot' });
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/v1/responses',
        agent: false,
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) },
      },
      resolve,
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('a client that stops reading', () => {
  it('is waited for past the idle limit, not reported as a silent upstream; the stream completes once it reads again', async () => {
    upstream = await startStreamingUpstream();
    bridge = await startBridgeServer(normalizeBridgeOptions({ upstream: upstream.url, model: 'm', token: TOKEN, apiKey: 'sk-slow-client-test', upstreamIdleTimeoutMs: IDLE_MS }));
    const res = await openStream(bridge.port);
    // Nothing reads `res` yet. Once every buffer between the client and the upstream is full, the
    // upstream waits on its socket: the bridge is then waiting on the client. It must keep waiting
    // well past the idle limit, with the upstream connection left open.
    const up = upstream;
    const outcome = await vi.waitFor(
      () => {
        if (up.abandoned > 0) return 'the bridge dropped the upstream';
        expect(up.blockedForMs()).toBeGreaterThan(3 * IDLE_MS);
        return 'the upstream is still waiting on its socket';
      },
      { timeout: 10_000, interval: 20 },
    );

    up.finish();
    res.setEncoding('utf8');
    let text = '';
    for await (const piece of res) text += piece;
    const events = parseSse(text);
    // First, as it says what went wrong if the bridge gave up.
    expect(events.filter((e) => e.type === 'response.failed')).toEqual([]);
    expect(outcome).toBe('the upstream is still waiting on its socket');
    const last = events.at(-1);
    expect(last?.type).toBe('response.completed');
    const outputText: string = last?.response.output_text;
    expect(outputText.length).toBe(up.sentText().length);
    expect(outputText === up.sentText()).toBe(true);
    expect(up.abandoned).toBe(0);
  });
});
