// Request bodies built to hurt, through a real listening bridge: every one gets a JSON 4xx that
// says what is wrong, the upstream is never called, and the server keeps serving.
import type { IncomingHttpHeaders } from 'node:http';
import { rawPost } from '../helpers/raw-post.js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startBridgeServer, type BridgeServer } from '../../src/server/create-bridge-server.js';
import { DEFAULTS, normalizeBridgeOptions } from '../../src/server/bridge-options.js';
import type { UpstreamClient } from '../../src/server/upstream-types.js';

const TOKEN = 'hostile-bodies-token-0123456789';

let bridge: BridgeServer | undefined;
afterEach(async () => {
  await bridge?.close();
  bridge = undefined;
});

function countingUpstream() {
  const upstream: UpstreamClient & { calls: number } = {
    calls: 0,
    chat: async () => {
      upstream.calls++;
      return { kind: 'json', status: 200, body: { choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }] } };
    },
    close: vi.fn(async () => {}),
  };
  return upstream;
}

async function start(upstream = countingUpstream()) {
  bridge = await startBridgeServer(normalizeBridgeOptions({ upstream: 'https://api.example.com/v1', model: 'm', token: TOKEN }), { upstream });
  return upstream;
}

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  json: any;
}

/** A raw POST to /v1/responses whose answer must be JSON. */
async function post(body: string | Buffer, headers: Record<string, string> = {}): Promise<Reply> {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  const reply = await rawPost({
    port: bridge!.port,
    path: '/v1/responses',
    agent: false,
    body: bytes,
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', ...headers },
  });
  return { ...reply, json: JSON.parse(reply.text) };
}

const LEVELS = 100_000;
const deepObject = (levels = LEVELS) => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;
const deepArray = (levels = LEVELS) => `${'['.repeat(levels)}${']'.repeat(levels)}`;

describe('deeply nested JSON (100k levels)', () => {
  it.each([
    ['as the whole body', deepArray()],
    ['as the whole body, objects', deepObject()],
    ['in input', `{"model":"m","input":${deepArray()}}`],
    ['in a tool schema', `{"model":"m","input":"hi","tools":[{"type":"function","name":"f","parameters":${deepObject()}}]}`],
    ['in text.format.schema', `{"model":"m","input":"hi","text":{"format":{"type":"json_schema","schema":${deepObject()}}}}`],
    ['as nested namespaces', `{"model":"m","input":"hi","tools":[${'{"type":"namespace","name":"n","tools":['.repeat(LEVELS)}${']}'.repeat(LEVELS)}]}`],
    [
      'in function_call arguments',
      `{"model":"m","input":[{"type":"function_call","call_id":"c","name":"f","arguments":${deepObject()}},{"type":"function_call_output","call_id":"c","output":"x"},{"role":"user","content":"hi"}]}`,
    ],
    [
      'in a function_call_output',
      `{"model":"m","input":[{"type":"function_call","call_id":"c","name":"f","arguments":"{}"},{"type":"function_call_output","call_id":"c","output":${deepObject()}},{"role":"user","content":"hi"}]}`,
    ],
    ['in metadata', `{"model":"m","input":"hi","metadata":${deepObject()}}`],
  ])('%s: a clear 400, the upstream never called, the server still up', async (_where, body) => {
    const upstream = await start();
    const reply = await post(body);
    expect(reply.status).toBe(400);
    expect(reply.headers['content-type']).toMatch(/^application\/json/);
    expect(reply.json.error).toMatchObject({ type: 'invalid_request_error', code: 'json_too_deep' });
    expect(reply.json.error.message).toMatch(/nested .* levels deep/);
    expect(upstream.calls).toBe(0);
    const healthy = await fetch(`${bridge!.url.replace(/\/v1$/, '')}/healthz`);
    expect(healthy.status).toBe(200);
  });

  it('still accepts the nesting real requests have (a 60-level tool schema, brackets inside strings)', async () => {
    const upstream = await start();
    const body = JSON.stringify({
      model: 'm',
      stream: false,
      input: `look: ${'[{'.repeat(5000)} and a quote \\" here`,
      tools: [{ type: 'function', name: 'f', parameters: JSON.parse(deepObject(60)) }],
    });
    const reply = await post(body);
    expect(reply.status).toBe(200);
    expect(upstream.calls).toBe(1);
  });
});

describe('size', () => {
  it(`a body of ${DEFAULTS.maxBodyBytes} bytes plus one, at the default cap: JSON 413, nothing called`, async () => {
    const upstream = await start();
    const body = Buffer.alloc(DEFAULTS.maxBodyBytes + 1, 0x20);
    body.write('{"model":"m","input":"');
    body.write('"}', body.length - 2);
    const reply = await post(body);
    expect(reply.status).toBe(413);
    expect(reply.json.error).toMatchObject({ code: 'request_too_large' });
    expect(reply.json.error.message).toContain('64 MB');
    expect(upstream.calls).toBe(0);
  }, 60_000);
});
