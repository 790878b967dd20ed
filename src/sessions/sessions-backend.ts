import { randomBytes } from 'node:crypto';
import type { SessionRecord } from './session-records.js';
import type { SessionStoreData } from '../state/session-store.js';

// Where session records are kept, behind one small interface, so that the recorder, the `sessions`
// commands and doctor don't depend on how: one JSON file (json-file-backend.ts), or the Redis shared
// by `serve --store` replicas (redis/redis-sessions-backend.ts), chosen in open-sessions-backend.ts.

/** One-line warnings (default: stderr, prefixed "codex-bridge: "). */
export type Warn = (line: string) => void;

export const stderrWarn: Warn = (line) => process.stderr.write(`codex-bridge: ${line}\n`);

/** A random name for one write (SessionsBackend.update). */
export const newWriteId = () => randomBytes(9).toString('base64url');

/** New records for some conversations, by id: each gets its stored record (undefined: none yet) and returns what to keep (undefined: nothing). */
export type SessionChanges = ReadonlyMap<string, (stored: SessionRecord | undefined) => SessionRecord | undefined>;

/** What doctor shows. */
export interface BackendCheck {
  level: 'ok' | 'warn' | 'fail';
  detail: string;
  fix?: string;
}

export interface SessionsBackend {
  /** Where the sessions are kept, for messages (a path). */
  readonly location: string;
  /** What a restarted bridge continues conversations from: the SessionStore data of every session. */
  load(): Promise<SessionStoreData>;
  /** Every session, newest first. */
  list(): Promise<SessionRecord[]>;
  /**
   * Applies `changes` together, read-merge-write against what other processes wrote meanwhile, as the
   * write named `writeId`; then the oldest sessions beyond the backend's caps go.
   */
  update(changes: SessionChanges, writeId: string): Promise<void>;
  /** Removes the sessions whose ids `select` returns, given all of them (if it throws, none is removed). */
  remove(select: (sessions: readonly SessionRecord[]) => Iterable<string>): Promise<{ removed: number; left: number }>;
  /**
   * `update`, synchronously, for process exit (which skips promises). `changes` is told whether the
   * write named some writeId (one the exit interrupted) has landed. Left out by a backend that cannot.
   */
  updateOnExit?(changes: (landed: (writeId: string) => boolean) => SessionChanges, writeId: string): void;
  /** The state of the store for doctor, repairing nothing. */
  check(): Promise<BackendCheck>;
  /** The sessions written since `sinceMs`, by anyone (a shared store: other replicas too). */
  recent?(sinceMs: number): Promise<SessionRecord[]>;
  /** Lets go of its connection (a backend that holds none leaves it out). */
  close?(): Promise<void>;
}

/** The store was written by a newer codex-bridge: it is left untouched. */
export class NewerSchemaError extends Error {
  override name = 'NewerSchemaError';
  constructor(
    readonly location: string,
    readonly version: number,
    known: number,
  ) {
    super(
      `${location} was written by a newer codex-bridge (sessions schema v${version}; this one knows v${known}); it is left untouched — upgrade codex-bridge to use it`,
    );
  }
}
