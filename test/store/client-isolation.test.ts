// `serve --store redis://… --tokens` replicas as processes on one real redis-server: a client's
// stored state, chains, reasoning and sessions are its own on every replica; another client holding
// its ids gets what an id that never existed gets, whichever replica either talks to.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scriptedModel } from '../clients/scripted-model.js';
import { aliceKeepsState, aliceThinksOnAThread, bobLearnsNothing, expectSessionsApart, type GatewayClient, type ListedSession } from '../helpers/client-isolation-probes.js';
import { startMockUpstream, type MockUpstream } from '../helpers/mock-upstream.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { ensureBuilt } from '../e2e/ensure-built.js';
import { cli, startReplica, type Replica } from './replica-process.js';

const UPSTREAM_KEY = 'sk-upstream-key-for-isolation-0123';
const ALICE = 'alice-token-0123456789abcdef';
const BOB = 'bob-token-0123456789abcdefgh';
const THOUGHT = 'alice private thoughts on replicas';

let root: string;
let redis: RedisServer;
let upstream: MockUpstream;
let env: NodeJS.ProcessEnv;
const replicas: Replica[] = [];

beforeAll(async () => {
  await ensureBuilt();
  root = mkdtempSync(path.join(os.tmpdir(), 'cb-isolation-replicas-'));
  redis = await startRedisServer(mkdtempSync(path.join(root, 'redis-')));
  upstream = await startMockUpstream({ apiKey: UPSTREAM_KEY, turns: scriptedModel({ reasoning: THOUGHT }) });
  const tokens = path.join(root, 'tokens');
  writeFileSync(tokens, `alice ${ALICE}\nbob ${BOB}\n`, { mode: 0o600 });
  env = { PATH: process.env.PATH, HOME: root, CODEX_BRIDGE_HOME: path.join(root, 'home'), MOCK_KEY: UPSTREAM_KEY, NO_COLOR: '1' };
  const args = ['--upstream', upstream.url, '--model', 'mock-model', '--api-key-env', 'MOCK_KEY', '--store', redis.url, '--tokens', tokens];
  replicas.push(...(await Promise.all([startReplica(args, env), startReplica(args, env)])));
});

afterAll(async () => {
  for (const replica of replicas) await replica.stop();
  await upstream?.close();
  await redis?.stop();
  rmSync(root, { recursive: true, force: true });
});

const on = (replica: Replica, token: string): GatewayClient => ({ url: replica.url, token });

describe('replicas sharing one store, each client on its own', () => {
  it('answers bob about alice ids as about ids that never existed, on either replica, and alice keeps all of it', async () => {
    const [a, b] = replicas;
    const state = await aliceKeepsState(on(a, ALICE));
    await bobLearnsNothing(on(b, BOB), on(a, ALICE), on(b, ALICE), state, upstream);
    await bobLearnsNothing(on(a, BOB), on(b, ALICE), on(a, ALICE), state, upstream);
  });

  it('keeps every entry under its client in Redis', async () => {
    const admin = new Redis(redis.url);
    const keys = await admin.keys('codex-bridge:*');
    admin.disconnect();
    const entries = keys.filter((key) => /^codex-bridge:(response|conversation|item|chain|reasoning|session):/.test(key));
    expect(entries.length).toBeGreaterThan(0);
    expect(entries.filter((key) => !/^codex-bridge:\w+:(alice|bob)\//.test(key))).toEqual([]);
  });

  it("gives bob none of alice's reasoning on her thread, and records his requests in a session of his own, shown with its client", async () => {
    const [a, b] = replicas;
    const { thread, replay } = await aliceThinksOnAThread(on(a, ALICE), upstream);
    expect(await replay(on(b, BOB), 'thread-id')).toBeUndefined();
    expect(await replay(on(a, BOB), 'prompt_cache_key')).toBeUndefined();
    expect(await replay(on(b, ALICE), 'thread-id')).toBe(THOUGHT);
    const listed = async () => JSON.parse((await cli(['sessions', 'list', '--json', '--store', redis.url], env)).stdout) as ListedSession[];
    await expect.poll(async () => (await listed()).filter((s) => s.id === thread).map((s) => s.requests).join(), { timeout: 10_000 }).toBe('2,2');
    expectSessionsApart(await listed(), thread);
    const table = (await cli(['sessions', 'list', '--store', redis.url], env)).stdout;
    expect(table).toMatch(/^ID\s+CLIENT\s+AGE/);
    expect(table).toMatch(/\n\S+\s+alice\s/);
    expect(table).toMatch(/\n\S+\s+bob\s/);
    // Two sessions share the id: `show` asks which, and takes it as <client>/<id>.
    expect((await cli(['sessions', 'show', thread, '--store', redis.url], env)).stderr).toContain(`"${thread}" matches 2 sessions`);
    expect((await cli(['sessions', 'show', `bob/${thread}`, '--store', redis.url], env)).stdout).toMatch(/clients\s+bob\n/);
  });
});
