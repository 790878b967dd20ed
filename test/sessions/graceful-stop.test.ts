// A graceful stop loses nothing that completed: real `serve` (with and without --store) and `run`
// processes get SIGINT or SIGTERM right after their last request completed, and every conversation
// is in the sessions file (or store) when they have exited. Also: a sibling that died holding
// sessions.json.lock (its lock is taken over before the stop gives up), and a sessions directory
// that cannot be written (one line, exit 1).
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { JsonFileBackend } from '../../src/sessions/json-file-backend.js';
import { ensureBuilt, repoRoot } from '../e2e/ensure-built.js';
import { waitFor } from '../e2e/fault-helpers.js';
import { startMockUpstream, type MockUpstream } from '../helpers/mock-upstream.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { tempDirsPerTest } from '../helpers/temp-dirs.js';
import { BIN, cli } from '../store/replica-process.js';

const KEY = 'sk-graceful-stop-upstream-key-0123';
const TOKEN = 'graceful-stop-bridge-token-456789';
const CONVERSATIONS = 50;

const tempDir = tempDirsPerTest('cb-graceful-stop-');
let upstream: MockUpstream;
const running = new Set<ChildProcess>();

beforeAll(async () => {
  await ensureBuilt();
  upstream = await startMockUpstream({ apiKey: KEY, turns: () => ({ content: 'noted', usage: { prompt_tokens: 11, completion_tokens: 3 } }) });
}, 120_000);
afterAll(() => upstream?.close());
afterEach(() => {
  for (const child of running) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  running.clear();
});

interface Exited {
  code: number | null;
  signal: NodeJS.Signals | null;
}

interface BridgeProcess {
  child: ChildProcess;
  output(): string;
  stderr(): string;
  exited: Promise<Exited>;
}

function start(args: string[], env: NodeJS.ProcessEnv, options: { uid?: number; gid?: number; cwd?: string } = {}): BridgeProcess {
  const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'], ...options });
  running.add(child);
  let output = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    stderr += chunk.toString();
  });
  const exited = new Promise<Exited>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return { child, output: () => output, stderr: () => stderr, exited };
}

/** `codex-bridge serve` against the mock, once it listens: its URL too. */
async function startServe(env: NodeJS.ProcessEnv, extra: string[] = [], options: { uid?: number; gid?: number; cwd?: string } = {}) {
  const serve = start(['serve', '--upstream', upstream.url, '--model', 'mock-model', '--api-key-env', 'MOCK_KEY', '--port', '0', ...extra], env, options);
  await Promise.race([
    waitFor(() => /listening on http:\/\/\S+\/v1/.test(serve.output()), 'serve to listen', 20_000),
    serve.exited.then(() => Promise.reject(new Error(`serve exited before it listened:\n${serve.output()}`))),
  ]);
  return { ...serve, url: /listening on (http:\/\/\S+\/v1)/.exec(serve.output())![1] };
}

/** A new conversation (no previous_response_id): its id is the response's. */
async function converse(url: string, extra: Record<string, unknown> = {}): Promise<string> {
  const res = await fetch(`${url}/responses`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'mock-model', input: 'remember this', ...extra }),
  });
  const body = (await res.json()) as { id: string; status: string };
  expect(body.status).toBe('completed');
  return body.id;
}

const savedIds = async (home: string) => new Set((await new JsonFileBackend(path.join(home, 'sessions.json')).list()).map((s) => s.id));
const missing = (ids: string[], saved: Set<string>) => ids.filter((id) => !saved.has(id));

/**
 * Another bridge holding sessions.json.lock in `home` (its heartbeat keeps it fresh), until die()
 * kills it with SIGKILL: its lock stays, and is stale 5 s after its last heartbeat.
 */
