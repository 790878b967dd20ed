// `response.completed` from a `serve --store` replica is a promise that any replica can continue
// from it: it goes out only once the turn's writes landed in Redis. Redis going away in the middle
// of an answer turns its end into `response.failed` (store_unavailable), which the client retries;
// a completed response survives Redis being killed (append-only, fsync always) and is continued on
// another replica. Real replicas as processes, a real redis-server.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockUpstream, type MockUpstream } from '../helpers/mock-upstream.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { ensureBuilt } from '../e2e/ensure-built.js';
import { startReplica, type Replica } from './replica-process.js';
import { Redis } from 'ioredis';
import { normalizeBridgeOptions } from '../../src/server/bridge-options.js';
import { startBridgeServer } from '../../src/server/create-bridge-server.js';
import type { UpstreamClient } from '../../src/server/upstream-types.js';
import { RedisConversationMemory } from '../../src/state/redis/redis-conversation-memory.js';
import { RedisStateStore } from '../../src/state/redis/redis-state-store.js';
import { RedisConnection } from '../../src/storage/redis-connection.js';
import { parseStoreUrl } from '../../src/storage/store-url.js';

const UPSTREAM_KEY = 'sk-upstream-key-for-acks-0123456';
const ALICE = 'alice-token-0123456789abcdef';

let root: string;
let redis: RedisServer;
let upstream: MockUpstream;
const replicas: Replica[] = [];

beforeAll(async () => {
  await ensureBuilt();
  root = mkdtempSync(path.join(os.tmpdir(), 'cb-acks-'));
  redis = await startRedisServer(mkdtempSync(path.join(root, 'redis-')));
  upstream = await startMockUpstream({
    apiKey: UPSTREAM_KEY,
    turns: (request, index) => {
      const last = JSON.stringify((request.messages as unknown[]).at(-1));
      if (last.includes('SLOW')) return { content: 'y'.repeat(120), contentDeltas: 60, frameDelayMs: 40, usage: { prompt_tokens: 10, completion_tokens: 60 } };
      return { content: `answer ${index}`, usage: { prompt_tokens: 10, completion_tokens: 2 } };
    },
  });
  const tokens = path.join(root, 'tokens');
  writeFileSync(tokens, `alice ${ALICE}\n`, { mode: 0o600 });
  const env = { PATH: process.env.PATH, HOME: root, CODEX_BRIDGE_HOME: path.join(root, 'home'), MOCK_KEY: UPSTREAM_KEY, NO_COLOR: '1' };
  const args = ['--upstream', upstream.url, '--model', 'mock-model', '--api-key-env', 'MOCK_KEY', '--store', redis.url, '--tokens', tokens];
  replicas.push(await startReplica(args, env), await startReplica(args, env));
});

afterAll(async () => {
  for (const replica of replicas) await replica.stop();
  await upstream?.close();
  await redis?.stop();
  rmSync(root, { recursive: true, force: true });
});

const client = (replica: Replica) => new OpenAI({ baseURL: replica.url, apiKey: ALICE, maxRetries: 0 });
const reachable = async (replica: Replica) =>
  (await fetch(`${replica.url}/conversations/conv_probe`, { headers: { authorization: `Bearer ${ALICE}` } })).status !== 503;

