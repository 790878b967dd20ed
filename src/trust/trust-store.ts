import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import type WriteFileAtomic from 'write-file-atomic';
import { configHome } from '../config/config-home.js';
import { isTrustLevel } from './trust-levels.js';

// Codex's "Trust this folder?" answers, kept by the bridge. Codex saves the answer into the active
// profile, which for `run` is a temporary one deleted when the run ends: the bridge reads it from
// there before deleting it, keeps it here, and writes every kept answer into each later profile, so
// the question is asked once per folder. The user's own config.toml is never touched.
//
// Behind a small async interface, like the sessions store (src/sessions/sessions-backend.ts), so
// that another backend can keep them too; today one JSON file, trust.json (0600, in the bridge's
// 0700 home), rewritten whole with write-file-atomic under a lock.

/** One folder's answer, as Codex wrote it under [projects."<path>"]. */
export interface TrustDecision {
  /** Absolute path of the folder (Codex's key). */
  path: string;
  /** Codex's trust_level: "trusted" or "untrusted". */
  trustLevel: string;
  /** ISO 8601: when the bridge first kept this answer (or last saw it change). */
  decidedAt: string;
}

export interface TrustStore {
  /** Where the decisions are kept, for messages. */
  readonly location: string;
  /** Every kept decision, by path. */
  list(): Promise<TrustDecision[]>;
  /** Keeps these answers (a folder's new answer replaces its old one). Returns those that were new or changed. */
  record(decisions: ReadonlyArray<{ path: string; trustLevel: string }>): Promise<TrustDecision[]>;
  /** Forgets these folders; returns the paths that were kept. */
  remove(paths: readonly string[]): Promise<string[]>;
}

export const TRUST_FILE_NAME = 'trust.json';
const TRUST_SCHEMA_VERSION = 1;

let loadedWriteFileAtomic: typeof WriteFileAtomic | undefined;
const writeFileAtomic = () => (loadedWriteFileAtomic ??= createRequire(import.meta.url)('write-file-atomic') as typeof WriteFileAtomic);

/** The file's decisions; a missing file is none. Throws a one-line Error for an unreadable or foreign file. */
async function readDecisions(file: string): Promise<TrustDecision[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new Error(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error(`${file} is not valid JSON; fix or delete it`);
  }
  const { version, folders } = (value ?? {}) as { version?: unknown; folders?: unknown };
  if (typeof version === 'number' && version > TRUST_SCHEMA_VERSION) throw new Error(`${file} was written by a newer codex-bridge; upgrade to use it`);
  if (!Array.isArray(folders)) throw new Error(`${file} has no "folders" list; fix or delete it`);
  return folders.flatMap((raw: Partial<TrustDecision> | null) =>
    raw && typeof raw.path === 'string' && path.isAbsolute(raw.path) && isTrustLevel(raw.trustLevel)
      ? [{ path: raw.path, trustLevel: raw.trustLevel, decidedAt: typeof raw.decidedAt === 'string' ? raw.decidedAt : new Date(0).toISOString() }]
      : [],
  );
}

export class JsonFileTrustStore implements TrustStore {
  constructor(readonly location: string) {}

  async list(): Promise<TrustDecision[]> {
    return (await readDecisions(this.location)).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  async record(decisions: ReadonlyArray<{ path: string; trustLevel: string }>): Promise<TrustDecision[]> {
    const wanted = decisions.filter((decision) => path.isAbsolute(decision.path) && isTrustLevel(decision.trustLevel));
    if (wanted.length === 0) return [];
    const changed: TrustDecision[] = [];
    await this.rewrite((current) => {
      const byPath = new Map(current.map((decision) => [decision.path, decision]));
      for (const { path: folder, trustLevel } of wanted) {
        if (byPath.get(folder)?.trustLevel === trustLevel) continue;
        const decision = { path: folder, trustLevel, decidedAt: new Date().toISOString() };
        byPath.set(folder, decision);
        changed.push(decision);
      }
      return changed.length > 0 ? [...byPath.values()] : undefined;
    });
    return changed;
  }

  async remove(paths: readonly string[]): Promise<string[]> {
    const removed: string[] = [];
    await this.rewrite((current) => {
      const kept = current.filter((decision) => !paths.includes(decision.path));
      removed.push(...current.filter((decision) => paths.includes(decision.path)).map((decision) => decision.path));
      return removed.length > 0 ? kept : undefined;
    });
    return removed;
  }

  /** Read-change-write under the lock; `change` returns the new list, or undefined to leave the file. */
  private async rewrite(change: (current: TrustDecision[]) => TrustDecision[] | undefined): Promise<void> {
    // Loaded for writing only: `run` reads the answers before it spawns Codex.
    const { withFileLock } = await import('../storage/file-lock.js');
    const { ensurePrivateDirectory } = await import('../storage/private-directory.js');
    ensurePrivateDirectory(path.dirname(this.location));
    await withFileLock(this.location, {}, async () => {
      const next = change(await readDecisions(this.location));
      if (!next) return;
      const folders = next.sort((a, b) => (a.path < b.path ? -1 : 1));
      await writeFileAtomic()(this.location, `${JSON.stringify({ version: TRUST_SCHEMA_VERSION, folders }, null, 2)}\n`, { mode: 0o600 });
    });
  }
}

/** This codex-bridge's trust store: trust.json beside sessions.json and config.json. */
export function openTrustStore(env: NodeJS.ProcessEnv = process.env): TrustStore {
  return new JsonFileTrustStore(path.join(configHome(env), TRUST_FILE_NAME));
}
