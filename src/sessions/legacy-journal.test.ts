import { appendFileSync, copyFileSync, existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { tempDirsPerTest } from '../../test/helpers/temp-dirs.js';
import { JsonFileBackend } from './json-file-backend.js';
import { storeDataOf, type SessionRecord } from './session-records.js';
import { parseRecord, parseSessionsFile } from './sessions-file-format.js';
import { NewerSchemaError } from './sessions-backend.js';
import { SessionStore } from '../state/session-store.js';

// sessions.json and sessions.json.journal exactly as the version that kept a journal left them
// (test/fixtures/sessions-journal-v1, made by that version's own recorder): the store folds them
// into sessions.json on first start, losing nothing, and the journal is gone.

const fixture = (name: string) => new URL(`../../test/fixtures/sessions-journal-v1/${name}`, import.meta.url);
// As this version reads a v1 record (its usage as one unpriced bucket, its client told by its id).
const expected = (JSON.parse(readFileSync(fixture('expected-sessions.json'), 'utf8')) as unknown[]).map((raw) => parseRecord(raw)!);

const tempDir = tempDirsPerTest('cb-legacy-journal-');
let home: string;
let file: string;
let journal: string;
let warnings: string[];
beforeEach(() => {
  home = tempDir();
  file = path.join(home, 'sessions.json');
  journal = `${file}.journal`;
  warnings = [];
  copyFileSync(fixture('sessions.json'), file);
  copyFileSync(fixture('sessions.json.journal'), journal);
});

const backend = () => new JsonFileBackend(file, { warn: (line) => warnings.push(line) });
/** sessions.json as it is on disk. */
const onDiskData = () => {
  const parsed = parseSessionsFile(readFileSync(file, 'utf8'));
  if (parsed.kind !== 'ok') throw new Error(parsed.kind);
  return parsed.data;
};
const onDisk = () => onDiskData().sessions;
const fixtureLines = () => readFileSync(fixture('sessions.json.journal'), 'utf8').split('\n');
const byId = (sessions: SessionRecord[]) => Object.fromEntries(sessions.map((s) => [s.id, s]));

describe('a journal left by an older version', () => {
  it('is folded into sessions.json on first start: every session, count, usage and store slice, and the journal is gone', async () => {
    // The fixture really spreads its sessions over both files: some only in the journal, some
    // updated there, one removed there.
    const mainOnly = byId(onDisk());
    expect(expected.filter((s) => !mainOnly[s.id]).length).toBeGreaterThan(0);
    expect(expected.some((s) => mainOnly[s.id] && mainOnly[s.id].requests !== s.requests)).toBe(true);
    expect(Object.keys(mainOnly).some((id) => !expected.some((s) => s.id === id))).toBe(true);

    const store = new SessionStore();
    store.load(await backend().load());
    expect(readdirSync(home)).toEqual(['sessions.json']);
    expect(onDisk()).toEqual(expected);
    expect(await backend().list()).toEqual(expected);
    expect(store.toJSON()).toEqual(storeDataOf(expected));
    expect(store.toJSON().responses.length).toBeGreaterThan(0);
    expect(Object.keys(store.toJSON().reasoning).length).toBeGreaterThan(0);
    expect(warnings).toEqual([]);
  });

  it('a first write on top of it keeps everything and counts nothing twice', async () => {
    const [first] = expected;
    await backend().update(new Map([[first.id, (stored) => ({ ...stored!, requests: stored!.requests + 1 })]]), 'w');
    const after = byId(onDisk());
    expect(Object.keys(after).sort()).toEqual(expected.map((s) => s.id).sort());
    for (const session of expected) expect(after[session.id].requests).toBe(session.requests + (session.id === first.id ? 1 : 0));
    expect(existsSync(journal)).toBe(false);
  });

  it('a torn last line (an append cut short) is ignored, and so is a garbled last line', async () => {
    appendFileSync(journal, '{"writeId":"torn","upsert":[{"id":"half"');
    expect(await backend().list()).toEqual(expected);
    expect(existsSync(journal)).toBe(false);

    copyFileSync(fixture('sessions.json'), file);
    writeFileSync(journal, `${fixtureLines().join('\n')}{"writeId":"torn",\u0000\u0000\n`);
    expect(await backend().list()).toEqual(expected);
    expect(readdirSync(home)).toEqual(['sessions.json']);
    expect(warnings).toEqual([]);
  });

  it('a stale journal (for another sessions.json: a compaction died before removing it) is dropped', async () => {
    const lines = fixtureLines();
    lines[0] = JSON.stringify({ version: 1, journalFor: 'some-older-write' });
    writeFileSync(journal, lines.join('\n'));
    const mainOnly = onDisk();
    expect(await backend().list()).toEqual(mainOnly);
    expect(readdirSync(home)).toEqual(['sessions.json']);
    // A journal with no sessions.json at all applies to nothing either.
    copyFileSync(fixture('sessions.json.journal'), journal);
    rmSync(file);
    expect(await backend().list()).toEqual([]);
    await backend().update(new Map([['c', () => ({ ...expected[0], id: 'c' })]]), 'w');
    expect(onDisk().map((s) => s.id)).toEqual(['c']);
    expect(readdirSync(home)).toEqual(['sessions.json']);
    expect(warnings).toEqual([]);
  });

  it('damaged lines in the middle: skipped with one warning, the journal kept aside, everything else kept', async () => {
    const lines = fixtureLines();
    lines.splice(1, 0, 'this is not json');
    writeFileSync(journal, lines.join('\n'));
    expect(await backend().list()).toEqual(expected);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/sessions\.json\.journal had 1 unreadable line, skipped; moved it to .*sessions\.json\.journal\.corrupt-/);
    const aside = readdirSync(home).filter((name) => name.startsWith('sessions.json.journal.corrupt-'));
    expect(aside).toHaveLength(1);
    expect(readFileSync(path.join(home, aside[0]), 'utf8')).toContain('this is not json');
    if (process.platform !== 'win32') expect(statSync(path.join(home, aside[0])).mode & 0o777).toBe(0o600);
    expect(existsSync(journal)).toBe(false);
    // Once.
    expect(await backend().list()).toEqual(expected);
    expect(warnings).toHaveLength(1);
  });

  it('a journal of a newer schema leaves both files untouched', async () => {
    const lines = fixtureLines();
    lines[0] = JSON.stringify({ version: 3, journalFor: JSON.parse(lines[0]).journalFor });
    writeFileSync(journal, lines.join('\n'));
    const before = [readFileSync(file, 'utf8'), readFileSync(journal, 'utf8')];
    await expect(backend().list()).rejects.toBeInstanceOf(NewerSchemaError);
    await expect(backend().update(new Map(), 'w')).rejects.toThrow(/sessions\.json\.journal was written by a newer codex-bridge/);
    expect([readFileSync(file, 'utf8'), readFileSync(journal, 'utf8')]).toEqual(before);
  });

  it('a corrupt sessions.json takes its journal aside with it (it applies to nothing else)', async () => {
    writeFileSync(file, 'garbage');
    expect(await backend().list()).toEqual([]);
    expect(warnings).toHaveLength(1);
    const names = readdirSync(home);
    const aside = names.find((name) => /^sessions\.json\.corrupt-[^.]*$/.test(name))!;
    expect(aside).toBeDefined();
    expect(names.sort()).toEqual([aside, `${aside}.journal`].sort());
  });

  it('an older bridge still running appends a journal again: the next write folds that in too', async () => {
    await backend().list(); // folded
    const { writeId } = onDiskData();
    const late = { ...expected[0], id: 'from-an-older-bridge', requests: 3 };
    writeFileSync(journal, `${JSON.stringify({ version: 1, journalFor: writeId })}\n${JSON.stringify({ writeId: 'old-1', upsert: [late], remove: [] })}\n`);
    const mine = backend();
    await mine.update(new Map([[expected[1].id, (stored) => ({ ...stored!, requests: stored!.requests + 1 })]]), 'w');
    expect(byId(onDisk())['from-an-older-bridge']).toEqual(late);
    expect(existsSync(journal)).toBe(false);
  });
});
