import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { assistantTurn } from '../../../test/helpers/output-items.js';
import { Redis } from 'ioredis';
import { startRedisServer, type RedisServer } from '../../../test/helpers/redis-server.js';
import { tempDirsPerTest } from '../../../test/helpers/temp-dirs.js';
import { conversation, itKeepsEachClientsStateToItself, itKeepsWhatAResponsesStateStorePromises, kept, message } from '../../../test/helpers/responses-state-store-contract.js';
import { mergeRecord, emptyUsage } from '../../sessions/session-records.js';
import { NewerSchemaError } from '../../sessions/sessions-backend.js';
import { StoreUnavailableError } from '../../storage/store-unavailable.js';
import { BoundedKind, DEFAULT_LIMITS } from '../../storage/bounded-kinds.js';
import { RedisConnection } from '../../storage/redis-connection.js';
import { RedisConversationMemory } from './redis-conversation-memory.js';
import { itKeepsEachClientsMemoryToItself, itKeepsWhatAConversationMemoryPromises } from '../../../test/helpers/conversation-memory-contract.js';
import { RedisSessionsBackend } from '../../sessions/redis-sessions-backend.js';
import { RedisStateStore } from './redis-state-store.js';
import { parseStoreUrl } from '../../storage/store-url.js';
import { openSessionRecorder } from '../../sessions/session-recorder.js';
import type { ResponseRecord } from '../../sessions/response-record.js';

// Each shared store against a real redis-server: what the in-memory stores promise, the limits,
// concurrent writers, and a Redis that goes away and comes back.

const tempDir = tempDirsPerTest('cb-redis-');
let redis: RedisServer;
let dataDir: string;
const connections: RedisConnection[] = [];

beforeAll(async () => {
  // tempDirsPerTest removes after each test; this one lives for the file.
  const { mkdtempSync } = await import('node:fs');
  const os = await import('node:os');
  const path = await import('node:path');
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'cb-redis-data-'));
  redis = await startRedisServer(dataDir);
});
afterAll(async () => {
  await redis.stop();
  const { rmSync } = await import('node:fs');
  rmSync(dataDir, { recursive: true, force: true });
});
afterEach(async () => {
  await redis.start();
  for (const connection of connections.splice(0)) await connection.close();
  const admin = new Redis(redis.url);
  await admin.flushdb();
  admin.disconnect();
});

function connect(warn?: (line: string) => void): RedisConnection {
  const connection = new RedisConnection(parseStoreUrl(redis.url), { warn });
  connections.push(connection);
  return connection;
}

describe('parseStoreUrl', () => {
  it('takes redis:// and rediss:// with a database, and never shows the password', () => {
    expect(parseStoreUrl('redis://:s3cret@cache.internal:6380/2')).toMatchObject({ host: 'cache.internal', port: 6380, db: 2, tls: false, display: 'redis://cache.internal:6380/2' });
    expect(parseStoreUrl('rediss://cache.internal')).toMatchObject({ port: 6379, db: 0, tls: true, display: 'rediss://cache.internal/0' });
    expect(() => parseStoreUrl('http://cache:6379')).toThrow(/must be a redis:\/\/ or rediss:\/\/ URL/);
    expect(() => parseStoreUrl('redis://cache:6379/x')).toThrow(/database must be a number/);
    expect(() => parseStoreUrl('not a url')).toThrow(/is not a URL/);
  });
});

