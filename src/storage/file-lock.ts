import { lstatSync, unlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import type * as ProperLockfile from 'proper-lockfile';

// Writers of one file take turns (two `run`s in two terminals, a `serve`, a `sessions rm`) with
// proper-lockfile: the lock is a directory `<file>.lock`, made with mkdir (atomic), whose mtime the
// holder refreshes every second (the heartbeat) until it releases it. A lock not refreshed for
// `staleMs` was left by a holder that died (kill -9, power loss) and is taken over; a live holder
// keeps it however long its I/O takes (a slow disk, a network home).

export interface LockOptions {
  /** Give up waiting after this long (default 10 s: longer than staleMs, so a dead holder's lock is taken over rather than given up on). */
  timeoutMs?: number;
  /** A lock whose heartbeat stopped this long ago is taken over (default 5 s; proper-lockfile's floor is 2 s). */
  staleMs?: number;
  /** Told if the lock was taken over while held (only a holder whose event loop stalls past staleMs). */
  onCompromised?: (error: Error) => void;
}

export class LockTimeoutError extends Error {
  override name = 'LockTimeoutError';
  constructor(readonly lockPath: string) {
    super(`${lockPath} is held by another codex-bridge; gave up waiting`);
  }
}

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_STALE_MS = 5_000;
const HEARTBEAT_MS = 1_000;

const lockPathOf = (file: string) => `${file}.lock`;

/** Loaded on the first lock, not at start-up: `run` spawns its command before any write (~5 ms). */
let properLockfile: typeof ProperLockfile | undefined;
const lockfile = () => (properLockfile ??= createRequire(import.meta.url)('proper-lockfile') as typeof ProperLockfile);

function lockfileOptions(file: string, options: LockOptions): ProperLockfile.LockOptions {
  return {
    lockfilePath: lockPathOf(file),
    // The file need not exist yet (the first write creates it).
    realpath: false,
    stale: options.staleMs ?? DEFAULT_STALE_MS,
    update: HEARTBEAT_MS,
    onCompromised: options.onCompromised ?? (() => {}),
  };
}

/**
 * Whether to try again after `error`. Versions up to cba3eab made the lock a plain file of the same
 * name: one alive is waited for like any lock (mkdir fails on it too), and one that
 * proper-lockfile judged stale (it cannot rmdir a file: ENOTDIR) is removed here.
 */
function worthRetrying(file: string, error: unknown, staleMs: number): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ELOCKED') return true;
  if (code !== 'ENOTDIR') return false;
  try {
    const stat = lstatSync(lockPathOf(file));
    if (stat.isFile() && stat.mtimeMs < Date.now() - staleMs) unlinkSync(lockPathOf(file));
  } catch {
    // gone meanwhile
  }
  return true;
}

/** A short random pause, so that waiters don't retry in lockstep. */
const pause = () => 10 + Math.floor(Math.random() * 25);

/**
 * One attempt: the lock, or undefined if another holds it. Synchronous (a mkdir, microseconds), so
 * that the lock is either not taken or taken and known to proper-lockfile whenever an exit handler
 * runs: it can then release this process's own (see withFileLockSync).
 */
function tryLock(file: string, options: LockOptions): (() => void) | undefined {
  try {
    return lockfile().lockSync(file, lockfileOptions(file, options));
  } catch (error) {
    if (worthRetrying(file, error, options.staleMs ?? DEFAULT_STALE_MS)) return undefined;
    throw error;
  }
}

function releaseQuietly(release: () => void): void {
  try {
    release();
  } catch {
    // already released: it was taken over (compromised)
  }
}

/** Runs `action` holding the lock of `file`. Throws LockTimeoutError if it is held past timeoutMs. */
export async function withFileLock<T>(file: string, options: LockOptions, action: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  let release: (() => void) | undefined;
  while (!(release = tryLock(file, options))) {
    if (Date.now() >= deadline) throw new LockTimeoutError(lockPathOf(file));
    await new Promise((resolve) => setTimeout(resolve, pause()));
  }
  try {
    return await action();
  } finally {
    // Off the event loop: an rmdir right after a write's fsync can wait on the file system. Until it
    // lands the lock is still there, but no longer this process's to release in an exit handler
    // (which then waits the few milliseconds it takes).
    await lockfile()
      .unlock(file, { lockfilePath: lockPathOf(file), realpath: false })
      .catch(() => {}); // already released: it was taken over (compromised)
  }
}

/**
 * The same, blocking while it waits: only for exit handlers, where promises never settle. A lock
 * this process holds was taken by async work that will never resume, so it is released first.
 */
export function withFileLockSync<T>(file: string, options: LockOptions, action: () => T): T {
  try {
    lockfile().unlockSync(file, { lockfilePath: lockPathOf(file), realpath: false });
  } catch {
    // not held by this process
  }
  const deadline = Date.now() + (options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  let release: (() => void) | undefined;
  while (!(release = tryLock(file, options))) {
    if (Date.now() >= deadline) throw new LockTimeoutError(lockPathOf(file));
    Atomics.wait(sleeper, 0, 0, pause());
  }
  try {
    return action();
  } finally {
    releaseQuietly(release);
  }
}
