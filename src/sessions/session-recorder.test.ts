import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { normalizeBridgeOptions } from '../server/bridge-options.js';
import { startBridgeServer, type BridgeServer } from '../server/create-bridge-server.js';
import type { ResponseRecord } from './response-record.js';
import { startMockUpstream, type MockTurn, type MockUpstream } from '../../test/helpers/mock-upstream.js';
import { tempDirsPerTest } from '../../test/helpers/temp-dirs.js';
import { openSessionRecorder, withSessionRecorder } from './session-recorder.js';
import { parseSessionsFile } from './sessions-file-format.js';
import { JsonFileBackend } from './json-file-backend.js';
import { sessionsFilePath } from './sessions-home.js';
import { SessionStore } from '../state/session-store.js';

// The recorder behind a real bridge server and a mock upstream: what lands in sessions.json, and
// that a restarted bridge continues a previous_response_id chain from it.

const TOKEN = 'bridge-token-must-not-be-saved-0123';
const UPSTREAM_KEY = 'sk-upstream-key-must-not-be-saved-4567';
const FORWARDED = ['thread-id', 'session-id', 'x-codex-turn-metadata', 'originator', 'user-agent', 'accept', 'x-client-request-id'];

const tempDir = tempDirsPerTest('cb-recorder-');
let root: string;
let home: string;
let warnings: string[];
const cleanup: Array<() => Promise<void> | void> = [];
beforeEach(() => {
  root = tempDir();
  home = path.join(root, 'home');
  warnings = [];
});
afterEach(async () => {
  // Before tempDirsPerTest's hook removes root (registered later, so it runs first): a closing recorder still writes there.
  for (const step of cleanup.splice(0).reverse()) await step();
});

const warn = (line: string) => warnings.push(line);

async function mock(turns: MockTurn[] = [{ content: 'Hello.', usage: { prompt_tokens: 100, completion_tokens: 20, cached_tokens: 40, reasoning_tokens: 5 } }]) {
  const upstream = await startMockUpstream({ apiKey: UPSTREAM_KEY, turns });
  cleanup.push(() => upstream.close());
  return upstream;
}

/** A bridge as `serve`/`run` wire it: a store loaded by the recorder, onResponse to the recorder. */
async function bridge(upstream: MockUpstream, extra: { flushDelayMs?: number } = {}) {
  const store = new SessionStore();
  const recorder = await openSessionRecorder({ home, upstreamHost: new URL(upstream.url).host, store, warn, ...extra });
  const options = normalizeBridgeOptions({ upstream: upstream.url, model: 'mock-model', token: TOKEN, apiKey: UPSTREAM_KEY });
  const server: BridgeServer = await startBridgeServer(options, { store, onResponse: recorder.onResponse });
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await server.close();
    await recorder.close();
  };
  cleanup.push(close);
  return { server, recorder, store, close };
}

