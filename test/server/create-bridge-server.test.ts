// The bridge's HTTP layer end to end, through a real listening server: routes, the guard, body
// decoding and caps, JSON errors for everything, the --verbose line, and close(). The Responses
// handler is the real one; the upstream is a scripted UpstreamClient so no network is involved.
import { Agent, request, type IncomingHttpHeaders } from 'node:http';
import { connect } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { pathnameOf, startBridgeServer, type BridgeServer } from '../../src/server/create-bridge-server.js';
import { normalizeBridgeOptions, type BridgeOptions } from '../../src/server/bridge-options.js';
import type { UpstreamCallOptions, UpstreamClient, UpstreamReply } from '../../src/server/upstream-types.js';
import { SessionStore } from '../../src/state/session-store.js';
import type { ChatRequest } from '../../src/translate/types.js';

const TOKEN = 'bridge-token-for-tests-0123';
const KEY = 'sk-upstream-secret-for-tests';

let bridge: BridgeServer | undefined;
afterEach(async () => {
  await bridge?.close();
  bridge = undefined;
});

type Script = (body: ChatRequest, call: UpstreamCallOptions) => Promise<UpstreamReply>;

function fakeUpstream(script: Script) {
  const calls: Array<{ body: ChatRequest; signal: AbortSignal }> = [];
  const client: UpstreamClient & { calls: typeof calls } = {
    calls,
    chat: (body, call) => {
      calls.push({ body, signal: call.signal });
      return script(body, call);
    },
    close: vi.fn(async () => {}),
  };
  return client;
}

const completion = (content: string) => ({
  id: 'chatcmpl-1',
  model: 'test-model',
  choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 },
});

const jsonReply: Script = async () => ({ kind: 'json', status: 200, body: completion('hello back') });

/** One upstream read per content piece; the finish, usage and [DONE] arrive together. */
async function* streamOf(...contents: string[]) {
  for (const content of contents) yield [{ type: 'chunk' as const, chunk: { choices: [{ index: 0, delta: { content } }] } }];
  yield [
    { type: 'chunk' as const, chunk: { choices: [{ index: 0, delta: {}, finish_reason: 'stop' }], usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 } } },
    { type: 'done' as const },
  ];
}

async function start(options: Partial<BridgeOptions> = {}, upstream: UpstreamClient = fakeUpstream(jsonReply), store = new SessionStore()) {
  const lines: string[] = [];
  bridge = await startBridgeServer(
    normalizeBridgeOptions({ upstream: 'https://api.example.com/v1', model: 'test-model', token: TOKEN, apiKey: KEY, log: (l) => lines.push(l), ...options }),
    { upstream, store },
  );
  return { bridge, lines, upstream };
}

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  json: any;
}

function call(
  method: string,
  path: string,
  options: { headers?: Record<string, string>; body?: Buffer | string; auth?: boolean; agent?: Agent } = {},
): Promise<Reply> {
  const headers: Record<string, string> = { ...(options.auth === false ? {} : { authorization: `Bearer ${TOKEN}` }), ...options.headers };
  const body = typeof options.body === 'string' ? Buffer.from(options.body) : options.body;
  if (body) headers['content-length'] = String(body.length);
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: bridge!.port, method, path, headers, agent: options.agent ?? false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Raw bytes in, raw response text out (for requests node:http would refuse to make). */
function raw(bytes: string, halfClose = false): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(bridge!.port, '127.0.0.1', () => {
      socket.write(bytes);
      if (halfClose) setTimeout(() => socket.end(), 30);
    });
    let text = '';
    socket.on('data', (d) => (text += d.toString('utf8')));
    socket.on('close', () => resolve(text));
    socket.on('error', reject);
  });
}

function expectJsonError(reply: Reply, status: number, code: string) {
  expect(reply.status).toBe(status);
  expect(reply.headers['content-type']).toMatch(/^application\/json/);
  expect(reply.json).toEqual({ error: { message: expect.any(String), type: expect.any(String), code } });
}