describe('a replica acknowledges a response only once Redis has it', () => {
  it('Redis gone in the middle of a stream: the end is response.failed store_unavailable; the retry completes and continues anywhere', async () => {
    const [a, b] = replicas;
    const stream = await client(a).responses.create({ model: 'mock-model', input: 'SLOW please', stream: true });
    const types: string[] = [];
    let failure: { code?: string; message?: string } | undefined;
    for await (const event of stream) {
      types.push(event.type);
      if (types.length === 3) await redis.stop();
      if (event.type === 'response.failed') failure = event.response.error ?? undefined;
    }
    expect(types).toContain('response.output_text.delta');
    expect(types).not.toContain('response.completed');
    expect(types.at(-1)).toBe('response.failed');
    expect(failure).toMatchObject({ code: 'store_unavailable' });
    expect(failure?.message).toContain(`the state store ${redis.url} is unavailable`);

    await redis.start();
    await expect.poll(() => reachable(a), { timeout: 10_000 }).toBe(true);
    const retried = await client(a).responses.create({ model: 'mock-model', input: 'SLOW please' });
    expect(retried.status).toBe('completed');
    await expect.poll(() => reachable(b), { timeout: 10_000 }).toBe(true);
    const next = await client(b).responses.create({ model: 'mock-model', input: 'and then?', previous_response_id: retried.id });
    expect(next.status).toBe('completed');
  }, 60_000);

  it('a completed response survives Redis killed right after it (append-only, fsync always), on another replica', async () => {
    const [a, b] = replicas;
    const done = await client(a).responses.create({ model: 'mock-model', input: 'remember this' });
    expect(done.status).toBe('completed');
    await redis.kill();
    await redis.start();
    await expect.poll(() => reachable(b), { timeout: 10_000 }).toBe(true);
    expect((await client(b).responses.retrieve(done.id)).id).toBe(done.id);
    const continued = await client(b).responses.create({ model: 'mock-model', input: 'go on', previous_response_id: done.id });
    expect(continued.status).toBe('completed');
    expect(JSON.stringify(upstream.requests.at(-1)!.body.messages)).toContain('remember this');
  }, 60_000);
});

describe('a write that timed out but landed', () => {
  it('completes the response, is not logged as lost, and is readable (Redis busy, not gone, as the turn is kept)', async () => {
    const connection = new RedisConnection(parseStoreUrl(redis.url), { commandTimeoutMs: 100 });
    await connection.waitReady(5_000);
    const holder = new Redis(redis.url);
    let held: Promise<unknown> | undefined;
    // The answer's last chunk comes once Redis is held busy (a script runs alone): the turn's writes queue behind it.
    async function* answer() {
      yield [{ type: 'chunk' as const, chunk: { choices: [{ index: 0, delta: { content: 'kept ' } }] } }];
      held = holder.eval(
        `local t = redis.call('TIME'); local s = t[1] * 1000000 + t[2]
         while true do local n = redis.call('TIME'); if n[1] * 1000000 + n[2] - s > 250000 then break end end return 1`,
        0,
      );
      yield [
        { type: 'chunk' as const, chunk: { choices: [{ index: 0, delta: { content: 'anyway' }, finish_reason: 'stop' }] } },
        { type: 'done' as const },
      ];
    }
    const upstream: UpstreamClient = { chat: async () => ({ kind: 'stream', status: 200, batches: answer() }), close: async () => {} };
    const lines: string[] = [];
    const bridge = await startBridgeServer(
      normalizeBridgeOptions({ upstream: 'https://api.example.com/v1', model: 'm', token: 'tok-0123456789abcdef', apiKey: 'sk-x', log: (line) => lines.push(line) }),
      { upstream, state: new RedisStateStore(connection), store: new RedisConversationMemory(connection) },
    );
    try {
      const res = await fetch(`${bridge.url}/responses`, {
        method: 'POST',
        headers: { authorization: 'Bearer tok-0123456789abcdef', 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'm', input: 'hi', stream: true }),
      });
      const text = await res.text();
      await held;
      expect([...text.matchAll(/^event: (\S+)$/gm)].at(-1)![1]).toBe('response.completed');
      expect(lines.filter((line) => line.includes('could not keep'))).toEqual([]);
      const id = /"id":"(resp_[0-9a-f]+)"/.exec(text)![1];
      const got = await fetch(`${bridge.url}/responses/${id}`, { headers: { authorization: 'Bearer tok-0123456789abcdef' } });
      expect(got.status).toBe(200);
    } finally {
      await bridge.close();
      holder.disconnect();
      await connection.close();
    }
  });
});
