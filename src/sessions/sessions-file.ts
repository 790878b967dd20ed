import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  constants,
  fstatSync,
  fsyncSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { chmod, open, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { acquireLock, acquireLockSync, processAlive, type LockOptions } from './file-lock.js';
import {
  diffSessions,
  journalHeader,
  parseJournalEntry,
  parseJournalHeader,
  parseSessionsFile,
  replayJournal,
  serializeJournalEntry,
  serializeSessionsFile,
  SESSIONS_SCHEMA_VERSION,
  type JournalEntry,
  type SessionsFileData,
} from './session-records.js';
import { ensurePrivateDirectory } from './sessions-home.js';

// sessions.json on disk: read (a missing file is empty, a corrupt one is moved aside), and
// read-merge-write under the lock. sessions.json itself is only ever replaced atomically (temp file
// in the same directory, fsync, rename), so a reader or a kill -9 never sees half a file. Rewriting
// it all takes ~15 ms at 500 sessions, so the recorder's flushes append what they changed to
// sessions.json.journal instead (one line each, fdatasync'd): readers replay it on top, and it is
// folded back into sessions.json (compaction) once it grows, on close, and on exit. A file written
// by a newer codex-bridge is never overwritten.

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
  /** Stamped into the file (or the journal line) as `writeId` (default: random). */
  writeId?: string;
  /** Called as soon as the write is in place (durably), before the lock is released. */
  onWritten?: () => void;
  /**
   * Data this process last read or wrote. If sessions.json still has its size and starts with its
   * writeId (every rewrite stamps a fresh one), and the journal is as it was left, it is used as is
   * instead of reading and parsing the whole file again; if only others' journal lines were added,
   * just those are read. A steady stream of flushes then costs only what changed.
   */
  known?: SessionsFileData;
  /**
   * The change may be appended to the journal instead of rewriting sessions.json (the recorder's
   * flushes). Without it, every write rewrites sessions.json and removes the journal.
   */
  append?: boolean;
  /** Rewrite sessions.json and remove the journal even when `mutate` changes nothing (close, exit). */
  compact?: boolean;
  /** Journal size past which an append compacts instead (default: half of sessions.json, at least 256 KiB). */
  journalLimitBytes?: number;
}

export const emptySessions = (): SessionsFileData => ({ version: SESSIONS_SCHEMA_VERSION, sessions: [] });

const lockPathOf = (file: string) => `${file}.lock`;

/** The journal of sessions.json: what flushes appended since it was last rewritten. */
export const journalPathOf = (file: string) => `${file}.journal`;

/** Below this the journal is never compacted for size: rewriting a small sessions.json every few flushes would cost more than it saves. */
export const JOURNAL_MIN_BYTES = 256 * 1024;

const journalLimit = (mainBytes: number, options: SessionsFileOptions) => options.journalLimitBytes ?? Math.max(JOURNAL_MIN_BYTES, mainBytes / 2);

/** Which file that was: sessions.json is only ever replaced by a rename (a new inode) or edited by hand (a new mtime or size). */
interface FileIdentity {
  ino: number;
  size: number;
  mtimeMs: number;
}

const identityOf = (stats: FileIdentity): FileIdentity => ({ ino: stats.ino, size: stats.size, mtimeMs: stats.mtimeMs });
const sameFile = (a: FileIdentity, b: FileIdentity) => a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs;

/** What a data object was read from or written as (see catchUp). */
interface OnDisk {
  main: FileIdentity;
  mainWriteId: string | undefined;
  /** The journal applied on top; undefined: none. */
  journal: { ino: number; bytes: number; clean: boolean } | undefined;
  /** writeIds of sessions.json and of every journal line applied. */
  writeIds: string[];
}

const onDisk = new WeakMap<SessionsFileData, OnDisk>();

type RawRead = { kind: 'text'; text: string; identity: FileIdentity } | { kind: 'missing' } | { kind: 'unreadable'; reason: string };