describe('RedisStateStore', () => {
  const makeStore = ({ maxConversations }: { maxConversations?: number }) =>
    new RedisStateStore(connect(), maxConversations ? { conversations: { ...DEFAULT_LIMITS.conversations, maxCount: maxConversations } } : undefined);
  itKeepsWhatAResponsesStateStorePromises(makeStore);
  itKeepsEachClientsStateToItself(makeStore);

  it('evicts the oldest responses beyond its count and beyond its size, never the one just kept', async () => {
    const connection = connect();
    const byCount = new RedisStateStore(connection, { responses: { ...DEFAULT_LIMITS.responses, maxCount: 2 } });
    await byCount.saveResponse(kept('resp_a', []));
    await byCount.saveResponse(kept('resp_b', []));
    await byCount.saveResponse(kept('resp_c', []));
    expect(await byCount.getResponse('resp_a')).toBeUndefined();
    expect(await byCount.getResponse('resp_b')).toBeDefined();

    const bySize = new RedisStateStore(connection, { responses: { ...DEFAULT_LIMITS.responses, maxBytes: 3000 } });
    await bySize.saveResponse(kept('resp_big', [message('msg_big', 'x'.repeat(5000))]));
    expect(await bySize.getResponse('resp_b')).toBeUndefined();
    expect(await bySize.getResponse('resp_c')).toBeUndefined();
    expect(await bySize.getResponse('resp_big')).toBeDefined();
  });

  it('leaves a conversation deleted between reading and writing its metadata deleted', async () => {
    const store = new RedisStateStore(connect());
    await store.createConversation(conversation('conv_race'), []);
    const admin = new Redis(redis.url);
    const read = store.getConversation.bind(store);
    // Another replica deletes it right after this one read it.
    store.getConversation = async (id) => {
      const found = await read(id);
      await admin.del('codex-bridge:conversation:conv_race');
      return found;
    };
    expect(await store.updateConversation('conv_race', { topic: 'late' })).toBeUndefined();
    expect(await admin.exists('codex-bridge:conversation:conv_race')).toBe(0);
    admin.disconnect();
  });

  it('keeps its keys as they were without named clients, and puts a named client before every id', async () => {
    const store = new RedisStateStore(connect());
    await store.saveResponse(kept('resp_plain', [message('msg_plain', 'x')]));
    await store.forClient('alice').createConversation(conversation('conv_named'), [message('msg_named', 'y')]);
    const admin = new Redis(redis.url);
    const keys = (await admin.keys('codex-bridge:*')).filter((key) => !/^codex-bridge:(index|sizes|ack):/.test(key)).sort();
    expect(keys).toEqual([
      'codex-bridge:conversation:alice/conv_named',
      'codex-bridge:conversation:alice/conv_named:items',
      'codex-bridge:item:alice/msg_named',
      'codex-bridge:item:msg_out_resp_plain',
      'codex-bridge:item:msg_plain',
      'codex-bridge:response:resp_plain',
    ]);
    expect(await admin.zrange('codex-bridge:index:conversations', 0, -1)).toEqual(['alice/conv_named']);
    admin.disconnect();
  });

  it('counts each response and conversation at its size as it grows and shrinks, and a read keeps a conversation as long again', async () => {
    const store = new RedisStateStore(connect()).forClient('alice');
    const admin = new Redis(redis.url);
    const size = (kind: string, id: string) => admin.hget(`codex-bridge:sizes:${kind}`, id).then(Number);
    const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value));
    const response = kept('resp_sized', [message('msg_r', 'é'.repeat(10))]);
    // Written again, counted once.
    await store.saveResponse(response);
    await store.saveResponse(response);
    expect(await size('responses', 'alice/resp_sized')).toBe(bytes(response));
    await store.createConversation(conversation('conv_sized'), [message('msg_0', 'replaced')]);
    const [first, second, third] = [message('msg_1', 'one'), message('msg_2', 'twö'), message('msg_3', 'three')];
    await store.createConversation(conversation('conv_sized'), [first, second]);
    expect(await size('conversations', 'alice/conv_sized')).toBe(bytes(conversation('conv_sized')) + bytes(first) + bytes(second));
    await store.appendConversationItems('conv_sized', [third]);
    expect(await size('conversations', 'alice/conv_sized')).toBe(bytes(conversation('conv_sized')) + bytes(first) + bytes(second) + bytes(third));
    await store.deleteConversationItem('conv_sized', 'msg_2');
    const total = bytes(conversation('conv_sized')) + bytes(first) + bytes(third);
    expect(await size('conversations', 'alice/conv_sized')).toBe(total);
    expect(await admin.hget('codex-bridge:sizes:conversations', '#total')).toBe(String(total));
    await admin.pexpire('codex-bridge:conversation:alice/conv_sized:items', 60_000);
    await store.getConversation('conv_sized');
    expect(await admin.pttl('codex-bridge:conversation:alice/conv_sized:items')).toBeGreaterThan(29 * 86_400_000);
    admin.disconnect();
  });

  it('gives every key an expiry', async () => {
    const store = new RedisStateStore(connect());
    await store.saveResponse(kept('resp_ttl', [message('msg_ttl', 'x')]));
    await store.createConversation(conversation('conv_ttl'), [message('msg_c', 'y')]);
    const admin = new Redis(redis.url);
    const all = await admin.keys('codex-bridge:*');
    const keys = all.filter((key) => !key.startsWith('codex-bridge:index:') && !key.startsWith('codex-bridge:sizes:') && !key.startsWith('codex-bridge:ack:'));
    expect(keys.length).toBeGreaterThanOrEqual(6);
    const ttls = await Promise.all(keys.map((key) => admin.pttl(key)));
    // A write's acknowledgement marker lives a minute.
    const markers = await Promise.all(all.filter((key) => key.startsWith('codex-bridge:ack:')).map((key) => admin.pttl(key)));
    admin.disconnect();
    expect(ttls.every((ttl) => ttl > 29 * 86_400_000 && ttl <= 30 * 86_400_000)).toBe(true);
    expect(markers.length).toBeGreaterThan(0);
    expect(markers.every((ttl) => ttl > 0 && ttl <= 60_000)).toBe(true);
  });

});