async function siblingHoldingLock(home: string): Promise<{ die(): void; lock: string }> {
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const fileLock = pathToFileURL(path.join(repoRoot, 'dist/storage/file-lock.js')).href;
  const holder = spawn(
    process.execPath,
    ['--input-type=module', '-e', `const { withFileLock } = await import(${JSON.stringify(fileLock)}); await withFileLock(process.argv[1], {}, async () => { process.stdout.write('locked\\n'); await new Promise(() => setInterval(() => {}, 1000)); });`, path.join(home, 'sessions.json')],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  running.add(holder);
  await new Promise((resolve) => holder.stdout!.once('data', resolve));
  return { die: () => holder.kill('SIGKILL'), lock: path.join(home, 'sessions.json.lock') };
}

/**
 * The worst time for a sibling to die: just after the stop began (its lock then goes stale 5–7 s
 * after the signal). What is modelled is when it dies, so this is a delay, not a wait for something.
 */
const SIBLING_DIES_AFTER_MS = 2_000;

const serveEnv = (home: string): NodeJS.ProcessEnv => ({ PATH: process.env.PATH, HOME: home, CODEX_BRIDGE_HOME: home, CODEX_BRIDGE_TOKEN: TOKEN, MOCK_KEY: KEY });

describe('serve: a signal right after the last request', () => {
  it(`SIGINT and SIGTERM, ${CONVERSATIONS} conversations each time: every one is in sessions.json, exit 0`, async () => {
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGINT', 'SIGTERM', 'SIGINT', 'SIGTERM'] as const) {
      const home = tempDir();
      const serve = await startServe(serveEnv(home));
      const ids: string[] = [];
      for (let i = 0; i < CONVERSATIONS / 2; i++) ids.push(await converse(serve.url));
      // A write has happened, so the lock and write libraries (and their signal-exit) are loaded.
      await waitFor(() => existsSync(path.join(home, 'sessions.json')), 'the first write', 10_000);
      for (let i = 0; i < CONVERSATIONS / 2; i++) ids.push(await converse(serve.url));
      serve.child.kill(signal);
      expect(await serve.exited, serve.output()).toEqual({ code: 0, signal: null });
      expect(missing(ids, await savedIds(home)), `${signal}: ${serve.output()}`).toEqual([]);
      expect(serve.stderr()).toBe('');
    }
  }, 120_000);

  it('a sibling dies holding sessions.json.lock as the stop begins: the stop takes the lock over, and saves everything', async () => {
    const home = tempDir();
    const sibling = await siblingHoldingLock(home);
    const serve = await startServe(serveEnv(home));
    const ids: string[] = [];
    for (let i = 0; i < 48; i++) ids.push(await converse(serve.url));
    serve.child.kill('SIGTERM');
    setTimeout(sibling.die, SIBLING_DIES_AFTER_MS);
    expect(await serve.exited, serve.output()).toEqual({ code: 0, signal: null });
    expect(missing(ids, await savedIds(home))).toEqual([]);
    expect(existsSync(sibling.lock)).toBe(false);
  }, 60_000);

  it('a second signal stops at once (128 + n) while a live sibling keeps the lock: one line says what was not saved', async () => {
    const home = tempDir();
    await siblingHoldingLock(home);
    const serve = await startServe(serveEnv(home));
    for (let i = 0; i < 3; i++) await converse(serve.url);
    serve.child.kill('SIGTERM');
    // The stop has begun once it no longer listens; then it waits on the lock (the sibling is alive).
    const origin = new URL(serve.url).origin;
    while (await fetch(`${origin}/healthz`).then(() => true, () => false)) await new Promise((resolve) => setTimeout(resolve, 20));
    serve.child.kill('SIGINT');
    expect(await serve.exited, serve.output()).toEqual({ code: 130, signal: null });
    const lines = serve.stderr().trim().split('\n');
    expect(lines.at(-1)).toBe(
      `codex-bridge: 3 conversations were not saved: ${path.join(home, 'sessions.json.lock')} is held by another codex-bridge; gave up waiting — remove ${path.join(home, 'sessions.json.lock')} if no codex-bridge is running`,
    );
  }, 60_000);

  it('a sessions directory it cannot write: exit 1, and the last line says how many were not saved and what to do', async () => {
    const root = tempDir();
    // Root writes anywhere: the bridge then runs as nobody, in a tree it may read but not write.
    const asNobody = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
    chmodSync(root, 0o755);
    const readOnly = path.join(root, 'read-only');
    mkdirSync(readOnly, { mode: 0o555 });
    const home = path.join(readOnly, 'home');
    const serve = await startServe(serveEnv(home), [], { ...asNobody, cwd: root });
    for (let i = 0; i < 5; i++) await converse(serve.url);
    serve.child.kill('SIGTERM');
    expect(await serve.exited, serve.output()).toEqual({ code: 1, signal: null });
    const lines = serve.stderr().trim().split('\n');
    expect(lines.at(-1)).toBe(
      `codex-bridge: 5 conversations were not saved: cannot create the directory ${home}: permission denied — point CODEX_BRIDGE_HOME at a directory you can write to (it is ${home})`,
    );
    expect(serve.stderr()).not.toMatch(/^\s+at /m);
  }, 60_000);
});

