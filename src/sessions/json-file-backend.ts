import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, fstatSync, openSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import type WriteFileAtomic from 'write-file-atomic';
import { withFileLock, withFileLockSync, type LockOptions } from '../storage/file-lock.js';
import { legacyJournalPathOf, readLegacyJournal, replayJournal } from './legacy-journal.js';
import {
  applyCaps,
  DEFAULT_CAPS,
  SESSIONS_SCHEMA_VERSION,
  storeDataOf,
  warmRecordJson,
  type Caps,
  type SessionRecord,
  type SessionsFileData,
} from './session-records.js';
import { parseSessionsFile, SessionsFileEncoder } from './sessions-file-format.js';
import { NewerSchemaError, newWriteId, stderrWarn, type BackendCheck, type SessionChanges, type SessionsBackend, type Warn } from './sessions-backend.js';
import { ensurePrivateDirectory } from '../storage/private-directory.js';

// Every session in one JSON file, sessions.json (0600, in a 0700 directory), one record per line.
// Readers read it whole. Writers read, merge and write it under a lock (file-lock.ts), and replace it
// with write-file-atomic (temp file, fsync, rename), so a reader or a kill -9 never sees half a file.
// What this process last read or wrote is kept with the file's identity (inode, size, mtime): while
// sessions.json is still that file, nobody else wrote, and a write skips reading and parsing it
// again; with each record's JSON kept too (session-records.ts), a flush only stringifies what
// changed. A corrupt file is moved aside with a one-line warning; a file written by a newer
// codex-bridge is never overwritten; a journal left by older versions is folded in (legacy-journal.ts).

export interface JsonFileBackendOptions {
  warn?: Warn;
  caps?: Partial<Caps>;
  lock?: LockOptions;
}

/** An exit handler waits this long at most for another writer's lock (exiting is blocked meanwhile). */
const EXIT_LOCK_TIMEOUT_MS = 2_000;

const WRITE_OPTIONS = { mode: 0o600 };

/** Loaded on the first write, not at start-up: `run` reads sessions.json before spawning its command, but writes later. */
let loadedWriteFileAtomic: typeof WriteFileAtomic | undefined;
const writeFileAtomic = () => (loadedWriteFileAtomic ??= createRequire(import.meta.url)('write-file-atomic') as typeof WriteFileAtomic);

const emptySessions = (): SessionsFileData => ({ version: SESSIONS_SCHEMA_VERSION, sessions: [] });

/** sessions.json is only ever replaced by a rename (a new inode) or edited by hand (a new mtime or size). */
interface FileIdentity {
  ino: number;
  size: number;
  mtimeMs: number;
}

const identityOf = (stats: FileIdentity): FileIdentity => ({ ino: stats.ino, size: stats.size, mtimeMs: stats.mtimeMs });
const sameFile = (a: FileIdentity, b: FileIdentity) => a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs;

type Read =
  | { kind: 'ok'; data: SessionsFileData; identity: FileIdentity }
  | { kind: 'missing' }
  | { kind: 'newer'; version: number }
  | { kind: 'corrupt'; reason: string };

function interpret(text: string, identity: FileIdentity): Read {
  const parsed = parseSessionsFile(text);
  return parsed.kind === 'ok' ? { kind: 'ok', data: parsed.data, identity } : parsed;
}

function readFailed(error: unknown): Read {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT' ? { kind: 'missing' } : { kind: 'corrupt', reason: `unreadable: ${code ?? (error as Error).message}` };
}

/** The file and the identity of the very file read, whatever replaces it meanwhile. */
async function readAsync(file: string): Promise<Read> {
  try {
    const handle = await open(file, 'r');
    try {
      const identity = identityOf(await handle.stat());
      return interpret(await handle.readFile('utf8'), identity);
    } finally {
      await handle.close();
    }
  } catch (error) {
    return readFailed(error);
  }
}

function readSync(file: string): Read {
  try {
    const fd = openSync(file, 'r');
    try {
      const identity = identityOf(fstatSync(fd));
      return interpret(readFileSync(fd, 'utf8'), identity);
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    return readFailed(error);
  }
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

function removeQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // already gone
  }
}

