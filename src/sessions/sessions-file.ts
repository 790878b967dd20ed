import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  fsyncSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { chmod, open, readFile, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { acquireLock, acquireLockSync, processAlive, type LockOptions } from './file-lock.js';
import { parseSessionsFile, serializeSessionsFile, SESSIONS_SCHEMA_VERSION, type SessionsFileData } from './session-records.js';
import { ensurePrivateDirectory } from './sessions-home.js';

// sessions.json on disk: read (a missing file is empty, a corrupt one is moved aside), and
// read-merge-write under the lock with an atomic replace (temp file in the same directory, fsync,
// rename), so a reader or a kill -9 never sees half a file. A file written by a newer codex-bridge
// is never overwritten.

/** One-line warnings (default: stderr, prefixed "codex-bridge: "). */
export type Warn = (line: string) => void;

export const stderrWarn: Warn = (line) => process.stderr.write(`codex-bridge: ${line}\n`);

export class NewerSchemaError extends Error {
  override name = 'NewerSchemaError';
  constructor(
    readonly file: string,
    readonly version: number,
  ) {
    super(
      `${file} was written by a newer codex-bridge (sessions schema v${version}; this one knows v${SESSIONS_SCHEMA_VERSION}); it is left untouched — upgrade codex-bridge to use it`,
    );
  }
}

export interface SessionsFileOptions {
  warn?: Warn;
  lock?: LockOptions;
  /** Stamped into the file as `writeId` (default: random). */
  writeId?: string;
  /** Called as soon as the new file is in place, before the lock is released. */
  onWritten?: () => void;
  /**
   * Data this process last read or wrote. If the file still has its size and starts with its
   * writeId (every write stamps a fresh one, so nobody has written since), it is used as is instead
   * of reading and parsing the whole file again: a steady stream of flushes then costs only what
   * changed.
   */
  known?: SessionsFileData;
}

export const emptySessions = (): SessionsFileData => ({ version: SESSIONS_SCHEMA_VERSION, sessions: [] });

const lockPathOf = (file: string) => `${file}.lock`;

/** Size in bytes of the file each data object was read from or written as (see stillKnown). */
const fileBytes = new WeakMap<SessionsFileData, number>();

type RawRead = { kind: 'text'; text: string } | { kind: 'missing' } | { kind: 'unreadable'; reason: string };

function classifyReadError(error: unknown): RawRead {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return { kind: 'missing' };
  return { kind: 'unreadable', reason: code ?? (error as Error).message };
}

function readRawSync(file: string): RawRead {
  try {
    return { kind: 'text', text: readFileSync(file, 'utf8') };
  } catch (error) {
    return classifyReadError(error);
  }
}

async function readRaw(file: string): Promise<RawRead> {
  try {
    return { kind: 'text', text: await readFile(file, 'utf8') };
  } catch (error) {
    return classifyReadError(error);
  }
}

type Interpreted = { kind: 'ok'; data: SessionsFileData } | { kind: 'missing' } | { kind: 'newer'; version: number } | { kind: 'corrupt'; reason: string };

function interpret(raw: RawRead): Interpreted {
  if (raw.kind === 'missing') return raw;
  if (raw.kind === 'unreadable') return { kind: 'corrupt', reason: `unreadable: ${raw.reason}` };
  const parsed = parseSessionsFile(raw.text);
  if (parsed.kind === 'ok') fileBytes.set(parsed.data, Buffer.byteLength(raw.text));
  return parsed;
}

function timestamp(): string {
  return new Date().toISOString().replace(/[:.]/g, '-');
}

/** Moves a corrupt file to sessions.json.corrupt-<time> (kept for the curious, 0600) and says where. */
function moveAside(file: string, reason: string, warn: Warn): void {
  let aside = `${file}.corrupt-${timestamp()}`;
  if (statSync(aside, { throwIfNoEntry: false })) aside += `-${process.pid}-${randomBytes(2).toString('hex')}`;
  renameSync(file, aside);
  try {
    chmodSync(aside, 0o600);
  } catch {
    // a directory, or not ours: the move is what matters
  }
  warn(`${file} was unreadable (${reason}); moved it to ${aside} and started a new one`);
}

/** Makes an existing file 0600 (an older version, a copy, or a umask may have left it wider). */
export function fixFileMode(file: string): void {
  if (process.platform === 'win32') return;
  try {
    const stat = statSync(file);
    if (stat.isFile() && (stat.mode & 0o777) !== 0o600) chmodSync(file, 0o600);
  } catch {
    // missing, or not ours
  }
}

function tempNameFor(file: string): string {
  return `${file}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
}

function writeAtomicSync(file: string, text: string): void {
  const temp = tempNameFor(file);
  const fd = openSync(temp, 'wx', 0o600);
  try {
    try {
      writeSync(fd, text);
      if (process.platform !== 'win32') chmodSync(temp, 0o600);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, file);
  } catch (error) {
    try {
      unlinkSync(temp);
    } catch {
      // never created, or already renamed
    }
    throw error;
  }
  syncDirectory(path.dirname(file));
}

async function writeAtomic(file: string, text: string): Promise<void> {
  const temp = tempNameFor(file);
  const handle = await open(temp, 'wx', 0o600);
  try {
    try {
      await handle.writeFile(text);
      if (process.platform !== 'win32') await chmod(temp, 0o600);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  } catch (error) {
    await unlink(temp).catch(() => {});
    throw error;
  }
  syncDirectory(path.dirname(file));
}

/** So the rename itself survives a power cut. Best effort: not every platform can fsync a directory. */
function syncDirectory(directory: string): void {
  if (process.platform === 'win32') return;
  try {
    const fd = openSync(directory, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // ignore
  }
}

/**
 * Temp files left by a writer that was killed mid-write (dead pid, or older than a minute); with
 * `includeOwn`, also this process's (an exit handler: its interrupted async write never resumes).
 */
function sweepTempFiles(file: string, includeOwn = false): void {
  const directory = path.dirname(file);
  const prefix = `${path.basename(file)}.tmp-`;
  try {
    for (const name of readdirSync(directory)) {
      if (!name.startsWith(prefix)) continue;
      const pid = Number(name.slice(prefix.length).split('-')[0]);
      const full = path.join(directory, name);
      const old = (statSync(full, { throwIfNoEntry: false })?.mtimeMs ?? Infinity) < Date.now() - 60_000;
      if (pid === process.pid ? includeOwn : old || !processAlive(pid)) unlinkSync(full);
    }
  } catch {
    // best effort
  }
}

/** Result of one read-merge-write. */
export interface UpdateResult {
  /** The data now in the file (or what was there, when `mutate` chose not to write). */
  data: SessionsFileData;
  /** The file as found before the update (undefined if missing or moved aside). */
  before: SessionsFileData | undefined;
  written: boolean;
}

/**
 * What `mutate` gets: the file's current data (empty if there is none; a corrupt file has been moved
 * aside). It returns the new data to write, or undefined to leave the file as it is.
 */
export type Mutate = (current: SessionsFileData, before: SessionsFileData | undefined) => SessionsFileData | undefined;

function prepare(file: string, found: Interpreted, warn: Warn): SessionsFileData | undefined {
  if (found.kind === 'newer') throw new NewerSchemaError(file, found.version);
  if (found.kind === 'corrupt') {
    moveAside(file, found.reason, warn);
    return undefined;
  }
  return found.kind === 'ok' ? found.data : undefined;
}

function stamp(data: SessionsFileData, writeId: string | undefined): SessionsFileData {
  return { ...data, version: SESSIONS_SCHEMA_VERSION, writeId: writeId ?? randomBytes(9).toString('base64url') };
}


const headOf = (data: SessionsFileData) => `${JSON.stringify({ version: data.version, writeId: data.writeId }).slice(0, -1)},"sessions":[`;

/** Whether the file is still the one `known` was written as: same size, and its head carries the writeId. */
async function stillKnown(file: string, known: SessionsFileData | undefined): Promise<boolean> {
  const size = known && fileBytes.get(known);
  if (!known?.writeId || size === undefined) return false;
  const head = Buffer.from(headOf(known));
  try {
    const handle = await open(file, 'r');
    try {
      if ((await handle.stat()).size !== size) return false;
      const buffer = Buffer.alloc(head.length);
      const { bytesRead } = await handle.read(buffer, 0, head.length, 0);
      return bytesRead === head.length && buffer.equals(head);
    } finally {
      await handle.close();
    }
  } catch {
    return false;
  }
}

/** Read-merge-write under the lock. Throws NewerSchemaError (file untouched), LockTimeoutError, or an I/O error. */
export async function updateSessionsFile(file: string, mutate: Mutate, options: SessionsFileOptions = {}): Promise<UpdateResult> {
  const warn = options.warn ?? stderrWarn;
  ensurePrivateDirectory(path.dirname(file));
  const lock = await acquireLock(lockPathOf(file), options.lock);
  try {
    const before = (await stillKnown(file, options.known)) ? options.known : prepare(file, interpret(await readRaw(file)), warn);
    const next = mutate(before ?? emptySessions(), before);
    if (!next) return { data: before ?? emptySessions(), before, written: false };
    const data = stamp(next, options.writeId);
    sweepTempFiles(file);
    const text = serializeSessionsFile(data);
    await writeAtomic(file, text);
    fileBytes.set(data, Buffer.byteLength(text));
    options.onWritten?.();
    return { data, before, written: true };
  } finally {
    lock.release();
  }
}

/** The same, synchronously: for exit handlers. */
export function updateSessionsFileSync(file: string, mutate: Mutate, options: SessionsFileOptions = {}): UpdateResult {
  const warn = options.warn ?? stderrWarn;
  ensurePrivateDirectory(path.dirname(file));
  const lock = acquireLockSync(lockPathOf(file), options.lock);
  try {
    const before = prepare(file, interpret(readRawSync(file)), warn);
    const next = mutate(before ?? emptySessions(), before);
    if (!next) return { data: before ?? emptySessions(), before, written: false };
    const data = stamp(next, options.writeId);
    sweepTempFiles(file, options.lock?.ownPidIsStale === true);
    writeAtomicSync(file, serializeSessionsFile(data));
    options.onWritten?.();
    return { data, before, written: true };
  } finally {
    lock.release();
  }
}

/**
 * The sessions as they are: empty if there is no file. A corrupt file is moved aside (under the
 * lock, after checking it still is corrupt) with a warning. Throws NewerSchemaError for a file of a
 * newer schema. Fixes the mode of a file that is not 0600.
 */
export async function readSessionsFile(file: string, options: SessionsFileOptions = {}): Promise<SessionsFileData> {
  const found = interpret(await readRaw(file));
  if (found.kind === 'ok') {
    fixFileMode(file);
    return found.data;
  }
  if (found.kind === 'missing') return emptySessions();
  if (found.kind === 'newer') throw new NewerSchemaError(file, found.version);
  // Corrupt: recheck and move aside under the lock (a writer may just have replaced it).
  const result = await updateSessionsFile(file, () => undefined, options);
  return result.data;
}
