// Property tests of the server end, through a real listening bridge (startBridgeServer, as `serve`
// runs it). Whatever a client sends — a Codex body, a mangled one, junk bytes, odd encodings and
// headers — the answer is JSON 2xx/4xx or an SSE stream that ends in completed/failed, never a
// 500, and the server keeps serving. Whatever the upstream answers, the same, with 5xx only as the
// bridge's own JSON 502.
import { Agent } from 'node:http';
import { rawPost } from '../helpers/raw-post.js';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBridgeServer, type BridgeServer } from '../../src/server/create-bridge-server.js';
import { normalizeBridgeOptions } from '../../src/server/bridge-options.js';
import type { UpstreamClient, UpstreamReply, UpstreamStreamEvent } from '../../src/server/upstream-types.js';
import type { ChatChunk } from '../../src/translate/types.js';
import { anyBody, junk, junkChunk } from './arbitraries.js';
import { fuzzParameters, fuzzTimeout } from './fuzz-config.js';

const TOKEN = 'fuzz-server-token-0123456789';
const KEY = 'sk-fuzz-server-key-0123456789';

/** What the scripted upstream answers next (set by each case before it sends its request). */
let nextReply: (stream: boolean) => UpstreamReply = (stream) => wellBehaved(stream);

/** The events as upstream reads: one event per read, so each is handled as it arrives. */
async function* eventsOf(items: UpstreamStreamEvent[]): AsyncGenerator<UpstreamStreamEvent[]> {
  for (const item of items) yield [item];
}

function wellBehaved(stream: boolean): UpstreamReply {
  if (!stream) {
    return { kind: 'json', status: 200, body: { choices: [{ index: 0, message: { role: 'assistant', content: 'fine' }, finish_reason: 'stop' }], usage: { prompt_tokens: 3, completion_tokens: 1 } } };
  }
  return {
    kind: 'stream',
    status: 200,
    batches: eventsOf([
      { type: 'chunk', chunk: { choices: [{ index: 0, delta: { content: 'fi' } }] } },
      { type: 'chunk', chunk: { choices: [{ index: 0, delta: { content: 'ne' }, finish_reason: 'stop' }], usage: { prompt_tokens: 3, completion_tokens: 1 } } },
      { type: 'done' },
    ]),
  };
}

const upstream: UpstreamClient = {
  chat: async (body) => nextReply(body.stream === true),
  close: async () => {},
};

let bridge: BridgeServer;
const agent = new Agent({ keepAlive: true, maxSockets: 1 });
beforeAll(async () => {
  bridge = await startBridgeServer(normalizeBridgeOptions({ upstream: 'https://upstream.test/v1', model: 'mock-model', token: TOKEN, apiKey: KEY, maxBodyBytes: 1024 * 1024 }), { upstream });
});
afterAll(async () => {
  agent.destroy();
  await bridge.close();
});

interface Reply {
  status: number;
  contentType: string;
  text: string;
}

async function send(body: Buffer, headers: Record<string, string>, path = '/v1/responses'): Promise<Reply> {
  const reply = await rawPost({ port: bridge.port, path, agent, body, headers, timeoutMs: 20_000 });
  return { status: reply.status, contentType: String(reply.headers['content-type'] ?? ''), text: reply.text };
}

/** The reply is a JSON error, a JSON response, or an SSE stream with exactly one terminal event (completed, incomplete or failed), last. */
function expectWellFormedReply(reply: Reply): void {
  expect(reply.status).not.toBe(500);
  if (reply.status === 200 && reply.contentType.startsWith('text/event-stream')) {
    const events = reply.text
      .split('\n\n')
      .map((frame) => frame.split('\n').find((line) => line.startsWith('data: ')))
      .filter((line): line is string => line !== undefined)
      .map((line) => JSON.parse(line.slice(6)) as { type: string; sequence_number: number });
    expect(events[0]?.type).toBe('response.created');
    const terminal = events.filter((e) => e.type === 'response.completed' || e.type === 'response.incomplete' || e.type === 'response.failed');
    expect(terminal).toHaveLength(1);
    expect(events.at(-1)).toBe(terminal[0]);
    // Incomplete only for the output limit (Codex loops on other reasons).
    if (terminal[0].type === 'response.incomplete') expect((terminal[0] as { response?: { incomplete_details?: unknown } }).response?.incomplete_details).toEqual({ reason: 'max_output_tokens' });
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
    return;
  }
  expect(reply.contentType).toMatch(/^application\/json/);
  const json = JSON.parse(reply.text) as { error?: { message?: unknown; type?: unknown; code?: unknown }; object?: string };
  if (reply.status >= 200 && reply.status < 300) {
    expect(json.object).toBe('response');
  } else {
    expect(typeof json.error?.message).toBe('string');
    expect(json.error!.message).toMatch(/\S/);
    expect(typeof json.error?.type).toBe('string');
  }
  expect(reply.text).not.toContain(KEY);
  expect(reply.text).not.toContain(TOKEN);
}

/** How the body goes over the wire: as JSON, gzipped, with a wrong encoding, cut short, or as junk. */
const wire = fc.constantFrom('json', 'json', 'json', 'gzip', 'bogus-encoding', 'truncated', 'junk-bytes', 'empty');

