import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { tempDirsPerTest } from '../../test/helpers/temp-dirs.js';
import { acquireLock, acquireLockSync, LockTimeoutError } from './file-lock.js';

const tempDir = tempDirsPerTest('cb-lock-');
let dir: string;
let lockPath: string;
beforeEach(() => {
  dir = tempDir();
  lockPath = path.join(dir, 'sessions.json.lock');
});

/** A pid that is certainly not running: a child that has already exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

describe('file lock', () => {
  it('is a 0600 file naming its holder, removed on release', async () => {
    const lock = await acquireLock(lockPath);
    expect(JSON.parse(readFileSync(lockPath, 'utf8'))).toMatchObject({ pid: process.pid, host: hostname(), nonce: lock.nonce });
    if (process.platform !== 'win32') expect(statSync(lockPath).mode & 0o777).toBe(0o600);
    lock.release();
    expect(existsSync(lockPath)).toBe(false);
  });

  it('makes the next taker wait until it is released', async () => {
    const first = await acquireLock(lockPath);
    let second = false;
    const waiting = acquireLock(lockPath).then((lock) => {
      second = true;
      return lock;
    });
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(second).toBe(false);
    first.release();
    (await waiting).release();
    expect(second).toBe(true);
  });

  it('gives up after the timeout, naming the holder', async () => {
    const held = await acquireLock(lockPath);
    await expect(acquireLock(lockPath, { timeoutMs: 60 })).rejects.toMatchObject({ name: 'LockTimeoutError', holderPid: process.pid });
    expect(() => acquireLockSync(lockPath, { timeoutMs: 60 })).toThrow(LockTimeoutError);
    held.release();
  });

  it('takes over a lock whose holder died (kill -9 while holding it)', async () => {
    writeFileSync(lockPath, JSON.stringify({ pid: deadPid(), host: hostname(), nonce: 'dead', at: Date.now() }));
    const lock = await acquireLock(lockPath, { timeoutMs: 500 });
    expect(JSON.parse(readFileSync(lockPath, 'utf8')).nonce).toBe(lock.nonce);
    lock.release();
  });

  it('takes over a lock older than staleMs even if its holder looks alive, and a half-written one', async () => {
    writeFileSync(lockPath, JSON.stringify({ pid: process.ppid, host: hostname(), nonce: 'old', at: 0 }));
    const old = (Date.now() - 60_000) / 1000;
    utimesSync(lockPath, old, old);
    (await acquireLock(lockPath, { timeoutMs: 500, staleMs: 10_000 })).release();

    writeFileSync(lockPath, '');
    utimesSync(lockPath, old, old);
    acquireLockSync(lockPath, { timeoutMs: 500 }).release();
    expect(existsSync(lockPath)).toBe(false);
  });

  it('in an exit handler, takes over a lock this very process abandoned', async () => {
    await acquireLock(lockPath); // never released: the async work that held it will not run again
    const lock = acquireLockSync(lockPath, { timeoutMs: 200, ownPidIsStale: true });
    lock.release();
  });

  it('release leaves a lock that someone else took over alone', async () => {
    const mine = await acquireLock(lockPath);
    writeFileSync(lockPath, JSON.stringify({ pid: process.pid, host: hostname(), nonce: 'theirs', at: Date.now() }));
    mine.release();
    expect(JSON.parse(readFileSync(lockPath, 'utf8')).nonce).toBe('theirs');
  });

  it('many waiters in one process get it one at a time', async () => {
    let inside = 0;
    let most = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        const lock = await acquireLock(lockPath);
        inside++;
        most = Math.max(most, inside);
        await new Promise((resolve) => setTimeout(resolve, 5));
        inside--;
        lock.release();
      }),
    );
    expect(most).toBe(1);
  });
});
