// The end of an answer promises that what it reports is kept: `response.completed` (or a blocking
// 200) goes out only once the turn's writes landed. When they fail, a streamed client gets
// `response.failed` with code store_unavailable instead, and a blocking one a 503 with Retry-After,
// so that the client retries rather than continue from a response nobody can find. The reasoning
// side channel only backs up what the client replays itself: its failure is logged, never a failed
// turn. Through a real listening server, with stores that refuse their writes.
import { afterEach, describe, expect, it } from 'vitest';
import { normalizeBridgeOptions } from '../../src/server/bridge-options.js';
import { startBridgeServer, type BridgeServer } from '../../src/server/create-bridge-server.js';
import type { ResponseRecord } from '../../src/sessions/response-record.js';
import { MemoryStateStore } from '../../src/state/memory-state-store.js';
import { SessionStore } from '../../src/state/session-store.js';
import { StoreUnavailableError } from '../../src/storage/store-unavailable.js';
import type { UpstreamClient, UpstreamReply } from '../../src/server/upstream-types.js';

const TOKEN = 'bridge-token-for-tests-0123';
const STORE = 'redis://store.internal:6379/0';

let bridge: BridgeServer | undefined;
afterEach(async () => {
  await bridge?.close();
  bridge = undefined;
});

const down = () => Promise.reject(new StoreUnavailableError(STORE, 'Command timed out'));

/** A stream that says `text`, reasons first, and ends cleanly. */
async function* answer(text: string) {
  yield [{ type: 'chunk' as const, chunk: { choices: [{ index: 0, delta: { reasoning_content: 'thinking' } }] } }];
  yield [
    { type: 'chunk' as const, chunk: { choices: [{ index: 0, delta: { content: text }, finish_reason: 'stop' }], usage: { prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 } } },
    { type: 'done' as const },
  ];
}

async function* cut() {
  yield [{ type: 'chunk' as const, chunk: { choices: [{ index: 0, delta: { content: 'half an' } }] } }];
}

function upstreamOf(reply: () => UpstreamReply): UpstreamClient {
  return { chat: async () => reply(), close: async () => {} };
}

async function start(stores: { state?: MemoryStateStore; store?: SessionStore }, reply: () => UpstreamReply = () => ({ kind: 'stream', status: 200, batches: answer('hello') })) {
  const lines: string[] = [];
  const records: ResponseRecord[] = [];
  bridge = await startBridgeServer(
    normalizeBridgeOptions({ upstream: 'https://api.example.com/v1', model: 'test-model', token: TOKEN, apiKey: 'sk-test', log: (line) => lines.push(line) }),
    { upstream: upstreamOf(reply), state: stores.state, store: stores.store ?? new SessionStore(), onResponse: (record) => records.push(record) },
  );
  const post = (body: Record<string, unknown>, headers: Record<string, string> = {}) =>
    fetch(`${bridge!.url}/responses`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ model: 'test-model', input: 'hi', ...body }),
    });
  return { post, lines, records };
}

const eventTypes = (text: string) => [...text.matchAll(/^event: (\S+)$/gm)].map((match) => match[1]);
const lastData = (text: string) => JSON.parse([...text.matchAll(/^data: (.+)$/gm)].at(-1)![1]);

class RefusingState extends MemoryStateStore {
  override saveResponse = down;
}

describe('an answer whose turn could not be kept', () => {
  it('streamed: ends in response.failed with store_unavailable, never response.completed', async () => {
    const { post, records, lines } = await start({ state: new RefusingState() });
    const res = await post({ stream: true });
    const text = await res.text();
    expect(res.status).toBe(200);
    expect(eventTypes(text)).not.toContain('response.completed');
    expect(eventTypes(text).at(-1)).toBe('response.failed');
    expect(eventTypes(text)).toContain('response.output_text.delta');
    const end = lastData(text);
    expect(end.response).toMatchObject({ status: 'failed', error: { code: 'store_unavailable' }, incomplete_details: null });
    expect(end.response.error.message).toContain(`the state store ${STORE} is unavailable`);
    // The upstream was paid: the usage is recorded, as a failed request.
    await expect.poll(() => records.length).toBe(1);
    expect(records[0]).toMatchObject({ status: 'failed', httpStatus: 200, usage: { input_tokens: 7, output_tokens: 3 } });
    expect(lines.some((line) => line.includes('could not keep response'))).toBe(true);
  });

  it('blocking: a 503 store_unavailable with Retry-After, the usage still recorded', async () => {
    const { post, records } = await start({ state: new RefusingState() });
    const res = await post({ stream: false });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    expect(await res.json()).toMatchObject({ error: { code: 'store_unavailable', type: 'server_error' } });
    await expect.poll(() => records.length).toBe(1);
    expect(records[0]).toMatchObject({ status: 'failed', httpStatus: 503, usage: { input_tokens: 7 } });
  });

  it('a chain that could not be kept fails the turn too (previous_response_id would not find it)', async () => {
    const store = new SessionStore();
    store.recordResponse = () => {
      throw new StoreUnavailableError(STORE, 'READONLY');
    };
    const { post } = await start({ store });
    const res = await post({ stream: false });
    expect(res.status).toBe(503);
  });

  it('keeps the upstream failure when the response failed anyway (the more useful reason)', async () => {
    const { post } = await start({ state: new RefusingState() }, () => ({ kind: 'stream', status: 200, batches: cut() }));
    const text = await (await post({ stream: true })).text();
    expect(lastData(text).response.error.code).toBe('upstream_stream_truncated');
  });

  it('a Codex turn (store:false) completes when only the reasoning side channel could not be kept', async () => {
    const store = new SessionStore();
    store.rememberReasoning = down as never;
    const { post, lines } = await start({ store, state: new RefusingState() });
    const text = await (await post({ stream: true, store: false }, { 'thread-id': '0197d6f2-0000-7000-8000-00000000000a' })).text();
    expect(eventTypes(text).at(-1)).toBe('response.completed');
    await expect.poll(() => lines.some((line) => line.includes('could not keep the reasoning of'))).toBe(true);
  });

  it('holds the end until the writes landed, also in memory: a response is readable the moment its end arrives', async () => {
    let landed = false;
    class SlowState extends MemoryStateStore {
      override async saveResponse(...args: Parameters<MemoryStateStore['saveResponse']>) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        await super.saveResponse(...args);
        landed = true;
      }
    }
    const { post } = await start({ state: new SlowState() });
    const text = await (await post({ stream: true })).text();
    expect(eventTypes(text).at(-1)).toBe('response.completed');
    expect(landed).toBe(true);
    const got = await fetch(`${bridge!.url}/responses/${lastData(text).response.id}`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(got.status).toBe(200);
  });
});