function sseEvents(text: string): any[] {
  return text
    .split('\n\n')
    .map((frame) => frame.split('\n').find((line) => line.startsWith('data: ')))
    .filter((line): line is string => line !== undefined)
    .map((line) => JSON.parse(line.slice(6)));
}

describe('startBridgeServer', () => {
  it('listens on loopback and reports a /v1 base URL', async () => {
    const { bridge } = await start();
    expect(bridge.host).toBe('127.0.0.1');
    expect(bridge.url).toBe(`http://127.0.0.1:${bridge.port}/v1`);
    expect(bridge.port).toBeGreaterThan(0);
  });

  it('answers /healthz without a token', async () => {
    await start();
    const reply = await call('GET', '/healthz', { auth: false });
    expect(reply.status).toBe(200);
    expect(reply.json).toEqual({ ok: true });
  });

  it('still applies the Host and Origin checks to /healthz', async () => {
    await start();
    expectJsonError(await call('GET', '/healthz', { auth: false, headers: { host: 'rebound.attacker.example:80' } }), 403, 'forbidden_host');
    expectJsonError(await call('GET', '/healthz', { auth: false, headers: { origin: 'https://attacker.example' } }), 403, 'forbidden_origin');
  });

  it('lists the configured model in the OpenAI shape, with and without /v1', async () => {
    await start();
    for (const path of ['/v1/models', '/models', '/v1/models/']) {
      const reply = await call('GET', path);
      expect(reply.status).toBe(200);
      expect(reply.json).toEqual({ object: 'list', data: [{ id: 'test-model', object: 'model', created: expect.any(Number), owned_by: 'codex-bridge' }] });
    }
    const one = await call('GET', '/v1/models/test-model');
    expect(one.json).toMatchObject({ id: 'test-model', object: 'model' });
    expectJsonError(await call('GET', '/v1/models/gpt-4o'), 404, 'model_not_found');
  });

  it('answers 401 JSON without a token or with a wrong one', async () => {
    await start();
    const missing = await call('GET', '/v1/models', { auth: false });
    expectJsonError(missing, 401, 'missing_token');
    expect(missing.headers['www-authenticate']).toMatch(/^Bearer/);
    expectJsonError(await call('POST', '/v1/responses', { headers: { authorization: 'Bearer wrong' }, body: '{}' }), 401, 'invalid_token');
  });

  it('answers 403 JSON to a foreign Host or any Origin, token or not', async () => {
    const { upstream } = await start();
    expectJsonError(await call('POST', '/v1/responses', { headers: { host: 'evil.example' }, body: '{}' }), 403, 'forbidden_host');
    expectJsonError(await call('POST', '/v1/responses', { headers: { origin: 'http://127.0.0.1:1234' }, body: '{}' }), 403, 'forbidden_origin');
    expect((upstream as ReturnType<typeof fakeUpstream>).calls).toHaveLength(0);
  });

  it('answers 404 and 405 as JSON', async () => {
    await start();
    expectJsonError(await call('POST', '/v1/chat/completions', { body: '{}' }), 404, 'not_found');
    expectJsonError(await call('GET', '/nope/%E0%A4%A'), 404, 'not_found');
    const wrongMethod = await call('GET', '/v1/responses');
    expectJsonError(wrongMethod, 405, 'method_not_allowed');
    expect(wrongMethod.headers.allow).toBe('POST');
    expectJsonError(await call('DELETE', '/v1/models'), 405, 'method_not_allowed');
  });

  it('answers 400 JSON for an empty or malformed body', async () => {
    await start();
    const empty = await call('POST', '/v1/responses', { body: '' });
    expectJsonError(empty, 400, 'invalid_json');
    expect(empty.json.error.message).toMatch(/^request body is not valid JSON: /);
    expectJsonError(await call('POST', '/v1/responses', { body: '{"model":' }), 400, 'invalid_json');
  });

  it('answers 413 JSON for a body over the cap, and 415 for an unknown encoding', async () => {
    const { upstream } = await start({ maxBodyBytes: 1024 * 1024 });
    const big = Buffer.from(JSON.stringify({ model: 'test-model', input: 'x'.repeat(2 * 1024 * 1024) }));
    expectJsonError(await call('POST', '/v1/responses', { body: big }), 413, 'request_too_large');
    expectJsonError(await call('POST', '/v1/responses', { body: '{}', headers: { 'content-encoding': 'lzma' } }), 415, 'unsupported_content_encoding');
    expect((upstream as ReturnType<typeof fakeUpstream>).calls).toHaveLength(0);
  });

  it('takes a 20 MB body all the way to the handler and the upstream', async () => {
    const { upstream, lines } = await start();
    const input = 'x'.repeat(20 * 1024 * 1024);
    const reply = await call('POST', '/v1/responses', { body: JSON.stringify({ model: 'test-model', stream: false, input }) });
    expect(reply.status).toBe(200);
    expect(reply.json).toMatchObject({ object: 'response', status: 'completed', model: 'test-model' });
    const sent = (upstream as ReturnType<typeof fakeUpstream>).calls[0].body;
    expect(JSON.stringify(sent.messages)).toContain(input);
    await vi.waitFor(() => expect(lines.some((l) => l.startsWith('POST /v1/responses'))).toBe(true));
    expect(lines.find((l) => l.startsWith('POST /v1/responses'))).toMatch(/^POST \/v1\/responses model=test-model status=200 \d+ms in=5 out=2/);
  });

  it('keeps a model name from the request body from forging log lines', async () => {
    const { lines } = await start();
    await call('POST', '/v1/responses', { body: JSON.stringify({ model: 'evil\nPOST /v1/responses status=200', stream: false, input: 'hi' }) });
    await vi.waitFor(() => expect(lines.some((l) => l.startsWith('POST /v1/responses'))).toBe(true));
    expect(lines.filter((l) => l.startsWith('POST'))).toHaveLength(1);
    expect(lines.join('\n')).not.toMatch(/evil\n/);
  });

  it('accepts a gzip body and streams the answer as numbered SSE events', async () => {
    await start({}, fakeUpstream(async () => ({ kind: 'stream', status: 200, batches: streamOf('hel', 'lo') })));
    const body = gzipSync(Buffer.from(JSON.stringify({ model: 'test-model', stream: true, input: 'hi' })));
    const reply = await call('POST', '/responses', { body, headers: { 'content-encoding': 'gzip', 'content-type': 'application/json' } });
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(reply.headers['cache-control']).toBe('no-cache');
    expect(reply.headers['x-accel-buffering']).toBe('no');
    const events = sseEvents(reply.text);
    expect(events.at(-1)).toMatchObject({ type: 'response.completed', response: { status: 'completed' } });
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
    expect(reply.text).toMatch(/^event: response\.created\ndata: \{"type":"response\.created","sequence_number":0,/);
  });

  it('accepts a zstd body', async () => {
    const { upstream } = await start();
    const json = Buffer.from(JSON.stringify({ model: 'test-model', stream: false, input: 'zstd body' }));
    // One zstd frame holding one raw (stored) block; see read-request-body.test.ts for the layout.
    const header = (json.length << 3) | 1;
    const frame = Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x38]), Buffer.from([header & 0xff, (header >> 8) & 0xff, header >> 16]), json]);
    const reply = await call('POST', '/v1/responses', { body: frame, headers: { 'content-encoding': 'zstd' } });
    expect(reply.status).toBe(200);
    expect(JSON.stringify((upstream as ReturnType<typeof fakeUpstream>).calls[0].body.messages)).toContain('zstd body');
  });

  it('answers a body cut short of its Content-Length with JSON 400', async () => {
    await start();
    const text = await raw(`POST /v1/responses HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Length: 500\r\n\r\n{"model":"x"`, true);
    expect(text).toMatch(/^HTTP\/1\.1 400 /);
    const body = JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4));
    expect(body.error).toMatchObject({ type: 'invalid_request_error', code: 'bad_request' });
    expect(body.error.message).toMatch(/shorter than its Content-Length/);
  });

  it('answers an unparsable request with JSON 400 instead of a bare status line', async () => {
    await start();
    const text = await raw('THIS IS NOT HTTP\r\n\r\n');
    expect(text).toMatch(/^HTTP\/1\.1 400 /);
    expect(JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)).error.code).toBe('bad_request');
  });

  it('turns an unexpected exception into JSON 500 without the secrets, and keeps serving', async () => {
    const store = new SessionStore();
    store.reasoningLookup = () => {
      throw new Error(`boom with ${KEY} and ${TOKEN}`);
    };
    const { lines } = await start({}, undefined, store);
    const reply = await call('POST', '/v1/responses', { body: JSON.stringify({ model: 'test-model', input: 'hi' }) });
    expectJsonError(reply, 500, 'internal_error');
    expect(reply.text).not.toContain(KEY);
    expect(reply.text).not.toContain(TOKEN);
    expect(reply.text).toContain('boom');
    expect(lines.join('\n')).not.toContain(KEY);
    expect((await call('GET', '/healthz')).status).toBe(200);
  });

  it('close() ends idle keep-alive connections and in-flight streams, aborting the upstream call', async () => {
    let aborted = false;
    const upstream = fakeUpstream(async (_body, { signal }) => ({
      kind: 'stream',
      status: 200,
      batches: (async function* () {
        yield [{ type: 'chunk' as const, chunk: { choices: [{ index: 0, delta: { content: 'thinking…' } }] } }];
        await new Promise((_resolve, reject) =>
          signal.addEventListener('abort', () => {
            aborted = true;
            reject(new Error('aborted'));
          }),
        );
      })(),
    }));
    await start({}, upstream);
    const agent = new Agent({ keepAlive: true });
    expect((await call('GET', '/v1/models', { agent })).status).toBe(200); // leaves an idle keep-alive socket

    const streaming = call('POST', '/v1/responses', { body: JSON.stringify({ model: 'test-model', stream: true, input: 'hi' }) }).catch((e: Error) => e);
    await vi.waitFor(() => expect(upstream.calls).toHaveLength(1));
    const started = Date.now();
    await bridge!.close();
    expect(Date.now() - started).toBeLessThan(2_000);
    await streaming;
    await vi.waitFor(() => expect(aborted).toBe(true), { timeout: 2_000 });
    expect(upstream.close).not.toHaveBeenCalled(); // not ours to close
    await expect(call('GET', '/healthz')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    agent.destroy();
    bridge = undefined;
  });

  it('refuses to start on a port that is taken, with the usual EADDRINUSE error', async () => {
    const { bridge: first } = await start();
    await expect(
      startBridgeServer(normalizeBridgeOptions({ upstream: 'https://api.example.com/v1', model: 'm', token: TOKEN, port: first.port }), { upstream: fakeUpstream(jsonReply) }),
    ).rejects.toMatchObject({ code: 'EADDRINUSE' });
  });
});

describe('pathnameOf', () => {
  it('reads every request target as the URL parser does, plain ones without it', () => {
    const targets = ['/', '/v1/responses', '/v1/responses/', '/responses', '//v1/responses', '/v1//responses', '/v1/./responses', '/v1/../responses', '/v1/models/deepseek-v3.1', '/v1/models/a%2Fb', '/v1/responses?x=1', '/v1/responses#frag', '/V1/Responses', '/v1\\responses', '*', 'http://evil/v1/responses', '/a b', '/ü'];
    for (const target of targets) {
      let expected = '/';
      try {
        expected = new URL(target, 'http://bridge').pathname;
      } catch {
        // '/' as the server does
      }
      expect(pathnameOf(target), target).toBe(expected);
    }
  });
});
