import { readFileSync } from 'node:fs';
import { newestFirst, SESSIONS_SCHEMA_VERSION, type SessionRecord } from './session-records.js';
import { parseRecord } from './sessions-file-format.js';

// sessions.json.journal, which codex-bridge up to commit cba3eab appended its flushes to instead of
// rewriting sessions.json. Only read now: the store folds a journal such a version left (a crash, or
// an older bridge still running) into sessions.json and removes it. Its first line names the
// sessions.json it applies to, by that file's writeId; every later line is one flush: the full
// records it changed (replacing those of the same id) and the ids it removed.

export const legacyJournalPathOf = (file: string) => `${file}.journal`;

/** One flush, as a journal line holds it. */
interface JournalEntry {
  writeId: string;
  upsert: SessionRecord[];
  remove: string[];
}

export type LegacyJournal =
  /** `entries` replayed on top of sessions.json give the sessions; `bad` complete lines were unreadable (damage). */
  | { kind: 'applies'; entries: JournalEntry[]; bad: number }
  /** For another sessions.json (a compaction died before removing it): sessions.json already holds it all. */
  | { kind: 'stale' }
  | { kind: 'newer'; version: number };

type Header = { kind: 'ok'; base: string } | { kind: 'newer'; version: number } | { kind: 'invalid' };

function parseHeader(line: string): Header {
  try {
    const value = JSON.parse(line) as { version?: unknown; journalFor?: unknown } | null;
    if (value && typeof value.version === 'number' && typeof value.journalFor === 'string') {
      return value.version > SESSIONS_SCHEMA_VERSION ? { kind: 'newer', version: value.version } : { kind: 'ok', base: value.journalFor };
    }
  } catch {
    // a torn first write, or not ours
  }
  return { kind: 'invalid' };
}

function parseEntry(line: string): JournalEntry | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (!value || typeof value !== 'object') return undefined;
  const { writeId, upsert, remove } = value as { writeId?: unknown; upsert?: unknown; remove?: unknown };
  if (typeof writeId !== 'string' || !Array.isArray(upsert) || !Array.isArray(remove)) return undefined;
  return {
    writeId,
    upsert: upsert.map(parseRecord).filter((record): record is SessionRecord => record !== undefined),
    remove: remove.filter((id): id is string => typeof id === 'string'),
  };
}

/**
 * The journal's text judged against sessions.json's writeId. Only complete ("\n"-terminated) lines
 * count, and an unreadable last line is an append cut short (kill -9, power loss), not damage.
 */
export function parseLegacyJournal(text: string, base: string | undefined): LegacyJournal {
  const lastNewline = text.lastIndexOf('\n');
  const lines = lastNewline < 0 ? [] : text.slice(0, lastNewline).split('\n');
  const header = lines.length > 0 ? parseHeader(lines.shift()!) : ({ kind: 'invalid' } as const);
  if (header.kind === 'newer') return header;
  if (header.kind !== 'ok' || base === undefined || header.base !== base) return { kind: 'stale' };
  const journal: LegacyJournal = { kind: 'applies', entries: [], bad: 0 };
  const cutShort = lastNewline + 1 < text.length;
  lines.forEach((line, i) => {
    const entry = parseEntry(line);
    if (entry) journal.entries.push(entry);
    else if (i < lines.length - 1 || cutShort) journal.bad++;
  });
  return journal;
}

/** The journal next to sessions.json, judged against its writeId; undefined if there is none. */
export function readLegacyJournal(file: string, base: string | undefined): LegacyJournal | undefined {
  let text: string;
  try {
    text = readFileSync(legacyJournalPathOf(file), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  return parseLegacyJournal(text, base);
}

/** The sessions after these entries, in order; newest first. */
export function replayJournal(sessions: readonly SessionRecord[], entries: readonly JournalEntry[]): SessionRecord[] {
  const byId = new Map(sessions.map((record) => [record.id, record]));
  for (const entry of entries) {
    for (const id of entry.remove) byId.delete(id);
    for (const record of entry.upsert) byId.set(record.id, record);
  }
  return newestFirst([...byId.values()]);
}
