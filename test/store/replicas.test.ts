// `serve --store redis://…` replicas sharing one real redis-server: a conversation continues on any
// replica, survives a replica killed in the middle of it, and a Redis that goes down and comes back;
// usage is recorded per client token; `sessions`, `usage` and `doctor` read the same store.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockUpstream, type MockUpstream } from '../helpers/mock-upstream.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { ensureBuilt } from '../e2e/ensure-built.js';
import { cli, startReplica, type Replica } from './replica-process.js';

const UPSTREAM_KEY = 'sk-upstream-key-for-replicas-0123';
const ALICE = 'alice-token-0123456789abcdef';
const BOB = 'bob-token-0123456789abcdefgh';

let root: string;
let redis: RedisServer;
let upstream: MockUpstream;
let env: NodeJS.ProcessEnv;
let serveArgs: string[];
const replicas: Replica[] = [];

const lastUserText = (messages: Array<{ role: string; content?: unknown }>) => {
  const last = [...messages].reverse().find((message) => message.role === 'user');
  return typeof last?.content === 'string' ? last.content : JSON.stringify(last?.content ?? '');
};

beforeAll(async () => {
  await ensureBuilt();
  root = mkdtempSync(path.join(os.tmpdir(), 'cb-replicas-'));
  redis = await startRedisServer(mkdtempSync(path.join(root, 'redis-')));
  upstream = await startMockUpstream({
    apiKey: UPSTREAM_KEY,
    turns: (request, index) => {
      const asked = lastUserText(request.messages as Array<{ role: string; content?: unknown }>);
      // A long, slow answer: time to kill the replica in the middle of it.
      if (asked.includes('SLOW')) return { content: 'x'.repeat(200), contentDeltas: 100, frameDelayMs: 50, usage: { prompt_tokens: 10, completion_tokens: 100 } };
      return { content: `answer ${index} to ${asked}`, usage: { prompt_tokens: 100, completion_tokens: 10 } };
    },
  });
  const tokens = path.join(root, 'tokens');
  writeFileSync(tokens, `# the team\nalice ${ALICE}\nbob   ${BOB}\n`, { mode: 0o600 });
  env = { PATH: process.env.PATH, HOME: root, CODEX_BRIDGE_HOME: path.join(root, 'home'), MOCK_KEY: UPSTREAM_KEY, NO_COLOR: '1' };
  serveArgs = ['--upstream', upstream.url, '--model', 'mock-model', '--api-key-env', 'MOCK_KEY', '--store', redis.url, '--tokens', tokens];
  replicas.push(await startReplica(serveArgs, env), await startReplica(serveArgs, env));
});

afterAll(async () => {
  for (const replica of replicas) await replica.stop();
  await upstream?.close();
  await redis?.stop();
  rmSync(root, { recursive: true, force: true });
});

const client = (replica: Replica, token = ALICE) => new OpenAI({ baseURL: replica.url, apiKey: token, maxRetries: 0 });
/** What the upstream was last sent, as "role: text" lines. */
const lastSent = () =>
  (upstream.requests.at(-1)!.body.messages as Array<{ role: string; content?: unknown }>).map((message) => `${message.role}: ${typeof message.content === 'string' ? message.content : ''}`);