async function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${url}/responses`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, text, json: res.headers.get('content-type')?.includes('json') ? (JSON.parse(text) as Record<string, any>) : undefined };
}

interface Captured {
  headers: Record<string, string>;
  body: unknown;
}
const fixture = (name: string): Captured[] => JSON.parse(readFileSync(new URL(`../../test/fixtures/codex-0.169/${name}.json`, import.meta.url), 'utf8')) as Captured[];

async function replay(url: string, captured: Captured[]) {
  for (const request of captured) {
    const headers = Object.fromEntries(FORWARDED.filter((h) => request.headers[h]).map((h) => [h, request.headers[h]]));
    const reply = await post(url, request.body, headers);
    expect(reply.status, reply.text.slice(0, 200)).toBe(200);
  }
}

const fileText = () => readFileSync(sessionsFilePath(home), 'utf8');
/** What the `sessions` commands read. */
const readSessions = async (file: string) => ({ sessions: await new JsonFileBackend(file).list() });
/** sessions.json parsed, as it is on disk. */
const fileSessions = () => {
  const parsed = parseSessionsFile(fileText());
  if (parsed.kind !== 'ok') throw new Error(`sessions.json is ${parsed.kind}`);
  return parsed.data.sessions;
};

describe('recording sessions', () => {
  it('one record per Codex thread: title, cwd, model, upstream host, requests and summed usage; never the key or token', async () => {
    const upstream = await mock();
    const { server, close } = await bridge(upstream);
    const plain = fixture('turn1-plain-prompt');
    const patch = fixture('apply-patch-custom-tool');
    await replay(server.url, plain);
    await replay(server.url, patch);
    await close();

    const { sessions } = await readSessions(sessionsFilePath(home));
    expect(sessions.map((s) => s.id).sort()).toEqual([plain[0].headers['thread-id'], patch[0].headers['thread-id']].sort());
    const hi = sessions.find((s) => s.id === plain[0].headers['thread-id'])!;
    expect(hi).toMatchObject({
      title: 'say hi',
      model: 'my-model',
      upstream: new URL(upstream.url).host,
      cwd: '/home/dev/project',
      requests: plain.length,
      usage: { inputTokens: 100 * plain.length, outputTokens: 20 * plain.length, cachedTokens: 40 * plain.length, reasoningTokens: 5 * plain.length },
    });
    expect(Date.parse(hi.createdAt)).toBeLessThanOrEqual(Date.parse(hi.updatedAt));
    const made = sessions.find((s) => s.id === patch[0].headers['thread-id'])!;
    expect(made).toMatchObject({ title: 'make file', requests: patch.length, usage: { inputTokens: 100 * patch.length } });
    // Codex resends its whole history and never uses previous_response_id: no stored responses.
    expect(hi.store?.responses ?? []).toEqual([]);

    // Every request carried "Authorization: Bearer <token>", and the upstream got the key.
    expect(upstream.requests.every((r) => r.headers.authorization === `Bearer ${UPSTREAM_KEY}`)).toBe(true);
    const text = fileText();
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain(UPSTREAM_KEY);
    expect(text.toLowerCase()).not.toContain('authorization');
    expect(text).not.toContain(upstream.url.replace(/^http:\/\//, '') + '/'); // host only, no path
    expect(warnings).toEqual([]);
  });

  it('a Codex thread keeps its reasoning side channel across a restart (not its responses)', async () => {
    const upstream = await mock([{ reasoning: 'I should greet.', content: 'Hello.' }]);
    const first = await bridge(upstream);
    const plain = fixture('turn1-plain-prompt');
    await replay(first.server.url, plain);
    await first.close();
    const thread = plain[0].headers['thread-id'];
    const [saved] = (await readSessions(sessionsFilePath(home))).sessions;
    expect(saved.store?.responses).toEqual([]);
    expect(Object.values(saved.store?.reasoning ?? {})).toContain('I should greet.');

    const second = await bridge(upstream);
    expect(second.store.reasoningLookup(thread).byAssistantText('Hello.')).toBe('I should greet.');
  });

  it('between two flushes, another writer\'s change is read and kept (not overwritten from memory)', async () => {
    const recorder = await openSessionRecorder({ home, upstreamHost: 'h', store: new SessionStore(), warn });
    recorder.onResponse(fakeRecord('mine-1'));
    await recorder.flush();
    // Another process (or `sessions rm`) writes in between.
    const other = new JsonFileBackend(recorder.path);
    const [first] = await other.list();
    await other.update(new Map([['theirs', () => ({ ...first, id: 'theirs' })]]), 'theirs-write');
    recorder.onResponse(fakeRecord('mine-2'));
    await recorder.flush();
    expect((await readSessions(recorder.path)).sessions.map((s) => s.id).sort()).toEqual(['mine-1', 'mine-2', 'theirs']);
    // A hand edit that keeps the first line but changes the rest is noticed too.
    writeFileSync(recorder.path, fileText().replace(/\n\{"id":"theirs".*\n/, '\n').replace(',\n]}', '\n]}'));
    recorder.onResponse(fakeRecord('mine-3'));
    await recorder.close();
    expect((await readSessions(recorder.path)).sessions.map((s) => s.id).sort()).toEqual(['mine-1', 'mine-2', 'mine-3']);
  });

  it('each flush writes sessions.json whole, with only what this process has not written yet; close writes the rest', async () => {
    const recorder = await openSessionRecorder({ home, upstreamHost: 'h', store: new SessionStore(), warn, flushDelayMs: 60_000 });
    recorder.onResponse(fakeRecord('one'));
    await recorder.flush();
    expect(fileSessions().map((s) => [s.id, s.requests])).toEqual([['one', 1]]);
    recorder.onResponse(fakeRecord('two'));
    recorder.onResponse(fakeRecord('one'));
    await recorder.flush();
    expect(fileSessions().map((s) => [s.id, s.requests]).sort()).toEqual([['one', 2], ['two', 1]]);
    await recorder.flush(); // nothing pending: no change
    recorder.onResponse(fakeRecord('two'));
    const listeners = process.listenerCount('exit');
    await recorder.close();
    expect(process.listenerCount('exit')).toBe(listeners - 1);
    expect(readdirSync(home)).toEqual(['sessions.json']);
    expect(fileSessions().map((s) => [s.id, s.requests]).sort()).toEqual([['one', 2], ['two', 2]]);
    expect(warnings).toEqual([]);
  });

  it("two recorders flushing in turn: each reads the other's writes, nothing lost or counted twice", async () => {
    const a = await openSessionRecorder({ home, upstreamHost: 'h', store: new SessionStore(), warn, flushDelayMs: 60_000 });
    const b = await openSessionRecorder({ home, upstreamHost: 'h', store: new SessionStore(), warn, flushDelayMs: 60_000 });
    a.onResponse(fakeRecord('shared'));
    await a.flush();
    for (let i = 0; i < 5; i++) {
      a.onResponse(fakeRecord('shared'));
      a.onResponse(fakeRecord(`a-${i}`));
      b.onResponse(fakeRecord('shared'));
      b.onResponse(fakeRecord(`b-${i}`));
      await Promise.all([a.flush(), b.flush()]);
    }
    const requests = () => Object.fromEntries(fileSessions().map((s) => [s.id, s.requests]));
    expect(requests()).toEqual({ shared: 11, ...Object.fromEntries([0, 1, 2, 3, 4].flatMap((i) => [[`a-${i}`, 1], [`b-${i}`, 1]])) });
    await a.close();
    b.onResponse(fakeRecord('b-last'));
    await b.close();
    expect(readdirSync(home)).toEqual(['sessions.json']);
    expect(requests()).toEqual({
      shared: 11,
      ...Object.fromEntries([0, 1, 2, 3, 4].flatMap((i) => [[`a-${i}`, 1], [`b-${i}`, 1]])),
      'b-last': 1,
    });
    expect(warnings).toEqual([]);
  });

  it('batches: a request only touches memory; the file appears after the flush delay', async () => {
    const upstream = await mock();
    const { server, recorder } = await bridge(upstream, { flushDelayMs: 100 });
    await replay(server.url, fixture('turn1-plain-prompt'));
    expect(existsSync(home)).toBe(false); // not even the directory yet
    const deadline = Date.now() + 5_000;
    while (!existsSync(recorder.path) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    expect((await readSessions(recorder.path)).sessions).toHaveLength(1);
  });

  it('a request refused before it belonged to a conversation is not a session', async () => {
    const upstream = await mock();
    const { server, close } = await bridge(upstream);
    expect((await post(server.url, { model: 'm', input: 42 })).status).toBe(400);
    await close();
    expect((await readSessions(sessionsFilePath(home))).sessions).toEqual([]);
  });

  it('a restarted bridge continues a previous_response_id chain from the file (the SessionStore survives)', async () => {
    const upstream = await mock([{ content: 'first answer' }, { content: 'second answer' }]);
    const first = await bridge(upstream);
    const one = await post(first.server.url, { model: 'mock-model', input: 'remember the word PAPAYA' });
    expect(one.status).toBe(200);
    const firstId = one.json!.id as string;
    await first.close();

    // A new process: a new store, loaded from the file.
    const second = await bridge(upstream);
    expect(second.store.history(firstId)).toBeDefined();
    const two = await post(second.server.url, { model: 'mock-model', previous_response_id: firstId, input: 'which word?' });
    expect(two.status, two.text).toBe(200);
    const sent = upstream.requests.at(-1)!.body.messages.map((m) => [m.role, m.content]);
    expect(sent).toEqual([
      ['user', 'remember the word PAPAYA'],
      ['assistant', 'first answer'],
      ['user', 'which word?'],
    ]);
    await second.close();

    // One session, keyed by the chain root, with both requests.
    const { sessions } = await readSessions(sessionsFilePath(home));
    expect(sessions).toHaveLength(1);
    expect(sessions[0]).toMatchObject({ id: firstId, title: 'remember the word PAPAYA', requests: 2 });
    expect(sessions[0].store?.responses.map((r) => r.id)).toEqual([firstId, two.json!.id]);
  });

  it('two bridges at once in one home: both recorded, shared sessions summed, nothing counted twice', async () => {
    const upstream = await mock();
    const a = await bridge(upstream, { flushDelayMs: 5 });
    const b = await bridge(upstream, { flushDelayMs: 5 });
    const send = (server: BridgeServer, thread: string, n: number) =>
      (async () => {
        for (let i = 0; i < n; i++) {
          const reply = await post(server.url, { model: 'mock-model', input: `prompt for ${thread}` }, { 'thread-id': thread });
          expect(reply.status).toBe(200);
          if (i % 2 === 0) await new Promise((resolve) => setTimeout(resolve, 15)); // let timers flush mid-way
        }
      })();
    await Promise.all([send(a.server, 'thread-a', 6), send(b.server, 'thread-b', 5), send(a.server, 'shared', 3), send(b.server, 'shared', 4)]);
    await a.recorder.flush();
    await a.recorder.flush(); // nothing pending: no change
    await Promise.all([a.close(), b.close()]);

    const { sessions } = await readSessions(sessionsFilePath(home));
    const byId = Object.fromEntries(sessions.map((s) => [s.id, s]));
    expect(Object.keys(byId).sort()).toEqual(['shared', 'thread-a', 'thread-b']);
    expect(byId['thread-a']).toMatchObject({ requests: 6, usage: { inputTokens: 600, outputTokens: 120 } });
    expect(byId['thread-b']).toMatchObject({ requests: 5, usage: { inputTokens: 500, outputTokens: 100 } });
    expect(byId.shared).toMatchObject({ requests: 7, usage: { inputTokens: 700, outputTokens: 140 } });
  });

  it('keeps the newest N sessions', async () => {
    const store = new SessionStore();
    let clock = Date.parse('2026-03-01T00:00:00Z');
    const recorder = await openSessionRecorder({ home, upstreamHost: 'h', store, warn, caps: { maxSessions: 3 }, now: () => (clock += 1_000) });
    for (let i = 0; i < 5; i++) recorder.onResponse(fakeRecord(`s${i}`));
    await recorder.close();
    expect((await readSessions(recorder.path)).sessions.map((s) => s.id)).toEqual(['s4', 's3', 's2']);
  });

  it('a corrupt file at start is moved aside with one warning naming where; recording goes on', async () => {
    mkdirSync(home, { recursive: true });
    writeFileSync(sessionsFilePath(home), '\u0000\u0000 not json');
    const recorder = await openSessionRecorder({ home, upstreamHost: 'h', store: new SessionStore(), warn });
    expect(warnings).toHaveLength(1);
    const aside = readdirSync(home).find((name) => name.startsWith('sessions.json.corrupt-'));
    expect(aside).toBeDefined();
    expect(warnings[0]).toContain(path.join(home, aside!));
    recorder.onResponse(fakeRecord('after'));
    await recorder.close();
    expect((await readSessions(recorder.path)).sessions.map((s) => s.id)).toEqual(['after']);
  });

  it('a file of a newer schema is left untouched: one warning, then the bridge runs without saving', async () => {
    mkdirSync(home, { recursive: true });
    const newer = '{"version":9,"sessions":[]}';
    writeFileSync(sessionsFilePath(home), newer);
    const recorder = await openSessionRecorder({ home, upstreamHost: 'h', store: new SessionStore(), warn, flushDelayMs: 1 });
    for (let i = 0; i < 3; i++) recorder.onResponse(fakeRecord(`s${i}`));
    await recorder.flush();
    await recorder.close();
    expect(readFileSync(sessionsFilePath(home), 'utf8')).toBe(newer);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/newer codex-bridge .*v9.*not be saved/);
  });

  it('a newer-schema file that appears while running stops the saving, untouched', async () => {
    const recorder = await openSessionRecorder({ home, upstreamHost: 'h', store: new SessionStore(), warn });
    recorder.onResponse(fakeRecord('one'));
    await recorder.flush();
    const newer = '{"version":3,"sessions":[]}';
    writeFileSync(sessionsFilePath(home), newer);
    recorder.onResponse(fakeRecord('two'));
    await recorder.flush();
    recorder.onResponse(fakeRecord('three'));
    await recorder.close();
    expect(readFileSync(sessionsFilePath(home), 'utf8')).toBe(newer);
    expect(warnings).toHaveLength(1);
  });
});

describe('what a stop saves', () => {
  it('requests that all failed start no session; a failed request of a session that exists counts in it', async () => {
    const recorder = await openSessionRecorder({ home, upstreamHost: 'h', store: new SessionStore(), warn, flushDelayMs: 60_000 });
    recorder.onResponse(fakeRecord('answered'));
    recorder.onResponse({ ...fakeRecord('never-answered'), status: 'error', httpStatus: 401, usage: null });
    await recorder.flush();
    recorder.onResponse({ ...fakeRecord('answered'), status: 'error', httpStatus: 502, usage: null });
    recorder.onResponse({ ...fakeRecord('never-answered'), status: 'error', httpStatus: 401, usage: null });
    await recorder.close();
    expect(fileSessions().map((session) => [session.id, session.requests])).toEqual([['answered', 2]]);
  });

  it('close() rejects with one line naming how many conversations were not saved, and leaves no exit handler', async () => {
    const backend = new JsonFileBackend(sessionsFilePath(home));
    const failing = Object.assign(Object.create(backend) as JsonFileBackend, {
      update: async () => Promise.reject(Object.assign(new Error('EROFS: read-only file system'), { code: 'EROFS', syscall: 'mkdir', path: home })),
    });
    const listeners = process.listenerCount('exit');
    const recorder = await openSessionRecorder({ home, upstreamHost: 'h', store: new SessionStore(), warn, backend: failing, flushDelayMs: 60_000 });
    for (const id of ['one', 'two', 'one']) recorder.onResponse(fakeRecord(id));
    const error = await recorder.close().catch((e: unknown) => e as Error);
    // What to do names the variable that led there, whichever it is where the test runs.
    expect(error?.message).toMatch(new RegExp(`^2 conversations were not saved: cannot create the directory ${home}: the file system is read-only — \\S.*$`));
    expect(process.listenerCount('exit')).toBe(listeners);
    expect(warnings).toEqual([]);
  });
});

describe('withSessionRecorder (the wiring for serve and run)', () => {
  it('starts the server with a loaded store and the recorder; close() writes the last batch; a restart continues the chain', async () => {
    const upstream = await mock([{ content: 'one' }, { content: 'two' }]);
    const options = normalizeBridgeOptions({ upstream: upstream.url, model: 'mock-model', token: TOKEN, apiKey: UPSTREAM_KEY });
    const env = { CODEX_BRIDGE_HOME: home };
    const start = () => withSessionRecorder({ env, upstream: options.upstream, warn }, (deps) => startBridgeServer(options, deps));

    const first = await start();
    const one = await post(first.url, { model: 'mock-model', input: 'hi' });
    await first.close();
    const [saved] = (await readSessions(sessionsFilePath(home))).sessions;
    expect(saved).toMatchObject({ id: one.json!.id, upstream: new URL(upstream.url).host, requests: 1 });

    const second = await start();
    cleanup.push(() => second.close());
    const two = await post(second.url, { model: 'mock-model', previous_response_id: one.json!.id, input: 'again' });
    expect(two.status, two.text).toBe(200);
    await second.close();
    expect((await readSessions(sessionsFilePath(home))).sessions[0]).toMatchObject({ id: one.json!.id, requests: 2 });
    expect(warnings).toEqual([]);
  });

  it('if the server fails to start, the recorder is closed (no exit handler left behind)', async () => {
    const listeners = process.listenerCount('exit');
    await expect(withSessionRecorder({ home, upstream: 'http://127.0.0.1:9/v1', warn }, async () => Promise.reject(new Error('EADDRINUSE')))).rejects.toThrow('EADDRINUSE');
    expect(process.listenerCount('exit')).toBe(listeners);
  });
});

function fakeRecord(conversation: string): ResponseRecord {
  return {
    responseId: `resp_${conversation}_${Math.random().toString(36).slice(2)}`,
    conversation,
    model: 'm',
    status: 'completed',
    httpStatus: 200,
    usage: { input_tokens: 10, output_tokens: 2, total_tokens: 12, input_tokens_details: { cached_tokens: 0 }, output_tokens_details: { reasoning_tokens: 0 } },
    inputItems: [{ type: 'message', role: 'user', content: `hello ${conversation}` }],
    headers: { authorization: `Bearer ${TOKEN}` },
  };
}