function classifyReadError(error: unknown): RawRead {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return { kind: 'missing' };
  return { kind: 'unreadable', reason: code ?? (error as Error).message };
}

function readRawSync(file: string): RawRead {
  try {
    const fd = openSync(file, 'r');
    try {
      const identity = identityOf(fstatSync(fd));
      return { kind: 'text', text: readFileSync(fd, 'utf8'), identity };
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    return classifyReadError(error);
  }
}

async function readRaw(file: string): Promise<RawRead> {
  try {
    const handle = await open(file, 'r');
    try {
      // The identity of the very file read, whatever replaces it meanwhile.
      const identity = identityOf(await handle.stat());
      return { kind: 'text', text: await handle.readFile('utf8'), identity };
    } finally {
      await handle.close();
    }
  } catch (error) {
    return classifyReadError(error);
  }
}

type Interpreted =
  | { kind: 'ok'; data: SessionsFileData; disk: OnDisk }
  | { kind: 'missing' }
  | { kind: 'newer'; version: number }
  | { kind: 'corrupt'; reason: string };

function interpret(raw: RawRead): Interpreted {
  if (raw.kind === 'missing') return raw;
  if (raw.kind === 'unreadable') return { kind: 'corrupt', reason: `unreadable: ${raw.reason}` };
  const parsed = parseSessionsFile(raw.text);
  if (parsed.kind !== 'ok') return parsed;
  const { data } = parsed;
  const disk: OnDisk = {
    main: raw.identity,
    mainWriteId: data.writeId,
    journal: undefined,
    writeIds: data.writeId ? [data.writeId] : [],
  };
  onDisk.set(data, disk);
  return { kind: 'ok', data, disk };
}

// ---------- the journal ----------

interface JournalRaw {
  ino: number;
  /** Its bytes from the offset asked for to the end. */
  buffer: Buffer;
}

interface JournalScan {
  entries: JournalEntry[];
  /** The last line is incomplete or unreadable: an append cut short (kill -9, power loss), or one in progress. */
  torn: boolean;
  /** Complete lines before the last that are not journal entries: damage. */
  bad: number;
}

/** Splits journal bytes into entries; only complete lines ("\n"-terminated) count. From the start, the first line is the header (see judgeJournal). */
function scanJournal(buffer: Buffer, fromStart: boolean): JournalScan {
  const lastNewline = buffer.lastIndexOf(0x0a);
  const lines = lastNewline < 0 ? [] : buffer.toString('utf8', 0, lastNewline).split('\n');
  const scan: JournalScan = { entries: [], torn: lastNewline + 1 < buffer.length, bad: 0 };
  if (fromStart) lines.shift();
  lines.forEach((line, i) => {
    const entry = parseJournalEntry(line);
    if (entry) scan.entries.push(entry);
    else if (i === lines.length - 1 && !scan.torn) scan.torn = true;
    else scan.bad++;
  });
  return scan;
}

async function readJournal(journal: string, from: number): Promise<JournalRaw | undefined> {
  let handle: FileHandle;
  try {
    handle = await open(journal, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const { ino, size } = await handle.stat();
    const buffer = Buffer.alloc(Math.max(0, size - from));
    let got = 0;
    while (got < buffer.length) {
      const { bytesRead } = await handle.read(buffer, got, buffer.length - got, from + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    return { ino, buffer: buffer.subarray(0, got) };
  } finally {
    await handle.close();
  }
}

function readJournalSync(journal: string): JournalRaw | undefined {
  let fd: number;
  try {
    fd = openSync(journal, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const { ino, size } = fstatSync(fd);
    const buffer = Buffer.alloc(size);
    let got = 0;
    while (got < buffer.length) {
      const bytesRead = readSync(fd, buffer, got, buffer.length - got, got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    return { ino, buffer: buffer.subarray(0, got) };
  } finally {
    closeSync(fd);
  }
}

/** `data` (what `disk` describes) with journal lines read from `from` (0: the whole journal, header first) replayed on top. */
function applyJournal(data: SessionsFileData, disk: OnDisk, raw: JournalRaw, from: number): { data: SessionsFileData; disk: OnDisk; bad: number } {
  const scan = scanJournal(raw.buffer, from === 0);
  // Stamped with the last write applied, as a file is with the write that produced it.
  const writeId = scan.entries.at(-1)?.writeId ?? data.writeId;
  const merged: SessionsFileData = { version: data.version, ...(writeId !== undefined && { writeId }), sessions: replayJournal(data.sessions, scan.entries) };
  const mergedDisk: OnDisk = {
    ...disk,
    journal: { ino: raw.ino, bytes: from + raw.buffer.length, clean: !scan.torn && scan.bad === 0 },
    writeIds: [...disk.writeIds, ...scan.entries.map((entry) => entry.writeId)],
  };
  onDisk.set(merged, mergedDisk);
  return { data: merged, disk: mergedDisk, bad: scan.bad };
}

type JournalVerdict = { kind: 'applies' } | { kind: 'stale' } | { kind: 'newer'; version: number };

/** Whether a journal read from its start belongs to the sessions.json stamped `base`. */
function judgeJournal(raw: JournalRaw, base: string | undefined): JournalVerdict {
  const newline = raw.buffer.indexOf(0x0a);
  const header = newline < 0 ? ({ kind: 'invalid' } as const) : parseJournalHeader(raw.buffer.toString('utf8', 0, newline));
  if (header.kind === 'newer') return header;
  return header.kind === 'ok' && base !== undefined && header.base === base ? { kind: 'applies' } : { kind: 'stale' };
}

function removeQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // already gone
  }
}

// ---------- sessions.json: moving aside, modes, atomic replace ----------

function timestamp(): string {
  return new Date().toISOString().replace(/[:.]/g, '-');
}

/** Moves a damaged file to <file>.corrupt-<time> (kept for the curious, 0600); returns where. */
function moveAsideQuietly(file: string): string {
  let aside = `${file}.corrupt-${timestamp()}`;
  if (statSync(aside, { throwIfNoEntry: false })) aside += `-${process.pid}-${randomBytes(2).toString('hex')}`;
  renameSync(file, aside);
  try {
    chmodSync(aside, 0o600);
  } catch {
    // a directory, or not ours: the move is what matters
  }
  return aside;
}

/** Moves a corrupt sessions.json aside and says where; its journal (if any) goes next to it, as it applies to nothing else. */
function moveAside(file: string, reason: string, warn: Warn): void {
  const aside = moveAsideQuietly(file);
  try {
    renameSync(journalPathOf(file), `${aside}.journal`);
  } catch {
    // no journal
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

function writeAtomicSync(file: string, bytes: Buffer): FileIdentity {
  const temp = tempNameFor(file);
  const fd = openSync(temp, 'wx', 0o600);
  let identity: FileIdentity;
  try {
    try {
      writeSync(fd, bytes);
      if (process.platform !== 'win32') chmodSync(temp, 0o600);
      fsyncSync(fd);
      identity = identityOf(fstatSync(fd));
    } finally {
      closeSync(fd);
    }
    renameSync(temp, file);
  } catch (error) {
    removeQuietly(temp);
    throw error;
  }
  syncDirectory(path.dirname(file));
  return identity;
}

/** Returns the identity the file now has (a rename keeps inode and mtime). */
async function writeAtomic(file: string, bytes: Buffer): Promise<FileIdentity> {
  const temp = tempNameFor(file);
  const handle = await open(temp, 'wx', 0o600);
  let identity: FileIdentity;
  try {
    try {
      await handle.writeFile(bytes);
      if (process.platform !== 'win32') await chmod(temp, 0o600);
      await handle.sync();
      identity = identityOf(await handle.stat());
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  } catch (error) {
    await unlink(temp).catch(() => {});
    throw error;
  }
  await syncDirectoryAsync(path.dirname(file));
  return identity;
}

/** The same off the event loop (a directory fsync takes milliseconds). */
async function syncDirectoryAsync(directory: string): Promise<void> {
  if (process.platform === 'win32') return;
  try {
    const handle = await open(directory, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // ignore
  }
}

/** So a rename or a new file itself survives a power cut. Best effort: not every platform can fsync a directory. */
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

// ---------- read-merge-write ----------

/** Result of one read-merge-write. */
export interface UpdateResult {
  /** The data now in the file and its journal (or what was there, when `mutate` chose not to write). */
  data: SessionsFileData;
  /** The file as found before the update, journal replayed (undefined if missing or moved aside). */
  before: SessionsFileData | undefined;
  /** `mutate`'s data was written. */
  written: boolean;
  /** It was appended to the journal (false: sessions.json was rewritten, or nothing was written). */
  appended: boolean;
  /** sessions.json was rewritten and the journal removed (for `mutate`'s data, or only to compact). */
  compacted: boolean;
}

/** What `mutate` is told besides the data: which writes the file and its journal hold. */
export interface FileHistory {
  /** writeIds of sessions.json and of every journal line applied: an exit handler's way to tell whether its interrupted write landed. */
  writeIds: ReadonlySet<string>;
}

/**
 * What `mutate` gets: the file's current data, journal replayed (empty if there is none; a corrupt
 * file has been moved aside). It returns the new data to write, or undefined to leave the file as it is.
 */
export type Mutate = (current: SessionsFileData, before: SessionsFileData | undefined, history: FileHistory) => SessionsFileData | undefined;

/** What a writer found under the lock. */
interface Found {
  data: SessionsFileData | undefined;
  disk: OnDisk | undefined;
  /** Damaged journal lines skipped (the journal is kept aside by the compaction that follows). */
  bad: number;
}

function stamp(data: SessionsFileData, writeId: string | undefined): SessionsFileData {
  return { ...data, version: SESSIONS_SCHEMA_VERSION, writeId: writeId ?? randomBytes(9).toString('base64url') };
}

const statOrNot = (file: string) => stat(file).catch(() => undefined);

/**
 * Under the lock, `known` brought up to date cheaply if sessions.json is the one it came from (every
 * writer replaces it by a rename, so a rewrite is a new inode; a hand edit changes size or mtime):
 * as is if the journal is as it was left, with only the new lines replayed if others appended.
 * Undefined: read everything.
 */
async function catchUp(file: string, known: SessionsFileData | undefined): Promise<Found | undefined> {
  const disk = known && onDisk.get(known);
  if (!known || !disk) return undefined;
  const journal = journalPathOf(file);
  // Synchronous, like the lock's own file operations: two stats of cached inodes take microseconds,
  // a round trip to the thread pool costs a scheduling delay on a busy machine.
  const main = statSync(file, { throwIfNoEntry: false });
  const now = statSync(journal, { throwIfNoEntry: false });
  if (!main || !sameFile(identityOf(main), disk.main)) return undefined;
  if (!now) return disk.journal ? undefined : { data: known, disk, bad: 0 };
  if (!disk.journal) {
    // Someone else started a journal on this sessions.json.
    const raw = await readJournal(journal, 0);
    if (!raw || judgeJournal(raw, disk.mainWriteId).kind !== 'applies') return undefined;
    return applyJournal(known, disk, raw, 0);
  }
  if (now.ino !== disk.journal.ino || !disk.journal.clean || now.size < disk.journal.bytes) return undefined;
  if (now.size === disk.journal.bytes) return { data: known, disk, bad: 0 };
  const raw = await readJournal(journal, disk.journal.bytes);
  return raw && raw.ino === disk.journal.ino ? applyJournal(known, disk, raw, disk.journal.bytes) : undefined;
}

/** The main file as read (newer: throws; corrupt: moved aside), and its journal: applied, or removed if stale. */
function settle(file: string, main: Interpreted, journalRaw: () => JournalRaw | undefined, warn: Warn): Found {
  if (main.kind === 'newer') throw new NewerSchemaError(file, main.version);
  if (main.kind === 'corrupt') {
    moveAside(file, main.reason, warn);
    return { data: undefined, disk: undefined, bad: 0 };
  }
  const journal = journalPathOf(file);
  const raw = journalRaw();
  if (main.kind === 'missing') {
    if (raw) removeQuietly(journal); // applies to no sessions.json
    return { data: undefined, disk: undefined, bad: 0 };
  }
  if (!raw) return { data: main.data, disk: main.disk, bad: 0 };
  const verdict = judgeJournal(raw, main.disk.mainWriteId);
  if (verdict.kind === 'newer') throw new NewerSchemaError(journal, verdict.version);
  if (verdict.kind === 'stale') {
    // Left by a compaction that did not get to remove it: sessions.json already holds all of it.
    removeQuietly(journal);
    return { data: main.data, disk: main.disk, bad: 0 };
  }
  return applyJournal(main.data, main.disk, raw, 0);
}

async function loadLocked(file: string, options: SessionsFileOptions, warn: Warn): Promise<Found> {
  const caughtUp = await catchUp(file, options.known);
  if (caughtUp) return caughtUp;
  const main = interpret(await readRaw(file));
  // Read the journal before settle (which is synchronous) when it may be needed.
  const raw = main.kind === 'ok' || main.kind === 'missing' ? await readJournal(journalPathOf(file), 0) : undefined;
  return settle(file, main, () => raw, warn);
}

function loadLockedSync(file: string, warn: Warn): Found {
  return settle(file, interpret(readRawSync(file)), () => readJournalSync(journalPathOf(file)), warn);
}

type Plan = { kind: 'none' } | { kind: 'append'; bytes: Buffer; create: boolean } | { kind: 'compact'; data: SessionsFileData };

/** Append `next` as a journal line if allowed and the journal stays small enough; else rewrite sessions.json (or nothing). */
function plan(found: Found, next: SessionsFileData | undefined, options: SessionsFileOptions, canAppend: boolean): Plan {
  const { data, disk } = found;
  const journal = disk?.journal;
  const damaged = found.bad > 0 || (journal !== undefined && !journal.clean);
  if (next && canAppend && options.append && !damaged && data && disk?.mainWriteId !== undefined) {
    const { upsert, remove } = diffSessions(data.sessions, next.sessions);
    const line = serializeJournalEntry({ writeId: next.writeId!, upsert, remove });
    const bytes = Buffer.from(journal ? line : journalHeader(disk.mainWriteId) + line);
    if ((journal?.bytes ?? 0) + bytes.length <= journalLimit(disk.main.size, options)) return { kind: 'append', bytes, create: !journal };
  }
  if (next) return { kind: 'compact', data: next };
  // A torn tail alone waits for the next write; damaged lines are repaired (and kept aside) now.
  if (data && (found.bad > 0 || (options.compact && journal))) return { kind: 'compact', data: stamp(data, undefined) };
  return { kind: 'none' };
}

async function writeAll(handle: FileHandle, bytes: Buffer): Promise<void> {
  for (let done = 0; done < bytes.length; ) done += (await handle.write(bytes, done, bytes.length - done)).bytesWritten;
}

/**
 * The journal this process appends to, kept open between flushes (two round trips to the thread pool
 * fewer per flush, each a scheduling delay on a busy machine). Used only while the path still names
 * that file (its inode, checked under the lock). Not on Windows, where a file held open cannot be
 * replaced by another process.
 */
const openJournals = new Map<string, { ino: number; handle: FileHandle }>();
const keepJournalsOpen = process.platform !== 'win32';

/** Appending, and durable on each write where the platform has O_DSYNC. Only a new journal is created: one gone meanwhile must not come back without its header. */
const appendFlags = (create: boolean) =>
  constants.O_WRONLY | constants.O_APPEND | (create ? constants.O_CREAT | constants.O_EXCL : 0) | (constants.O_DSYNC ?? 0);

function forgetJournal(journal: string): void {
  const cached = openJournals.get(journal);
  if (!cached) return;
  openJournals.delete(journal);
  void cached.handle.close().catch(() => {});
}

/** Appends one line, durably; returns the journal's inode. A failed append is cut back off, so that a retry cannot count it twice. */
async function appendJournal(journal: string, bytes: Buffer, create: boolean, before: OnDisk['journal']): Promise<number> {
  const cached = openJournals.get(journal);
  const reuse = !create && cached !== undefined && cached.ino === before?.ino;
  if (!reuse) forgetJournal(journal);
  const handle = reuse ? cached.handle : await open(journal, appendFlags(create), 0o600);
  let ino = before?.ino;
  try {
    if (create) {
      if (process.platform !== 'win32') await handle.chmod(0o600);
      ino = (await handle.stat()).ino;
    }
    // O_DSYNC: the write returns once its data and the new size are on disk (one round trip, not
    // two with a separate fdatasync). A new file needs its inode and directory entry synced too.
    await writeAll(handle, bytes);
    if (create) await handle.sync();
    else if (!constants.O_DSYNC) await handle.datasync();
  } catch (error) {
    await (create ? unlink(journal) : handle.truncate(before!.bytes)).catch(() => {});
    if (reuse) openJournals.delete(journal);
    await handle.close().catch(() => {});
    throw error;
  }
  if (create) await syncDirectoryAsync(path.dirname(journal));
  if (keepJournalsOpen) openJournals.set(journal, { ino: ino!, handle });
  else await handle.close();
  return ino!;
}

/** After sessions.json was rewritten: the journal it absorbed goes (kept aside if it had damaged lines). */
function retireJournal(file: string, found: Found, warn: Warn): void {
  const journal = journalPathOf(file);
  forgetJournal(journal);
  if (found.bad > 0) {
    try {
      const aside = moveAsideQuietly(journal);
      warn(`${journal} had ${found.bad} unreadable line${found.bad === 1 ? '' : 's'}, skipped; moved it to ${aside}`);
      return;
    } catch {
      // gone meanwhile
    }
  }
  removeQuietly(journal);
}

function compactedDisk(data: SessionsFileData, main: FileIdentity): OnDisk {
  const disk: OnDisk = { main, mainWriteId: data.writeId, journal: undefined, writeIds: [data.writeId!] };
  onDisk.set(data, disk);
  return disk;
}

function historyOf(found: Found): FileHistory {
  return { writeIds: new Set(found.disk?.writeIds ?? []) };
}

/** Read-merge-write under the lock. Throws NewerSchemaError (file untouched), LockTimeoutError, or an I/O error. */
export async function updateSessionsFile(file: string, mutate: Mutate, options: SessionsFileOptions = {}): Promise<UpdateResult> {
  const warn = options.warn ?? stderrWarn;
  ensurePrivateDirectory(path.dirname(file));
  const lock = await acquireLock(lockPathOf(file), options.lock);
  try {
    const found = await loadLocked(file, options, warn);
    const before = found.data;
    const mutated = mutate(before ?? emptySessions(), before, historyOf(found));
    const next = mutated && stamp(mutated, options.writeId);
    const step = plan(found, next, options, true);
    if (step.kind === 'none') return { data: before ?? emptySessions(), before, written: false, appended: false, compacted: false };
    if (step.kind === 'append') {
      const disk = found.disk!;
      const journal = journalPathOf(file);
      const ino = await appendJournal(journal, step.bytes, step.create, disk.journal);
      onDisk.set(next!, {
        ...disk,
        journal: { ino, bytes: (disk.journal?.bytes ?? 0) + step.bytes.length, clean: true },
        writeIds: [...disk.writeIds, next!.writeId!],
      });
      options.onWritten?.();
      return { data: next!, before, written: true, appended: true, compacted: false };
    }
    sweepTempFiles(file);
    const bytes = Buffer.from(serializeSessionsFile(step.data));
    compactedDisk(step.data, await writeAtomic(file, bytes));
    retireJournal(file, found, warn);
    if (next) options.onWritten?.();
    return { data: step.data, before, written: next !== undefined, appended: false, compacted: true };
  } finally {
    lock.release();
  }
}

/** The same, synchronously, for exit handlers: never appends (whatever is written goes into sessions.json). */
export function updateSessionsFileSync(file: string, mutate: Mutate, options: SessionsFileOptions = {}): UpdateResult {
  const warn = options.warn ?? stderrWarn;
  ensurePrivateDirectory(path.dirname(file));
  const lock = acquireLockSync(lockPathOf(file), options.lock);
  try {
    const found = loadLockedSync(file, warn);
    const before = found.data;
    const mutated = mutate(before ?? emptySessions(), before, historyOf(found));
    const next = mutated && stamp(mutated, options.writeId);
    const step = plan(found, next, options, false);
    if (step.kind !== 'compact') return { data: before ?? emptySessions(), before, written: false, appended: false, compacted: false };
    sweepTempFiles(file, options.lock?.ownPidIsStale === true);
    const bytes = Buffer.from(serializeSessionsFile(step.data));
    compactedDisk(step.data, writeAtomicSync(file, bytes));
    retireJournal(file, found, warn);
    if (next) options.onWritten?.();
    return { data: step.data, before, written: next !== undefined, appended: false, compacted: true };
  } finally {
    lock.release();
  }
}

/** Folds the journal into sessions.json, if there is one (close and exit: a bridge that is not running leaves sessions.json whole). */
export function compactSessionsFile(file: string, options: SessionsFileOptions = {}): Promise<UpdateResult> {
  return updateSessionsFile(file, () => undefined, { ...options, compact: true });
}

/**
 * For doctor: `data` (parsed from sessions.json's text) with its journal replayed, repairing and
 * removing nothing. A journal for another sessions.json (or of a newer schema) is not applied.
 */
export async function peekJournal(file: string, data: SessionsFileData): Promise<{ data: SessionsFileData; applied: boolean; bad: number }> {
  const raw = await readJournal(journalPathOf(file), 0).catch(() => undefined);
  if (!raw || judgeJournal(raw, data.writeId).kind !== 'applies') return { data, applied: false, bad: 0 };
  const scan = scanJournal(raw.buffer, true);
  return { data: { ...data, sessions: replayJournal(data.sessions, scan.entries) }, applied: true, bad: scan.bad };
}

/**
 * The sessions as they are, journal replayed: empty if there is no file. A corrupt file (or journal
 * lines) is moved aside (under the lock, after checking it still is corrupt) with a warning. Throws
 * NewerSchemaError for a file of a newer schema. Fixes the mode of a file that is not 0600.
 */
export async function readSessionsFile(file: string, options: SessionsFileOptions = {}): Promise<SessionsFileData> {
  const journal = journalPathOf(file);
  for (let attempt = 1; ; attempt++) {
    const found = interpret(await readRaw(file));
    if (found.kind === 'missing') return emptySessions();
    if (found.kind === 'newer') throw new NewerSchemaError(file, found.version);
    if (found.kind === 'corrupt') break;
    fixFileMode(file);
    let result: { data: SessionsFileData; bad: number } = { data: found.data, bad: 0 };
    const raw = await readJournal(journal, 0);
    if (raw) {
      fixFileMode(journal);
      const verdict = judgeJournal(raw, found.disk.mainWriteId);
      if (verdict.kind === 'newer') throw new NewerSchemaError(journal, verdict.version);
      // A stale journal is left for the next writer to remove, under the lock.
      if (verdict.kind === 'applies') result = applyJournal(found.data, found.disk, raw, 0);
    }
    // Without the lock, a compaction may have replaced sessions.json and removed the journal between
    // the two reads: then read again, for a consistent pair.
    if (attempt < 3) {
      const now = await statOrNot(file);
      if (!now || !sameFile(identityOf(now), found.disk.main)) continue;
    }
    if (result.bad === 0) return result.data;
    break;
  }
  // Damaged: recheck and repair under the lock (a writer may just have replaced it).
  const result = await updateSessionsFile(file, () => undefined, options);
  return result.data;
}
