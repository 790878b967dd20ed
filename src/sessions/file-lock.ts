import { randomBytes } from 'node:crypto';
import { linkSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';

// A lock file next to the file it guards, so that several codex-bridge processes (two `run`s in two
// terminals, a `serve`, a `sessions rm`) take turns at read-merge-write. Created with O_EXCL; it
// holds {pid, host, nonce, at}. A lock whose holder is dead, or that is older than `staleMs`, was
// left by a crash (kill -9, power loss) and is taken over.

export interface LockOptions {
  /** Give up after this long (default 5 s). */
  timeoutMs?: number;
  /** A lock older than this is taken over even if its holder looks alive (default 10 s). Holders
   *  only read, merge and write one file, well under a second. */
  staleMs?: number;
  /** For exit handlers: a lock held by this very process is abandoned (the async work that took it
   *  will never run again), so take it over instead of waiting for it. */
  ownPidIsStale?: boolean;
}

export interface FileLock {
  readonly path: string;
  readonly nonce: string;
  /** Removes the lock if it is still ours; never throws. */
  release(): void;
}

export class LockTimeoutError extends Error {
  override name = 'LockTimeoutError';
  constructor(
    readonly lockPath: string,
    readonly holderPid: number | undefined,
  ) {
    super(`${lockPath} is held${holderPid ? ` by process ${holderPid}` : ''}; gave up waiting`);
  }
}

interface LockContent {
  pid: number;
  host: string;
  nonce: string;
  at: number;
}

interface Holder {
  content: LockContent | undefined;
  ino: number;
  mtimeMs: number;
}

const DEFAULT_TIMEOUT_MS = 5_000;
const DEFAULT_STALE_MS = 10_000;
/** A lock file without readable content was cut between create and write; give it this long. */
const HALF_WRITTEN_STALE_MS = 1_000;

function parseContent(text: string): LockContent | undefined {
  try {
    const value = JSON.parse(text) as Partial<LockContent>;
    if (value && typeof value.pid === 'number' && typeof value.nonce === 'string' && typeof value.host === 'string') return value as LockContent;
  } catch {
    // half-written or foreign
  }
  return undefined;
}

function readHolder(file: string): Holder | undefined {
  try {
    const stat = statSync(file);
    return { content: parseContent(readFileSync(file, 'utf8')), ino: stat.ino, mtimeMs: stat.mtimeMs };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, it is just not ours to signal.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function isStale(holder: Holder, options: LockOptions): boolean {
  const age = Date.now() - holder.mtimeMs;
  const { content } = holder;
  if (!content) return age > Math.min(HALF_WRITTEN_STALE_MS, options.staleMs ?? DEFAULT_STALE_MS);
  if (age > (options.staleMs ?? DEFAULT_STALE_MS)) return true;
  // Another machine's pid (a home on a network drive) says nothing about this one's processes.
  if (content.host !== hostname()) return false;
  if (content.pid === process.pid) return options.ownPidIsStale === true;
  return !processAlive(content.pid);
}

function sameLock(a: Holder, b: Holder): boolean {
  return a.content && b.content ? a.content.nonce === b.content.nonce : a.ino === b.ino;
}

/**
 * Removes a lock judged stale. It is first renamed to a name of our own, so that if someone else
 * broke it and took a fresh lock in between, we notice (different nonce) and put theirs back
 * instead of deleting it.
 */
function breakStaleLock(lockPath: string, judged: Holder): void {
  const aside = `${lockPath}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    renameSync(lockPath, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  try {
    const moved = readHolder(aside);
    if (moved && !sameLock(moved, judged)) {
      try {
        linkSync(aside, lockPath);
      } catch {
        // Someone already holds a newer lock; theirs stands.
      }
    }
  } finally {
    try {
      unlinkSync(aside);
    } catch {
      // already gone
    }
  }
}

type Attempt = { lock: FileLock } | { holder: Holder | undefined };

function tryAcquire(lockPath: string, options: LockOptions): Attempt {
  const nonce = randomBytes(12).toString('hex');
  const content: LockContent = { pid: process.pid, host: hostname(), nonce, at: Date.now() };
  try {
    writeFileSync(lockPath, JSON.stringify(content), { flag: 'wx', mode: 0o600 });
    return { lock: makeLock(lockPath, nonce) };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const holder = readHolder(lockPath);
  if (holder === undefined) return { holder: undefined }; // released meanwhile: try again now
  if (isStale(holder, options)) {
    breakStaleLock(lockPath, holder);
    return { holder: undefined };
  }
  return { holder };
}

function makeLock(lockPath: string, nonce: string): FileLock {
  let released = false;
  return {
    path: lockPath,
    nonce,
    release() {
      if (released) return;
      released = true;
      try {
        // Only our own lock: if it was taken over (we were too slow), the new holder keeps it.
        if (readHolder(lockPath)?.content?.nonce === nonce) unlinkSync(lockPath);
      } catch {
        // gone already, or unreadable: nothing more we can do
      }
    },
  };
}

/** A short random pause, so that waiters don't retry in lockstep. */
const pause = () => 10 + Math.floor(Math.random() * 25);

export async function acquireLock(lockPath: string, options: LockOptions = {}): Promise<FileLock> {
  const deadline = Date.now() + (options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  for (;;) {
    const attempt = tryAcquire(lockPath, options);
    if ('lock' in attempt) return attempt.lock;
    if (attempt.holder === undefined) continue;
    if (Date.now() >= deadline) throw new LockTimeoutError(lockPath, attempt.holder.content?.pid);
    await new Promise((resolve) => setTimeout(resolve, pause()));
  }
}

/** The same, blocking the thread while it waits: only for exit handlers, where nothing else can run. */
export function acquireLockSync(lockPath: string, options: LockOptions = {}): FileLock {
  const deadline = Date.now() + (options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    const attempt = tryAcquire(lockPath, options);
    if ('lock' in attempt) return attempt.lock;
    if (attempt.holder === undefined) continue;
    if (Date.now() >= deadline) throw new LockTimeoutError(lockPath, attempt.holder.content?.pid);
    Atomics.wait(sleeper, 0, 0, pause());
  }
}
