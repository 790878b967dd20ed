import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeEach, describe, expect, it } from 'vitest';
import { tempDirsPerTest } from '../../test/helpers/temp-dirs.js';
import { LockTimeoutError, withFileLock, withFileLockSync } from './file-lock.js';

const tempDir = tempDirsPerTest('cb-lock-');
let file: string;
let lockPath: string;
beforeEach(() => {
  file = path.join(tempDir(), 'sessions.json');
  lockPath = `${file}.lock`;
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const makeOld = (p: string, secondsAgo = 60) => {
  const old = Date.now() / 1000 - secondsAgo;
  utimesSync(p, old, old);
};

/** Resolves once `condition` holds (checked every few ms), failing after `ms`. */
async function until(condition: () => boolean, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(5);
  }
}

describe('file lock', () => {
  it('is a directory next to the file while held, gone after', async () => {
    await withFileLock(file, {}, async () => {
      expect(statSync(lockPath).isDirectory()).toBe(true);
    });
    expect(existsSync(lockPath)).toBe(false);
    withFileLockSync(file, {}, () => expect(existsSync(lockPath)).toBe(true));
    expect(existsSync(lockPath)).toBe(false);
  });

  it('makes the next taker wait until it is released, and releases when the action throws', async () => {
    const order: string[] = [];
    let releaseFirst!: () => void;
    const first = withFileLock(file, {}, async () => {
      order.push('first in');
      await new Promise<void>((resolve) => (releaseFirst = resolve));
      order.push('first out');
    });
    await until(() => order.length === 1);
    const second = withFileLock(file, {}, async () => {
      order.push('second in');
      throw new Error('inside');
    });
    await sleep(50); // a window for the second to get in, wrongly
    expect(order).toEqual(['first in']);
    releaseFirst();
    await first;
    await expect(second).rejects.toThrow('inside');
    expect(order).toEqual(['first in', 'first out', 'second in']);
    expect(existsSync(lockPath)).toBe(false);
  });

  it('gives up after the timeout', async () => {
    let release!: () => void;
    const held = withFileLock(file, {}, () => new Promise<void>((resolve) => (release = resolve)));
    await until(() => existsSync(lockPath));
    await expect(withFileLock(file, { timeoutMs: 60 }, async () => {})).rejects.toMatchObject({ name: 'LockTimeoutError', lockPath });
    release();
    await held;
    mkdirSync(lockPath); // another process's, fresh
    expect(() => withFileLockSync(file, { timeoutMs: 60 }, () => {})).toThrow(LockTimeoutError);
  });

  it('heartbeat: a holder busy for longer than the stale time keeps the lock; the next writer waits for it', async () => {
    const staleMs = 2_000; // proper-lockfile's floor
    const compromised: Error[] = [];
    const order: string[] = [];
    const holder = withFileLock(file, { staleMs, onCompromised: (error) => compromised.push(error) }, async () => {
      order.push('holder in');
      await sleep(staleMs + 1_200); // slow I/O, say: the event loop runs, so the heartbeat does
      order.push('holder out');
    });
    await until(() => order.length === 1);
    const waiter = withFileLock(file, { staleMs, timeoutMs: 10_000 }, async () => {
      order.push('waiter in');
    });
    await Promise.all([holder, waiter]);
    expect(order).toEqual(['holder in', 'holder out', 'waiter in']);
    expect(compromised).toEqual([]);
  }, 10_000);

  it("a dead holder's lock is taken over once its heartbeat is stale", async () => {
    // A lock whose heartbeat stopped a minute ago: at once.
    mkdirSync(lockPath);
    makeOld(lockPath);
    await withFileLock(file, { timeoutMs: 500 }, async () => {});
    expect(existsSync(lockPath)).toBe(false);

    // A process killed (kill -9) while holding it: once staleMs has passed since its last heartbeat.
    const root = fileURLToPath(new URL('../..', import.meta.url));
    const holder = spawnSync(
      process.execPath,
      ['-e', `require('proper-lockfile').lockSync(${JSON.stringify(file)}, { realpath: false }); process.kill(process.pid, 'SIGKILL')`],
      { cwd: root, encoding: 'utf8' },
    );
    expect(holder.signal).toBe('SIGKILL');
    expect(statSync(lockPath).isDirectory()).toBe(true);
    const started = Date.now();
    await withFileLock(file, { staleMs: 2_000, timeoutMs: 6_000 }, async () => {});
    const waited = Date.now() - started;
    expect(waited).toBeGreaterThan(1_500);
    expect(waited).toBeLessThan(4_000);
    expect(existsSync(lockPath)).toBe(false);
  }, 10_000);

  it('a lock file left by an older codex-bridge: a live one is waited for, a stale one removed', async () => {
    writeFileSync(lockPath, JSON.stringify({ pid: process.pid, host: 'h', nonce: 'n', at: Date.now() }));
    await expect(withFileLock(file, { timeoutMs: 100 }, async () => {})).rejects.toBeInstanceOf(LockTimeoutError);
    makeOld(lockPath);
    await withFileLock(file, { timeoutMs: 1_000 }, async () => {
      expect(statSync(lockPath).isDirectory()).toBe(true);
    });
    writeFileSync(lockPath, '');
    makeOld(lockPath);
    withFileLockSync(file, { timeoutMs: 1_000 }, () => {});
    expect(existsSync(lockPath)).toBe(false);
  });

  it('in an exit handler, takes over a lock this very process holds (its async holder never resumes)', async () => {
    let inside = false;
    void withFileLock(file, {}, () => new Promise<void>(() => {})); // never settles, never releases
    await until(() => existsSync(lockPath));
    withFileLockSync(file, { timeoutMs: 200 }, () => (inside = true));
    expect(inside).toBe(true);
    expect(existsSync(lockPath)).toBe(false);
  });

  it('many waiters in one process get it one at a time', async () => {
    let inside = 0;
    let most = 0;
    await Promise.all(
      Array.from({ length: 8 }, () =>
        withFileLock(file, {}, async () => {
          inside++;
          most = Math.max(most, inside);
          await sleep(5);
          inside--;
        }),
      ),
    );
    expect(most).toBe(1);
  });
});