describe('RedisConversationMemory', () => {
  itKeepsWhatAConversationMemoryPromises(() => new RedisConversationMemory(connect()));
  itKeepsEachClientsMemoryToItself(() => new RedisConversationMemory(connect()));

  const user = (text: string) => ({ type: 'message' as const, role: 'user' as const, content: text });
  const assistant = (text: string) => ({ type: 'message' as const, role: 'assistant' as const, content: [{ type: 'output_text' as const, text }] });

  it('translates again with the reasoning a turn asked for, scoped by conversation', async () => {
    const memory = new RedisConversationMemory(connect());
    await memory.rememberReasoning('s1', assistantTurn({ reasoning: 'r-s1', text: 'Done.', callIds: ['call_1'] }));
    const passes: Array<string | undefined> = [];
    const result = await memory.withReasoning('s1', (lookup) => {
      const found = lookup.byAssistantText('Done.') ?? lookup.byCallId('call_1');
      passes.push(found);
      return found;
    });
    expect(result).toBe('r-s1');
    expect(passes).toEqual([undefined, 'r-s1']);
    // Asked, but nothing kept: one translation.
    passes.length = 0;
    expect(await memory.withReasoning('s2', (lookup) => passes.push(lookup.byCallId('call_1')))).toBe(1);
    expect(passes).toEqual([undefined]);
    // Nothing asked: one translation, no round trip.
    let calls = 0;
    await memory.withReasoning('s1', () => calls++);
    expect(calls).toBe(1);
  });

  it("gives a client's view what the server asks of a shared store", async () => {
    const memory = new RedisConversationMemory(connect());
    // Shared: a streamed response to any client ends only once its turn is written.
    expect(memory.shared).toBe(true);
    expect(memory.forClient('alice').shared).toBe(true);
    await expect(memory.forClient('alice').ensureAvailable!()).resolves.toBeUndefined();
  });

  it('counts each entry of chains and reasoning at its size, and keeps no reasoning where there is none', async () => {
    const memory = new RedisConversationMemory(connect()).forClient('alice');
    const items = [{ type: 'message' as const, role: 'user' as const, content: 'hello' }];
    await memory.recordResponse({ id: 'r1', conversation: 'c', items });
    await memory.recordResponse({ id: 'r1', conversation: 'c', items });
    await memory.rememberReasoning('c', assistantTurn({ reasoning: 'because', text: 'Done.' }));
    await memory.rememberReasoning('empty', assistantTurn({ text: 'no reasoning' }));
    const admin = new Redis(redis.url);
    expect(await admin.hget('codex-bridge:sizes:chains', 'alice/r1')).toBe(String(JSON.stringify(items).length));
    const field = (await admin.hkeys('codex-bridge:reasoning:alice/c')).find((key) => key.startsWith('t:'))!;
    expect(await admin.hget('codex-bridge:sizes:reasoning', 'alice/c')).toBe(String(field.length + 'because'.length));
    expect(await admin.exists('codex-bridge:reasoning:alice/empty')).toBe(0);
    admin.disconnect();
  });

  it('keeps at most its number of reasoning entries per conversation', async () => {
    const memory = new RedisConversationMemory(connect(), { maxReasoningPerConversation: 3 });
    for (const text of ['t1', 't2', 't3', 't4']) await memory.rememberReasoning('c', assistantTurn({ reasoning: `r-${text}`, text }));
    expect(await memory.withReasoning('c', (lookup) => lookup.byAssistantText('t4'))).toBe('r-t4');
    expect(await memory.withReasoning('c', (lookup) => lookup.byAssistantText('t1'))).toBeUndefined();
  });
});