describe('serve --store: a signal right after the last request', () => {
  let redis: RedisServer;
  let redisDir: string;
  beforeAll(async () => {
    redisDir = mkdtempSync(path.join(os.tmpdir(), 'cb-graceful-stop-redis-'));
    redis = await startRedisServer(redisDir);
  }, 60_000);
  afterAll(async () => {
    await redis?.stop();
    rmSync(redisDir, { recursive: true, force: true });
  });

  it(`SIGINT and SIGTERM, ${CONVERSATIONS} conversations each time: every one is in the store, exit 0`, async () => {
    const all: string[] = [];
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGTERM'] as const) {
      const home = tempDir();
      const serve = await startServe(serveEnv(home), ['--store', redis.url]);
      for (let i = 0; i < CONVERSATIONS; i++) all.push(await converse(serve.url));
      serve.child.kill(signal);
      expect(await serve.exited, serve.output()).toEqual({ code: 0, signal: null });
      const listed = await cli(['sessions', 'list', '--json', '--store', redis.url], serveEnv(home));
      expect(listed.code, listed.stderr).toBe(0);
      const saved = new Set((JSON.parse(listed.stdout) as Array<{ id: string }>).map((s) => s.id));
      expect(missing(all, saved), signal).toEqual([]);
    }
  }, 120_000);

  it('Redis down when it stops: exit 1, and the last line says how many conversations were not saved', async () => {
    const home = tempDir();
    const serve = await startServe(serveEnv(home), ['--store', redis.url]);
    await redis.stop();
    try {
      // Requests that store nothing are served while Redis is down; their records wait for it.
      for (let i = 0; i < 3; i++) await converse(serve.url, { store: false });
      serve.child.kill('SIGTERM');
      expect(await serve.exited, serve.output()).toEqual({ code: 1, signal: null });
      expect(serve.stderr().trim().split('\n').at(-1)).toMatch(
        new RegExp(`^codex-bridge: 3 conversations were not saved to (redis://127\\.0\\.0\\.1:${redis.port}/0) \\(.+\\) — check that Redis runs at \\1 and that this machine reaches it$`),
      );
    } finally {
      await redis.start();
    }
  }, 60_000);
});

describe('run: a signal right after the last request', () => {
  /** A Responses client run by `run`: `count` conversations, a marker file, then it idles until signalled. */
  function clientScript(dir: string, count: number): { script: string; done: string } {
    const script = path.join(dir, 'client.mjs');
    const done = path.join(dir, 'done');
    writeFileSync(
      script,
      `import { writeFileSync } from 'node:fs';
for (let i = 0; i < ${count}; i++) {
  const res = await fetch(process.env.OPENAI_BASE_URL + '/responses', {
    method: 'POST',
    headers: { authorization: 'Bearer ' + process.env.OPENAI_API_KEY, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'mock-model', input: 'remember this' }),
  });
  const body = await res.json();
  writeFileSync(${JSON.stringify(path.join(dir, 'ids'))}, body.id + '\\n', { flag: 'a' });
}
writeFileSync(${JSON.stringify(done)}, '');
setInterval(() => {}, 1000);
`,
    );
    return { script, done };
  }

  const runArgs = (script: string) => ['run', '--upstream', upstream.url, '--model', 'mock-model', '--api-key-env', 'MOCK_KEY', '--', process.execPath, script];
  const idsOf = (dir: string) => readFileSync(path.join(dir, 'ids'), 'utf8').trim().split('\n');

  it(`SIGTERM and SIGINT, ${CONVERSATIONS} conversations: every one is in sessions.json; the exit code is the command's`, async () => {
    for (const [signal, code] of [['SIGTERM', 143], ['SIGINT', 130]] as const) {
      const dir = tempDir();
      const home = path.join(dir, 'home');
      const { script, done } = clientScript(dir, CONVERSATIONS);
      const run = start(runArgs(script), { ...serveEnv(home), CODEX_BRIDGE_TOKEN: undefined });
      await waitFor(() => existsSync(done), 'the client to finish its conversations', 60_000);
      run.child.kill(signal);
      expect(await run.exited, run.output()).toEqual({ code, signal: null });
      const ids = idsOf(dir);
      expect(ids).toHaveLength(CONVERSATIONS);
      expect(missing(ids, await savedIds(home)), run.output()).toEqual([]);
    }
  }, 120_000);

  it('a sibling dies holding sessions.json.lock as the stop begins: the run takes the lock over, and saves everything', async () => {
    const dir = tempDir();
    const home = path.join(dir, 'home');
    const sibling = await siblingHoldingLock(home);
    const { script, done } = clientScript(dir, 48);
    const run = start(runArgs(script), { ...serveEnv(home), CODEX_BRIDGE_TOKEN: undefined });
    await waitFor(() => existsSync(done), 'the client to finish its conversations', 60_000);
    run.child.kill('SIGTERM');
    setTimeout(sibling.die, SIBLING_DIES_AFTER_MS);
    expect(await run.exited, run.output()).toEqual({ code: 143, signal: null });
    expect(missing(idsOf(dir), await savedIds(home))).toEqual([]);
    expect(existsSync(sibling.lock)).toBe(false);
  }, 60_000);
});