/** Moves a damaged file to <file>.corrupt-<time> (kept for the curious, 0600); returns where. */
function moveAside(file: string): string {
  let aside = `${file}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  if (statSync(aside, { throwIfNoEntry: false })) aside += `-${process.pid}-${randomBytes(2).toString('hex')}`;
  renameSync(file, aside);
  fixFileMode(aside);
  return aside;
}

/** Under the lock: sessions.json as it is now. */
interface Current {
  data: SessionsFileData;
  /** A journal of an older version was replayed into `data`: write it even if nothing else changed, then retire the journal. */
  folded?: { bad: number };
}

export class JsonFileBackend implements SessionsBackend {
  readonly location: string;
  private readonly journal: string;
  private readonly warn: Warn;
  private readonly caps: Caps;
  private readonly lock: LockOptions;
  /** What this object last read or wrote, and the identity of the file that was. */
  private known: { data: SessionsFileData; identity: FileIdentity } | undefined;
  /** This object's last write, set the moment it landed (before the lock is released). */
  private lastWriteId: string | undefined;
  private swept = false;
  /** Its buffer is only written from under the lock, one write at a time (the exit handler uses its own). */
  private readonly encoder = new SessionsFileEncoder();

  constructor(
    readonly file: string,
    options: JsonFileBackendOptions = {},
  ) {
    this.location = file;
    this.journal = legacyJournalPathOf(file);
    this.warn = options.warn ?? stderrWarn;
    this.caps = { ...DEFAULT_CAPS, ...options.caps };
    this.lock = { onCompromised: () => this.warn(`${file}.lock was taken over while this process held it (its event loop stalled)`), ...options.lock };
  }

  async list(): Promise<SessionRecord[]> {
    fixFileMode(this.file);
    const read = await readAsync(this.file);
    if (read.kind === 'missing') return [];
    if (read.kind === 'newer') throw new NewerSchemaError(this.file, read.version, SESSIONS_SCHEMA_VERSION);
    if (read.kind === 'ok' && !statSync(this.journal, { throwIfNoEntry: false })) {
      this.known = { data: read.data, identity: read.identity };
      return read.data.sessions;
    }
    // Damaged, or an older version's journal to fold in: under the lock (a writer may just have replaced it).
    return (await this.write(() => undefined)).sessions;
  }

  async load() {
    const sessions = await this.list();
    // So that the first flush does not stringify every record in one go.
    warmRecordJson(sessions);
    return storeDataOf(sessions);
  }

  async update(changes: SessionChanges, writeId: string): Promise<void> {
    await this.write((current) => this.apply(current, changes), writeId);
  }

  async remove(select: (sessions: readonly SessionRecord[]) => Iterable<string>): Promise<{ removed: number; left: number }> {
    let removed = 0;
    let left = 0;
    await this.write((current) => {
      const ids = new Set(select(current.sessions));
      const sessions = current.sessions.filter((session) => !ids.has(session.id));
      removed = current.sessions.length - sessions.length;
      left = sessions.length;
      return removed === 0 ? undefined : { ...current, sessions };
    });
    return { removed, left };
  }

  updateOnExit(changes: (landed: (writeId: string) => boolean) => SessionChanges, writeId: string): void {
    ensurePrivateDirectory(path.dirname(this.file));
    const timeoutMs = Math.min(this.lock.timeoutMs ?? EXIT_LOCK_TIMEOUT_MS, EXIT_LOCK_TIMEOUT_MS);
    withFileLockSync(this.file, { ...this.lock, timeoutMs }, () => {
      const current = this.current();
      // An async write caught by the exit either landed before it (this object saw it, or the file
      // carries its writeId: nobody else could write while it held the lock) or did not happen.
      const landed = (id: string) => id === this.lastWriteId || id === current.data.writeId;
      const pending = changes(landed);
      const next = this.next(current, pending.size > 0 ? this.apply(current.data, pending) : undefined, writeId);
      if (!next) return;
      writeFileAtomic().sync(this.file, new SessionsFileEncoder().encode(next), WRITE_OPTIONS);
      this.wrote(next, current);
    });
  }

  async check(): Promise<BackendCheck> {
    const file = this.file;
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return { level: 'ok', detail: `${file} (none yet)` };
      return { level: 'fail', detail: `${file} cannot be read (${code ?? (error as Error).message})`, fix: `fix its permissions (chmod 600 ${file}), or move it away` };
    }
    const parsed = parseSessionsFile(text);
    if (parsed.kind === 'newer') {
      return { level: 'fail', detail: `${file} was written by a newer codex-bridge (schema v${parsed.version})`, fix: 'upgrade codex-bridge (this one leaves the file untouched)' };
    }
    if (parsed.kind === 'corrupt') {
      return { level: 'fail', detail: `${file} is damaged (${parsed.reason})`, fix: 'codex-bridge sessions list moves it aside and starts a new one; or delete it' };
    }
    // A journal an older version left counts: the next start folds it in.
    let journal;
    try {
      journal = readLegacyJournal(file, parsed.data.writeId);
    } catch {
      journal = undefined;
    }
    const n = journal?.kind === 'applies' ? replayJournal(parsed.data.sessions, journal.entries).length : parsed.data.sessions.length;
    const found = `${file} (${n} session${n === 1 ? '' : 's'})`;
    if (journal?.kind === 'applies' && journal.bad > 0) {
      const lines = `${journal.bad} unreadable line${journal.bad === 1 ? '' : 's'}`;
      return { level: 'warn', detail: `${found}; ${this.journal} has ${lines}`, fix: 'the next write skips them and keeps that journal aside (codex-bridge sessions list does it now)' };
    }
    return { level: 'ok', detail: found };
  }

  // ---------- under the lock ----------

  /** Read-merge-write; `mutate` returns the new data, or undefined to leave the file as it is. */
  private async write(mutate: (current: SessionsFileData) => SessionsFileData | undefined, writeId = newWriteId()): Promise<SessionsFileData> {
    ensurePrivateDirectory(path.dirname(this.file));
    return withFileLock(this.file, this.lock, async () => {
      const current = this.current();
      const next = this.next(current, mutate(current.data), writeId);
      if (!next) return current.data;
      this.sweepTempFiles();
      await writeFileAtomic()(this.file, this.encoder.encode(next), WRITE_OPTIONS);
      this.wrote(next, current);
      return next;
    });
  }

  /**
   * sessions.json now: what this object knows while it is still the same file and no journal
   * appeared (an older bridge running alongside), else read (newer: throws; corrupt: moved aside,
   * with its journal). Synchronous: the parse, which is most of the cost, is on the event loop anyway.
   */
  private current(): Current {
    const journalThere = statSync(this.journal, { throwIfNoEntry: false }) !== undefined;
    const main = statSync(this.file, { throwIfNoEntry: false });
    if (this.known && main && !journalThere && sameFile(identityOf(main), this.known.identity)) return { data: this.known.data };
    const read = readSync(this.file);
    if (read.kind === 'newer') throw new NewerSchemaError(this.file, read.version, SESSIONS_SCHEMA_VERSION);
    if (read.kind === 'corrupt') {
      const aside = moveAside(this.file);
      if (journalThere) renameSync(this.journal, `${aside}.journal`); // it applies to nothing else
      this.warn(`${this.file} was unreadable (${read.reason}); moved it to ${aside} and started a new one`);
      return { data: emptySessions() };
    }
    if (read.kind === 'missing') {
      if (journalThere) removeQuietly(this.journal); // applies to no sessions.json
      return { data: emptySessions() };
    }
    this.known = { data: read.data, identity: read.identity };
    const journal = journalThere ? readLegacyJournal(this.file, read.data.writeId) : undefined;
    if (journal?.kind === 'newer') throw new NewerSchemaError(this.journal, journal.version, SESSIONS_SCHEMA_VERSION);
    if (journal?.kind !== 'applies') {
      if (journal) removeQuietly(this.journal); // stale: sessions.json already holds all of it
      return { data: read.data };
    }
    return { data: { ...read.data, sessions: replayJournal(read.data.sessions, journal.entries) }, folded: { bad: journal.bad } };
  }

  /** The data with `changes` applied, then the caps. */
  private apply(current: SessionsFileData, changes: SessionChanges): SessionsFileData {
    const byId = new Map(current.sessions.map((session) => [session.id, session]));
    for (const [id, change] of changes) {
      const record = change(byId.get(id));
      if (record) byId.set(id, record);
    }
    return { version: current.version, sessions: applyCaps([...byId.values()], this.caps) };
  }

  /** What to write, stamped: the mutated data, else a journal folded in; undefined: nothing. */
  private next(current: Current, mutated: SessionsFileData | undefined, writeId: string): SessionsFileData | undefined {
    const data = mutated ?? (current.folded ? current.data : undefined);
    return data && { version: SESSIONS_SCHEMA_VERSION, writeId, sessions: data.sessions };
  }

  /** After `data` replaced sessions.json (still under the lock). */
  private wrote(data: SessionsFileData, current: Current): void {
    this.lastWriteId = data.writeId;
    this.known = { data, identity: identityOf(statSync(this.file)) };
    if (!current.folded) return;
    if (current.folded.bad > 0) {
      const aside = moveAside(this.journal);
      const lines = `${current.folded.bad} unreadable line${current.folded.bad === 1 ? '' : 's'}`;
      this.warn(`${this.journal} had ${lines}, skipped; moved it to ${aside}`);
    } else {
      removeQuietly(this.journal);
    }
  }

  /** Temp files of writers killed mid-write (write-file-atomic's <file>.<number>, older versions' <file>.tmp-…), once a minute old. */
  private sweepTempFiles(): void {
    if (this.swept) return;
    this.swept = true;
    const directory = path.dirname(this.file);
    const prefix = `${path.basename(this.file)}.`;
    const oldEnough = Date.now() - 60_000;
    for (const name of readdirSync(directory)) {
      if (!name.startsWith(prefix) || !/^(\d+|tmp-.+)$/.test(name.slice(prefix.length))) continue;
      const full = path.join(directory, name);
      if ((statSync(full, { throwIfNoEntry: false })?.mtimeMs ?? Infinity) < oldEnough) removeQuietly(full);
    }
  }
}