describe('RedisSessionsBackend', () => {
  const delta = (id: string, requests: number, at: number) => ({
    id,
    title: `t-${id}`,
    model: 'm',
    upstream: 'up',
    cwd: null,
    firstAt: at,
    lastAt: at,
    requests,
    usage: { ...emptyUsage(), inputTokens: 10 * requests },
  });

  it('adds up what replicas write to the same session at once, without losing a request', async () => {
    const backends = [new RedisSessionsBackend(connect()), new RedisSessionsBackend(connect())];
    const writes: Array<Promise<void>> = [];
    for (let i = 0; i < 20; i++) {
      const backend = backends[i % 2];
      writes.push(backend.update(new Map([['shared', (stored) => mergeRecord(stored, delta('shared', 1, 1_000 + i), undefined)]]), `w${i}`));
    }
    await Promise.all(writes);
    const [record] = await backends[0].list();
    expect(record).toMatchObject({ id: 'shared', requests: 20, usage: { inputTokens: 200 } });
    for (const backend of backends) await backend.close();
  });

  it('lists newest first, removes, and keeps to its count', async () => {
    const backend = new RedisSessionsBackend(connect(), { ...DEFAULT_LIMITS.sessions, maxCount: 2 });
    for (const [id, at] of [['a', 1_000], ['b', 2_000], ['c', 3_000]] as const) {
      await backend.update(new Map([[id, (stored) => mergeRecord(stored, delta(id, 1, at), undefined)]]), id);
    }
    expect((await backend.list()).map((session) => session.id)).toEqual(['c', 'b']);
    expect(await backend.remove(() => ['b'])).toEqual({ removed: 1, left: 1 });
    expect((await backend.list()).map((session) => session.id)).toEqual(['c']);
    expect(await backend.check()).toMatchObject({ level: 'ok', detail: expect.stringMatching(/ reachable, [\d.]+ ms a round trip \(Redis [\d.]+\); 1 session$/) });
    await backend.close();
  });

  it('leaves a store written by a newer codex-bridge untouched', async () => {
    const admin = new Redis(redis.url);
    await admin.set('codex-bridge:schema', '99');
    admin.disconnect();
    const backend = new RedisSessionsBackend(connect());
    await expect(backend.list()).rejects.toBeInstanceOf(NewerSchemaError);
    expect(await backend.check()).toMatchObject({ level: 'fail' });
  });
});

describe('recorders of replicas sharing the store', () => {
  const record = (thread: string, text: string, source: string): ResponseRecord => ({
    responseId: `resp_${thread.slice(-4)}`,
    conversation: thread,
    model: 'm',
    status: 'completed',
    httpStatus: 200,
    usage: { input_tokens: 10, output_tokens: 2, total_tokens: 12, input_tokens_details: { cached_tokens: 0 }, output_tokens_details: { reasoning_tokens: 0 } },
    inputItems: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text }] }],
    headers: { 'thread-id': thread, 'session-id': thread, 'x-codex-turn-metadata': JSON.stringify({ thread_source: source, workspaces: { '/work/app': {} } }) },
  });

  it("puts a TUI title request served by one replica into its conversation, served by another", async () => {
    const conversation = '01a70000-0000-7000-8000-000000000001';
    const title = '01a70000-0000-7000-8000-000000000002';
    const replicaA = new RedisSessionsBackend(connect());
    const replicaB = new RedisSessionsBackend(connect());
    const a = await openSessionRecorder({ upstreamHost: 'h', backend: replicaA, flushDelayMs: 0 });
    const b = await openSessionRecorder({ upstreamHost: 'h', backend: replicaB, flushDelayMs: 0 });
    // The title request ends first (the conversation's first request is still streaming elsewhere).
    b.onResponse(record(title, 'Generate a concise, single-line task title.\nUser prompt:\nFix the flaky test', 'thread_title'));
    a.onResponse(record(conversation, 'Fix the flaky test', 'user'));
    await expect.poll(async () => (await replicaA.list()).map((s) => [s.id, s.requests]), { timeout: 10_000 }).toEqual([[conversation, 2]]);
    await a.close();
    await b.close();
    expect((await replicaA.list()).map((s) => s.id)).toEqual([conversation]);
    await replicaA.close();
    await replicaB.close();
  });

  it("puts no gateway client's title or sub-agent request into another client's conversation", async () => {
    const conversation = '01a70000-0000-7000-8000-000000000011';
    const title = '01a70000-0000-7000-8000-000000000012';
    const subagent = '01a70000-0000-7000-8000-000000000013';
    const backend = new RedisSessionsBackend(connect());
    const recorder = await openSessionRecorder({ upstreamHost: 'h', backend, flushDelayMs: 0 });
    recorder.onResponse({ ...record(conversation, 'Fix the flaky test', 'user'), clientName: 'alice' });
    // bob quotes her prompt in a title request, and names her thread as his sub-agent's root.
    recorder.onResponse({ ...record(title, 'Generate a concise, single-line task title.\nUser prompt:\nFix the flaky test', 'thread_title'), clientName: 'bob' });
    const child = record(subagent, 'help', 'subagent');
    recorder.onResponse({ ...child, headers: { ...child.headers, 'session-id': conversation, 'x-codex-parent-thread-id': conversation }, clientName: 'bob' });
    await recorder.close();
    const records = (await backend.list()).map((s) => [s.id, s.clientName, s.requests]).sort();
    expect(records).toEqual([
      [`alice/${conversation}`, 'alice', 1],
      [`bob/${conversation}`, 'bob', 1],
      [`bob/${title}`, 'bob', 1],
    ]);
    await backend.close();
  });
});