describe('replicas sharing one store', () => {
  let lastId = '';

  it('prints the store and the clients at start, never a token', () => {
    const output = replicas[0].output();
    expect(output).toContain(`store: ${redis.url}, shared by every replica started with it`);
    expect(output).toMatch(/clients: alice, bob \(tokens from .*tokens\)/);
    expect(output).not.toContain(ALICE);
    expect(output).not.toContain(BOB);
  });

  it('continues a conversation on another replica: previous_response_id, retrieve, conversations, at once after a stream', async () => {
    const [a, b] = replicas;
    const first = await client(a).responses.create({ model: 'mock-model', input: 'hello' });
    const second = await client(b).responses.create({ model: 'mock-model', input: 'and then?', previous_response_id: first.id });
    expect(lastSent()).toEqual(['user: hello', `assistant: ${first.output_text}`, 'user: and then?']);
    expect((await client(b).responses.retrieve(first.id)).output_text).toBe(first.output_text);

    // Streamed on one replica, continued on the other the moment it ends.
    const stream = await client(a).responses.create({ model: 'mock-model', input: 'stream it', previous_response_id: second.id, stream: true });
    let streamedId = '';
    for await (const event of stream) if (event.type === 'response.completed') streamedId = event.response.id;
    const next = await client(b).responses.create({ model: 'mock-model', input: 'go on', previous_response_id: streamedId });
    expect(lastSent()).toHaveLength(7);
    lastId = next.id;

    const conversation = await client(a).conversations.create({ items: [{ type: 'message', role: 'user', content: 'remember 42' }] });
    await client(b).responses.create({ model: 'mock-model', input: 'what number?', conversation: conversation.id });
    expect(lastSent()).toEqual(['user: remember 42', 'user: what number?']);
    const items = await client(a).conversations.items.list(conversation.id, { order: 'asc' });
    expect(items.data.map((item) => (item as { role?: string }).role)).toEqual(['user', 'user', 'assistant']);
  });

  it('continues a conversation on a new replica after one was killed in the middle of it', async () => {
    const doomed = await startReplica(serveArgs, env);
    const before = await client(doomed).responses.create({ model: 'mock-model', input: 'one more', previous_response_id: lastId });
    const slow = await client(doomed).responses.create({ model: 'mock-model', input: 'SLOW please', previous_response_id: before.id, stream: true });
    const cut = (async () => {
      try {
        for await (const event of slow) if (event.type === 'response.output_text.delta') await doomed.kill();
        return 'finished';
      } catch {
        return 'cut';
      }
    })();
    expect(await cut).toBe('cut');
    const fresh = await startReplica(serveArgs, env);
    replicas.push(fresh);
    const after = await client(fresh).responses.create({ model: 'mock-model', input: 'still there?', previous_response_id: before.id });
    expect(lastSent().slice(-3)).toEqual(['user: one more', `assistant: ${before.output_text}`, 'user: still there?']);
    lastId = after.id;
  });

  it('records usage per client name, read by usage --by client and sessions --store; nothing in the replicas home', async () => {
    await client(replicas[1], BOB).responses.create({ model: 'mock-model', input: 'bob asks' });
    await expect
      .poll(async () => JSON.parse((await cli(['usage', '--by', 'client', '--json', '--store', redis.url], env)).stdout).rows.map((row: { key: string }) => row.key).sort(), {
        timeout: 10_000,
      })
      .toEqual(['alice', 'bob']);
    const usage = JSON.parse((await cli(['usage', '--by', 'client', '--json', '--store', redis.url], env)).stdout);
    const bob = usage.rows.find((row: { key: string }) => row.key === 'bob');
    expect(bob).toMatchObject({ requests: 1, inputTokens: 100, outputTokens: 10 });
    expect(usage.total.requests).toBeGreaterThanOrEqual(8);

    const list = await cli(['sessions', 'list', '--json', '--store', redis.url], env);
    expect(list.code).toBe(0);
    const sessions = JSON.parse(list.stdout) as Array<{ id: string; title: string; requests: number }>;
    const chain = sessions.find((session) => session.title === 'hello');
    // Every turn of the chain across four replicas; the killed stream counts nothing.
    expect(chain?.requests).toBe(6);
    const shown = await cli(['sessions', 'show', chain!.id, '--store', redis.url], env);
    expect(shown.stdout).toMatch(/requests\s+6/);
    expect(shown.stdout).toMatch(/clients\s+alice\n/);
    const bobSession = sessions.find((session) => session.title === 'bob asks')!;
    expect((await cli(['sessions', 'rm', bobSession.id, '--store', redis.url], env)).stdout).toBe('removed 1 session\n');
    expect(JSON.parse((await cli(['sessions', 'list', '--json', '--store', redis.url], env)).stdout)).toHaveLength(sessions.length - 1);
    expect(existsSync(path.join(root, 'home', 'sessions.json'))).toBe(false);
  });

  it('doctor --store says Redis is reachable and how fast', async () => {
    const doctor = await cli(['doctor', '--json', '--upstream', upstream.url, '--model', 'mock-model', '--api-key-env', 'MOCK_KEY', '--store', redis.url], env);
    const store = JSON.parse(doctor.stdout).checks.find((check: { name: string }) => check.name === 'store');
    expect(store).toMatchObject({ ok: true, level: 'ok', detail: expect.stringMatching(new RegExp(`^${redis.url} reachable, \\d+\\.\\d+ ms a round trip \\(Redis \\d+\\.\\d+\\.\\d+\\); \\d+ sessions$`)) });
  });

  it('with Redis down: whole-history requests still work, stored state is a 503 naming the store; nothing is lost when it is back', async () => {
    const [a] = replicas;
    await redis.stop();
    const codexLike = await fetch(`${a.url}/responses`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ALICE}`, 'content-type': 'application/json', 'thread-id': '0197d6f2-1111-7000-8000-000000000001' },
      body: JSON.stringify({ model: 'mock-model', store: false, stream: true, input: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'while redis is down' }] }] }),
    });
    expect(codexLike.status).toBe(200);
    expect(await codexLike.text()).toContain('response.completed');

    const continued = await client(a)
      .responses.create({ model: 'mock-model', input: 'go on', previous_response_id: lastId })
      .catch((error: unknown) => error);
    expect(continued).toBeInstanceOf(OpenAI.APIError);
    expect((continued as InstanceType<typeof OpenAI.APIError>).status).toBe(503);
    expect((continued as Error).message).toContain(`the state store ${redis.url} is unavailable`);
    const retrieved = await fetch(`${a.url}/responses/${lastId}`, { headers: { authorization: `Bearer ${ALICE}` } });
    expect(retrieved.status).toBe(503);
    expect(await retrieved.json()).toMatchObject({ error: { code: 'store_unavailable' } });
    // A new response to be stored cannot be: refused before the upstream is asked.
    const sent = upstream.requests.length;
    const stored = await client(a).responses.create({ model: 'mock-model', input: 'keep me' }).catch((error: unknown) => error);
    expect((stored as InstanceType<typeof OpenAI.APIError>).status).toBe(503);
    expect(upstream.requests.length).toBe(sent);

    await redis.start();
    await expect.poll(async () => (await fetch(`${a.url}/responses/${lastId}`, { headers: { authorization: `Bearer ${ALICE}` } })).status, { timeout: 10_000 }).toBe(200);
    const after = await client(a).responses.create({ model: 'mock-model', input: 'back?', previous_response_id: lastId });
    expect(after.status).toBe('completed');
    expect(lastSent().slice(-2)).toEqual([expect.stringMatching(/^assistant: answer/), 'user: back?']);
    // The request served while Redis was down is recorded once it is back.
    await expect
      .poll(async () => (JSON.parse((await cli(['sessions', 'list', '--json', '--store', redis.url], env)).stdout) as Array<{ title: string }>).some((s) => s.title === 'while redis is down'), {
        timeout: 40_000,
        interval: 500,
      })
      .toBe(true);
    expect(a.output()).toMatch(/the state store redis:\/\/127\.0\.0\.1:\d+\/0 is unreachable/);
    expect(a.output()).toMatch(/is reachable again/);
  }, 60_000);
});