function encode(body: unknown, how: string, junkBytes: Uint8Array): { bytes: Buffer; headers: Record<string, string> } {
  const json = Buffer.from(JSON.stringify(body) ?? 'null');
  const base = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
  switch (how) {
    case 'gzip':
      return { bytes: gzipSync(json), headers: { ...base, 'content-encoding': 'gzip' } };
    case 'bogus-encoding':
      return { bytes: json, headers: { ...base, 'content-encoding': 'x-lzma' } };
    case 'truncated':
      return { bytes: json.subarray(0, Math.floor(json.length / 2)), headers: base };
    case 'junk-bytes':
      return { bytes: Buffer.from(junkBytes), headers: base };
    case 'empty':
      return { bytes: Buffer.alloc(0), headers: base };
    default:
      return { bytes: json, headers: base };
  }
}

async function expectStillServing(): Promise<void> {
  const health = await fetch(`http://127.0.0.1:${bridge.port}/healthz`);
  expect(health.status).toBe(200);
}

describe('the server, fuzzed', () => {
  it(
    'any request body: JSON 2xx/4xx or a well-formed stream, never a 500, the server stays up',
    async () => {
      nextReply = wellBehaved;
      await fc.assert(
        fc.asyncProperty(anyBody, wire, fc.uint8Array({ maxLength: 64 }), async (body, how, junkBytes) => {
          const { bytes, headers } = encode(body, how, junkBytes);
          const reply = await send(bytes, headers);
          expectWellFormedReply(reply);
          expect(reply.status < 300 || (reply.status >= 400 && reply.status < 500)).toBe(true);
        }),
        fuzzParameters(0.3),
      );
      await expectStillServing();
    },
    fuzzTimeout(40, 0.3),
  );

  it(
    'any upstream answer to a Codex-like request: never a 500, 5xx only as the bridge\'s JSON 502, streams end in completed/incomplete/failed',
    async () => {
      const upstreamReply = fc.oneof(
        fc.array(fc.oneof({ weight: 4, arbitrary: junkChunk.map((chunk) => ({ type: 'chunk', chunk }) as UpstreamStreamEvent) }, { weight: 1, arbitrary: fc.constantFrom<UpstreamStreamEvent>({ type: 'done' }, { type: 'malformed', data: '{oops' }) }), { maxLength: 8 }).map(
          (events): UpstreamReply => ({ kind: 'stream', status: 200, batches: eventsOf(events.map((e) => (e.type === 'chunk' && (e.chunk === null || typeof e.chunk !== 'object') ? { type: 'malformed', data: String(e.chunk) } : e)) as UpstreamStreamEvent[]) }),
        ),
        junk.map((body): UpstreamReply => ({ kind: 'json', status: 200, body })),
        fc.record({ status: fc.constantFrom(400, 401, 402, 403, 404, 413, 422, 429, 500, 502, 503, 529), bodyText: fc.oneof(fc.string(), junk.map((j) => JSON.stringify(j) ?? '')) }).map(
          ({ status, bodyText }): UpstreamReply => ({ kind: 'error', status, bodyText: `${bodyText} ${status === 400 ? KEY : ''}` }),
        ),
      );
      await fc.assert(
        fc.asyncProperty(upstreamReply, fc.boolean(), async (reply, stream) => {
          nextReply = () => reply;
          const body = { model: 'mock-model', stream, input: 'hi', tools: [{ type: 'function', name: 'exec_command', parameters: { type: 'object' } }, { type: 'custom', name: 'apply_patch' }] };
          const answer = await send(Buffer.from(JSON.stringify(body)), { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' });
          expectWellFormedReply(answer);
          if (answer.status >= 500) expect(answer.status).toBe(502);
        }),
        fuzzParameters(0.3),
      );
      nextReply = wellBehaved;
      await expectStillServing();
    },
    fuzzTimeout(40, 0.3),
  );

  it(
    'any Host, Origin and Authorization: only loopback, no Origin and the exact token get through',
    async () => {
      nextReply = wellBehaved;
      const headerText = fc.string({ unit: fc.constantFrom(...'abcXYZ0189.:-_[]/ =+'.split('')), maxLength: 30 });
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(fc.constantFrom('127.0.0.1', 'localhost', '[::1]', 'evil.example', '127.0.0.1.nip.io', 'localhost.evil'), headerText),
          fc.option(fc.oneof(fc.constantFrom('http://localhost', 'null', 'https://evil.example'), headerText), { nil: undefined }),
          fc.oneof(fc.constant(`Bearer ${TOKEN}`), fc.constant(`bearer ${TOKEN}x`), fc.constant(`Bearer ${TOKEN.slice(0, -1)}`), headerText),
          async (host, origin, authorization) => {
            const headers: Record<string, string> = { host: `${host}:${bridge.port}`, authorization, 'content-type': 'application/json' };
            if (origin !== undefined) headers.origin = origin;
            const reply = await send(Buffer.from(JSON.stringify({ model: 'mock-model', input: 'hi' })), headers);
            expectWellFormedReply(reply);
            const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(host);
            const expected = !loopback || origin !== undefined ? 403 : authorization === `Bearer ${TOKEN}` ? 200 : 401;
            expect(reply.status).toBe(expected);
          },
        ),
        fuzzParameters(0.3),
      );
    },
    fuzzTimeout(40, 0.3),
  );

  it.each([null, 'ok', 42, true])('an upstream that answers a streamed request with the JSON %j: response.failed, not a cut stream (found by the property above)', async (value) => {
    nextReply = () => ({ kind: 'json', status: 200, body: value });
    const reply = await send(Buffer.from(JSON.stringify({ model: 'mock-model', stream: true, input: 'hi' })), { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' });
    nextReply = wellBehaved;
    expectWellFormedReply(reply);
    expect(reply.text).toContain('"code":"upstream_invalid_response"');
  });
});
