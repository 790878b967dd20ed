// sessions.json shared by real processes: two writers at once, a writer killed with SIGKILL in the
// middle of its writes, and a process that exits (process.exit) before its batch was written.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SessionRecord } from '../../src/sessions/session-records.js';
import { parseSessionsFile } from '../../src/sessions/sessions-file-format.js';
import { JsonFileBackend } from '../../src/sessions/json-file-backend.js';
import { ensureBuilt } from '../e2e/ensure-built.js';
import { tempDirsPerTest } from '../helpers/temp-dirs.js';

const worker = fileURLToPath(new URL('./recorder-worker.mjs', import.meta.url));

const tempDir = tempDirsPerTest('cb-sessions-mp-');
let home: string;
beforeAll(ensureBuilt, 120_000);
beforeEach(() => {
  home = tempDir();
});

const file = () => path.join(home, 'sessions.json');
/** What the `sessions` commands read. */
const readSessions = async (at: string) => ({ sessions: await new JsonFileBackend(at).list() });

interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function startWorker(options: Record<string, unknown>) {
  const child = spawn(process.execPath, [worker, JSON.stringify({ home, ...options })], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const finished = new Promise<Finished>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  const output = () => stdout;
  return { child, finished, output };
}

async function runWorker(options: Record<string, unknown>): Promise<Finished> {
  const result = await startWorker(options).finished;
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return result;
}

const byId = (sessions: SessionRecord[]) => Object.fromEntries(sessions.map((s) => [s.id, s]));

describe('sessions.json across processes', () => {
  it('two processes writing at once: both sets of sessions end up in the file, shared ones summed exactly', async () => {
    await Promise.all([
      runWorker({ mode: 'close', requests: [['alpha-1', 30], ['alpha-2', 20], ['shared', 25]] }),
      runWorker({ mode: 'close', requests: [['beta-1', 30], ['beta-2', 15], ['shared', 35]] }),
    ]);
    const sessions = byId((await readSessions(file())).sessions);
    expect(Object.keys(sessions).sort()).toEqual(['alpha-1', 'alpha-2', 'beta-1', 'beta-2', 'shared']);
    const expected = { 'alpha-1': 30, 'alpha-2': 20, 'beta-1': 30, 'beta-2': 15, shared: 60 } as Record<string, number>;
    for (const [id, count] of Object.entries(expected)) {
      expect(sessions[id], id).toMatchObject({
        requests: count,
        usage: { inputTokens: 10 * count, outputTokens: 3 * count, cachedTokens: count, reasoningTokens: 2 * count },
        upstream: 'api.example.com',
        title: `hello from ${id}`,
      });
    }
    // Both processes' SessionStore data for the shared conversation: each one's chain, whole.
    const pids = new Set(sessions.shared.store?.responses.map((r) => r.id.split('_')[1]));
    expect(pids.size).toBe(2);
    expect(sessions.shared.store?.responses).toHaveLength(60);
    expect(sessions['alpha-1'].store?.responses).toHaveLength(30);
    const text = readFileSync(file(), 'utf8');
    expect(text).not.toContain('worker-secret-token');
    expect(readdirSync(home).sort()).toEqual(['sessions.json']);
  });

  it('process.exit() without close: the exit handler writes the batch', async () => {
    await runWorker({ mode: 'exit', flushDelayMs: 60_000, requests: [['exiting', 7]] });
    expect(byId((await readSessions(file())).sessions).exiting).toMatchObject({ requests: 7, usage: { inputTokens: 70 } });
  });

  it('process.exit(0) when the batch cannot be written: the exit says so in one line, and its code is 1', async () => {
    // A home under a file: nothing can be written there, whoever runs the test (root included).
    writeFileSync(path.join(home, 'a-file'), '');
    const result = await startWorker({ mode: 'exit', flushDelayMs: 60_000, requests: [['lost-1', 2], ['lost-2', 1]], home: path.join(home, 'a-file', 'home') }).finished;
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n').at(-1)).toMatch(/^warn: 2 conversations were not saved: cannot create the directory \S+\/a-file\/home: \S+\/a-file is a file, not a directory — \S/);
  });

  it('process.exit() after timed flushes: the exit handler writes the rest, each request once', async () => {
    const result = await runWorker({ mode: 'flush-exit', flushDelayMs: 1, requests: [['flushed', 20]], late: 4 });
    expect(result.stdout).toContain('flushed before exit: 20 requests');
    expect(readdirSync(home).sort()).toEqual(['sessions.json']);
    const parsed = parseSessionsFile(readFileSync(file(), 'utf8'));
    expect(parsed.kind === 'ok' && byId(parsed.data.sessions)).toMatchObject({ flushed: { requests: 20, usage: { inputTokens: 200 } }, late: { requests: 4 } });
  });

  it('exit in the middle of a flush: the batch lands exactly once, whatever point the write had reached', async () => {
    const runs = 6;
    for (let i = 0; i < runs; i++) await runWorker({ mode: 'exit-inflight', flushDelayMs: 60_000, requests: [['inflight', 5]], maxDelayMs: 12 });
    expect(byId((await readSessions(file())).sessions).inflight).toMatchObject({ requests: 5 * runs, usage: { inputTokens: 50 * runs } });
    expect(readdirSync(home).sort()).toEqual(['sessions.json']);
  });

  it('kill -9 during a write loop leaves a readable file, and the next writer takes over its lock', async () => {
    for (let round = 0; round < 4; round++) {
      const { child, finished, output } = startWorker({ mode: 'loop', bytes: 400_000, prefix: `round${round}` });
      const deadline = Date.now() + 15_000;
      while (!output().includes('writing') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
      expect(output()).toContain('writing');
      // Somewhere in the middle of a read-merge-write (they take a few ms with this much data).
      await new Promise((resolve) => setTimeout(resolve, 5 + Math.floor(Math.random() * 40)));
      child.kill('SIGKILL');
      expect((await finished).signal).toBe('SIGKILL');

      const parsed = parseSessionsFile(readFileSync(file(), 'utf8'));
      expect(parsed.kind).toBe('ok');
      expect((await readSessions(file())).sessions.some((s) => s.id.startsWith(`round${round}-`))).toBe(true);
      // A lock left by the killed writer (its heartbeat stopped) is taken over once stale (2 s after
      // its last beat, which was up to 1 s before the kill), well before the 8 s wait gives up; the
      // bound leaves room for a loaded machine (a 3 s bound failed once in a full-suite run).
      const started = Date.now();
      await new JsonFileBackend(file(), { lock: { staleMs: 2_000, timeoutMs: 8_000 } }).update(new Map(), `after-round${round}`);
      expect(Date.now() - started).toBeLessThan(5_000);
    }
    // Temp files of killed writers are swept once a minute old; only the file and those remain,
    // never a lock.
    expect(readdirSync(home).filter((name) => name.endsWith('.lock'))).toEqual([]);
    expect(readdirSync(home).filter((name) => name !== 'sessions.json' && !/^sessions\.json\.\d+$/.test(name))).toEqual([]);
    const { sessions } = await readSessions(file());
    expect(sessions.length).toBeGreaterThanOrEqual(4);
  }, 60_000);
});