describe('a Redis that goes away', () => {
  it('fails at once while it is down, says so once, and works again when it is back with nothing lost', async () => {
    const warnings: string[] = [];
    const connection = connect((line) => warnings.push(line));
    const store = new RedisStateStore(connection);
    await store.saveResponse(kept('resp_kept', []));
    await redis.stop();
    const started = Date.now();
    await expect(store.getResponse('resp_kept')).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(store.getResponse('resp_kept')).rejects.toThrow(/the state store redis:\/\/127\.0\.0\.1:\d+\/0 is unavailable/);
    // A client's view says so before the upstream is paid; its side channel goes on without the store, saying so.
    const logged: string[] = [];
    const memory = new RedisConversationMemory(connection, { log: (line) => logged.push(line) }).forClient('alice');
    await expect.poll(() => connection.ready).toBe(false);
    await expect(memory.ensureAvailable!()).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(await memory.withReasoning('thread-1', (lookup) => lookup.byAssistantText('Done.') ?? 'translated without it')).toBe('translated without it');
    expect(logged).toEqual([expect.stringMatching(/^reasoning of conversation thread-1 not looked up: the state store .* is unavailable/)]);
    expect(Date.now() - started).toBeLessThan(1_000);
    await redis.start();
    await expect.poll(() => connection.ready, { timeout: 10_000 }).toBe(true);
    expect((await store.getResponse('resp_kept'))?.response.id).toBe('resp_kept');
    expect(warnings).toEqual([expect.stringMatching(/is unreachable .* get 503 until it is back$/), expect.stringMatching(/is reachable again$/)]);
  });

  it('never evicts the entry just written, even when a replica with a slower clock makes it the oldest', async () => {
    const kind = new BoundedKind('responses', { ...DEFAULT_LIMITS.responses, maxBytes: 100 });
    const ahead = connect();
    const behind = connect();
    const write = (connection: RedisConnection, id: string, at: number) =>
      connection.exec((multi) => connection.bounded(multi.set(kind.key(id), 'x'), kind, 'set', id, 60, at));
    const now = Date.now();
    expect(await write(ahead, 'resp_ahead', now)).toEqual(['OK', 0]);
    // Written after, dated before: the oldest in the index, and the one just kept.
    expect(await write(behind, 'resp_behind', now - 10_000)).toEqual(['OK', 0]);
    const admin = new Redis(redis.url);
    expect(await admin.exists(kind.key('resp_behind'), kind.key('resp_ahead'))).toBe(2);
    // The next write brings the kind within its size, oldest first.
    expect(await write(ahead, 'resp_next', now + 1)).toEqual(['OK', 2]);
    expect(await admin.zrange(kind.index, 0, -1)).toEqual(['resp_next']);
    expect(await admin.hget(kind.sizes, '#total')).toBe('60');
    admin.disconnect();
  });

  it('names the kinds it bounds by their keys', () => {
    expect(new BoundedKind('conversations').key('conv_1', ':items')).toBe('codex-bridge:conversation:conv_1:items');
  });
});
