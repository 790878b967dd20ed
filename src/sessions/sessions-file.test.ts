import { appendFileSync, chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { tempDirsPerTest } from '../../test/helpers/temp-dirs.js';
import { journalHeader, parseSessionsFile, serializeJournalEntry, type SessionRecord, type SessionsFileData } from './session-records.js';
import {
  compactSessionsFile,
  JOURNAL_MIN_BYTES,
  journalPathOf,
  NewerSchemaError,
  readSessionsFile,
  updateSessionsFile,
  updateSessionsFileSync,
} from './sessions-file.js';
import { ensurePrivateDirectory, sessionsFilePath, sessionsHome } from './sessions-home.js';

const tempDir = tempDirsPerTest('cb-sessions-file-');
let root: string;
let home: string;
let file: string;
let warnings: string[];
const warn = (line: string) => warnings.push(line);
beforeEach(() => {
  root = tempDir();
  home = path.join(root, 'home');
  file = sessionsFilePath(home);
  warnings = [];
});

const record = (id: string): SessionRecord => ({
  id,
  title: 't',
  model: 'm',
  upstream: 'h',
  cwd: null,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  requests: 1,
  usage: { inputTokens: 1, outputTokens: 2, cachedTokens: 0, reasoningTokens: 0 },
});

const mode = (p: string) => statSync(p).mode & 0o777;
const posix = process.platform !== 'win32';

describe('where the file lives', () => {
  it('is $CODEX_BRIDGE_HOME/sessions.json, else the platform config dir for codex-bridge', () => {
    expect(sessionsHome({ CODEX_BRIDGE_HOME: '/opt/cb' })).toBe('/opt/cb');
    expect(sessionsHome({ CODEX_BRIDGE_HOME: 'rel' })).toBe(path.resolve('rel'));
    const fallback = sessionsHome({});
    expect(path.basename(fallback)).toBe('codex-bridge');
    if (process.platform === 'linux') {
      expect(fallback).toBe(path.join(process.env.XDG_CONFIG_HOME || path.join(process.env.HOME ?? '', '.config'), 'codex-bridge'));
    }
  });

  it.runIf(posix)('refuses to tighten a shared sticky directory such as /tmp', () => {
    const shared = path.join(root, 'shared');
    mkdirSync(shared);
    chmodSync(shared, 0o1777);
    expect(() => ensurePrivateDirectory(shared)).toThrow(/shared directory/);
    expect(statSync(shared).mode & 0o7777).toBe(0o1777);
  });
});

describe.runIf(posix)('modes', () => {
  it('creates the directory 0700 and the file 0600, whatever the umask', async () => {
    const previous = process.umask(0o277);
    try {
      await updateSessionsFile(file, (current) => ({ ...current, sessions: [record('a')] }), { warn });
    } finally {
      process.umask(previous);
    }
    expect(mode(home)).toBe(0o700);
    expect(mode(file)).toBe(0o600);
  });

  it('fixes a directory and a file that were wider', async () => {
    mkdirSync(home, { mode: 0o755 });
    chmodSync(home, 0o755);
    writeFileSync(file, JSON.stringify({ version: 1, sessions: [record('a')] }), { mode: 0o644 });
    chmodSync(file, 0o644);
    expect((await readSessionsFile(file, { warn })).sessions).toHaveLength(1);
    expect(mode(file)).toBe(0o600);
    await updateSessionsFile(file, (current) => ({ ...current, sessions: [...current.sessions, record('b')] }), { warn });
    expect(mode(home)).toBe(0o700);
    expect(mode(file)).toBe(0o600);
  });
});

describe('reading and updating', () => {
  it('a missing file reads as empty and is not created by reading', async () => {
    expect(await readSessionsFile(file, { warn })).toEqual({ version: 1, sessions: [] });
    expect(existsSync(file)).toBe(false);
  });

  it('read-merge-write keeps what is there, leaves no temp or lock file behind', async () => {
    await updateSessionsFile(file, (current) => ({ ...current, sessions: [record('a')] }), { warn });
    updateSessionsFileSync(file, (current) => ({ ...current, sessions: [...current.sessions, record('b')] }), { warn });
    const result = await updateSessionsFile(file, () => undefined, { warn });
    expect(result.written).toBe(false);
    expect((await readSessionsFile(file)).sessions.map((s) => s.id).sort()).toEqual(['a', 'b']);
    expect(readdirSync(home)).toEqual(['sessions.json']);
    expect(warnings).toEqual([]);
  });

  it('a corrupt file is moved aside with one warning naming where, and a new file works', async () => {
    mkdirSync(home, { recursive: true });
    writeFileSync(file, '{"version":1,"sessions":[{"id":"half');
    const data = await readSessionsFile(file, { warn });
    expect(data.sessions).toEqual([]);
    const aside = readdirSync(home).filter((name) => name.startsWith('sessions.json.corrupt-'));
    expect(aside).toHaveLength(1);
    expect(readFileSync(path.join(home, aside[0]), 'utf8')).toBe('{"version":1,"sessions":[{"id":"half');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).not.toContain('\n');
    expect(warnings[0]).toContain(path.join(home, aside[0]));
    expect(existsSync(file)).toBe(false);

    await updateSessionsFile(file, (current) => ({ ...current, sessions: [record('fresh')] }), { warn });
    expect((await readSessionsFile(file, { warn })).sessions.map((s) => s.id)).toEqual(['fresh']);
    expect(warnings).toHaveLength(1);
  });

  it('an update over a corrupt file moves it aside too, then writes', async () => {
    mkdirSync(home, { recursive: true });
    writeFileSync(file, 'garbage');
    const result = await updateSessionsFile(file, (current) => ({ ...current, sessions: [...current.sessions, record('x')] }), { warn });
    expect(result.before).toBeUndefined();
    expect(readdirSync(home).some((name) => name.startsWith('sessions.json.corrupt-'))).toBe(true);
    expect((await readSessionsFile(file)).sessions.map((s) => s.id)).toEqual(['x']);
  });

  it('a file of a newer schema is never overwritten', async () => {
    mkdirSync(home, { recursive: true });
    const newer = '{"version":2,"sessions":{"a":{}},"more":"stuff"}\n';
    writeFileSync(file, newer);
    await expect(readSessionsFile(file, { warn })).rejects.toBeInstanceOf(NewerSchemaError);
    await expect(updateSessionsFile(file, (current) => ({ ...current, sessions: [record('x')] }), { warn })).rejects.toThrow(/newer codex-bridge.*v2/);
    expect(() => updateSessionsFileSync(file, (current) => current, { warn })).toThrow(NewerSchemaError);
    expect(readFileSync(file, 'utf8')).toBe(newer);
    expect(readdirSync(home)).toEqual(['sessions.json']);
  });
});

describe('the journal', () => {
  const journal = () => journalPathOf(file);
  const journalLines = () => readFileSync(journal(), 'utf8').split('\n');
  const ids = (data: { sessions: SessionRecord[] }) => data.sessions.map((s) => s.id).sort();
  const add = (id: string, extra: Partial<SessionRecord> = {}) => (current: SessionsFileData) => ({
    ...current,
    sessions: [...current.sessions.filter((s) => s.id !== id), { ...record(id), ...extra }],
  });
  /** sessions.json as it is on disk, without its journal. */
  const mainOnly = () => {
    const parsed = parseSessionsFile(readFileSync(file, 'utf8'));
    if (parsed.kind !== 'ok') throw new Error(parsed.kind);
    return parsed.data;
  };

  it('an append writes one line per flush, with only what changed; readers replay it on top of sessions.json', async () => {
    await updateSessionsFile(file, add('a'), { warn });
    const base = mainOnly();
    const first = await updateSessionsFile(file, add('b'), { warn, append: true, writeId: 'w-b' });
    expect(first).toMatchObject({ written: true, appended: true, compacted: false });
    const second = await updateSessionsFile(file, add('a', { requests: 7 }), { warn, append: true, writeId: 'w-a', known: first.data });
    expect(second.appended).toBe(true);

    // sessions.json itself is untouched; the journal names it, then one line per flush.
    expect(mainOnly()).toEqual(base);
    const lines = journalLines();
    expect(lines).toHaveLength(4); // header, two flushes, '' after the last "\n"
    expect(lines[3]).toBe('');
    expect(JSON.parse(lines[0])).toEqual({ version: 1, journalFor: base.writeId });
    expect(JSON.parse(lines[1])).toMatchObject({ writeId: 'w-b', upsert: [{ id: 'b' }], remove: [] });
    expect(JSON.parse(lines[2])).toMatchObject({ writeId: 'w-a', upsert: [{ id: 'a', requests: 7 }], remove: [] });
    expect(JSON.parse(lines[2]).upsert).toHaveLength(1); // 'b' did not change: not repeated

    const read = await readSessionsFile(file, { warn });
    expect(ids(read)).toEqual(['a', 'b']);
    expect(read.sessions.find((s) => s.id === 'a')?.requests).toBe(7);
    // The synchronous path replays it too, and sees every write's id.
    let seen: ReadonlySet<string> = new Set();
    updateSessionsFileSync(file, (current, _before, history) => {
      expect(ids(current)).toEqual(['a', 'b']);
      seen = history.writeIds;
      return undefined;
    });
    expect([...seen].sort()).toEqual([base.writeId, 'w-a', 'w-b'].sort());
    expect(warnings).toEqual([]);
  });

  it('a removal (caps evicting, sessions rm) is a line too', async () => {
    await updateSessionsFile(file, (current) => ({ ...current, sessions: [record('a'), record('b')] }), { warn });
    const result = await updateSessionsFile(file, (current) => ({ ...current, sessions: [...current.sessions.filter((s) => s.id !== 'a'), record('c')] }), { warn, append: true });
    expect(result.appended).toBe(true);
    expect(JSON.parse(journalLines()[1])).toMatchObject({ upsert: [{ id: 'c' }], remove: ['a'] });
    expect(ids(await readSessionsFile(file))).toEqual(['b', 'c']);
  });

  it.runIf(posix)('is created 0600 whatever the umask, in the 0700 directory', async () => {
    await updateSessionsFile(file, add('a'), { warn });
    const previous = process.umask(0o277);
    try {
      await updateSessionsFile(file, add('b'), { warn, append: true });
    } finally {
      process.umask(previous);
    }
    expect(mode(journal())).toBe(0o600);
    expect(mode(home)).toBe(0o700);
  });

  it('without `append` (sessions rm, clear, prune), a write folds the journal into sessions.json and removes it', async () => {
    await updateSessionsFile(file, add('a'), { warn });
    await updateSessionsFile(file, add('b'), { warn, append: true });
    expect(existsSync(journal())).toBe(true);
    const result = await updateSessionsFile(file, add('c'), { warn });
    expect(result).toMatchObject({ written: true, appended: false, compacted: true });
    expect(existsSync(journal())).toBe(false);
    expect(ids(mainOnly())).toEqual(['a', 'b', 'c']);
    expect(mainOnly().writeId).toBe(result.data.writeId);
  });

  it('a torn last line (an append cut short) is ignored, not taken for damage; the next append does not glue onto it', async () => {
    await updateSessionsFile(file, add('a'), { warn });
    await updateSessionsFile(file, add('b'), { warn, append: true });
    const whole = readFileSync(journal(), 'utf8');
    appendFileSync(journal(), '{"writeId":"torn","upsert":[{"id":"half"'); // no "\n"
    expect(ids(await readSessionsFile(file, { warn }))).toEqual(['a', 'b']);
    expect(readFileSync(journal(), 'utf8')).toBe(`${whole}{"writeId":"torn","upsert":[{"id":"half"`); // a reader leaves it

    // A complete but unreadable last line (a power cut can leave garbage there) counts as torn too.
    writeFileSync(journal(), `${whole}{"writeId":"torn",\u0000\u0000\n`);
    expect(ids(await readSessionsFile(file, { warn }))).toEqual(['a', 'b']);
    let seen: ReadonlySet<string> = new Set();
    updateSessionsFileSync(file, (_current, _before, history) => {
      seen = history.writeIds;
      return undefined;
    });
    expect(seen.has('torn')).toBe(false); // an exit handler would write that batch again

    // The next flush under the lock rewrites sessions.json instead of appending after the torn line.
    const result = await updateSessionsFile(file, add('c'), { warn, append: true });
    expect(result).toMatchObject({ appended: false, compacted: true });
    expect(existsSync(journal())).toBe(false);
    expect(ids(mainOnly())).toEqual(['a', 'b', 'c']);
    expect(warnings).toEqual([]);
    expect(readdirSync(home).filter((name) => name.includes('corrupt'))).toEqual([]);
  });

  it('a stale journal (for another sessions.json: a compaction died before removing it) is ignored, and removed under the lock', async () => {
    await updateSessionsFile(file, add('a'), { warn });
    mkdirSync(home, { recursive: true });
    const stale = `${journalHeader('some-older-write')}${JSON.stringify({ writeId: 'x', upsert: [record('ghost')], remove: ['a'] })}\n`;
    writeFileSync(journal(), stale, { mode: 0o600 });
    expect(ids(await readSessionsFile(file, { warn }))).toEqual(['a']);
    expect(readFileSync(journal(), 'utf8')).toBe(stale); // not without the lock
    const result = await updateSessionsFile(file, add('b'), { warn, append: true });
    expect(result.appended).toBe(true);
    expect(ids(await readSessionsFile(file, { warn }))).toEqual(['a', 'b']);
    expect(readFileSync(journal(), 'utf8')).not.toContain('ghost');
    expect(JSON.parse(journalLines()[0]).journalFor).toBe(mainOnly().writeId);
    // A journal with no sessions.json at all applies to nothing either.
    rmSync(file);
    expect((await readSessionsFile(file, { warn })).sessions).toEqual([]);
    await updateSessionsFile(file, add('c'), { warn, append: true });
    expect(ids(await readSessionsFile(file, { warn }))).toEqual(['c']);
    expect(warnings).toEqual([]);
  });

  it('damaged lines in the middle: skipped with one warning, the journal kept aside, everything else kept', async () => {
    await updateSessionsFile(file, add('a'), { warn });
    await updateSessionsFile(file, add('b'), { warn, append: true });
    appendFileSync(journal(), `this is not json\n${serializeJournalEntry({ writeId: 'w-c', upsert: [record('c')], remove: [] })}`);
    // A reader repairs it under the lock: sessions.json rewritten with every readable line, the journal moved aside.
    expect(ids(await readSessionsFile(file, { warn }))).toEqual(['a', 'b', 'c']);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/sessions\.json\.journal had 1 unreadable line, skipped; moved it to .*sessions\.json\.journal\.corrupt-/);
    expect(existsSync(journal())).toBe(false);
    expect(ids(mainOnly())).toEqual(['a', 'b', 'c']);
    const aside = readdirSync(home).filter((name) => name.startsWith('sessions.json.journal.corrupt-'));
    expect(aside).toHaveLength(1);
    expect(readFileSync(path.join(home, aside[0]), 'utf8')).toContain('this is not json');
    if (posix) expect(mode(path.join(home, aside[0]))).toBe(0o600);
    // Once.
    expect(ids(await readSessionsFile(file, { warn }))).toEqual(['a', 'b', 'c']);
    expect(warnings).toHaveLength(1);
  });

  it('a corrupt sessions.json takes its journal aside with it (it applies to nothing else)', async () => {
    await updateSessionsFile(file, add('a'), { warn });
    await updateSessionsFile(file, add('b'), { warn, append: true });
    writeFileSync(file, 'garbage');
    expect((await readSessionsFile(file, { warn })).sessions).toEqual([]);
    expect(warnings).toHaveLength(1);
    const names = readdirSync(home);
    const aside = names.find((name) => /^sessions\.json\.corrupt-[^.]*$/.test(name))!;
    expect(aside).toBeDefined();
    expect(names).toContain(`${aside}.journal`);
    expect(names).not.toContain('sessions.json.journal');
  });

  it('compacts when an append would take the journal past its limit: sessions.json whole, no journal', async () => {
    await updateSessionsFile(file, add('a'), { warn });
    const results = [];
    for (const id of ['b', 'c', 'd', 'e', 'f']) results.push(await updateSessionsFile(file, add(id), { warn, append: true, journalLimitBytes: 1_000 }));
    const lineBytes = Buffer.byteLength(serializeJournalEntry({ writeId: results[0].data.writeId!, upsert: [record('b')], remove: [] }));
    expect(lineBytes).toBeGreaterThan(200);
    // Every result says what it did; the journal never went past the limit.
    const compactions = results.filter((r) => r.compacted).length;
    expect(compactions).toBeGreaterThanOrEqual(1);
    expect(results.every((r) => r.written && r.appended !== r.compacted)).toBe(true);
    if (existsSync(journal())) expect(statSync(journal()).size).toBeLessThanOrEqual(1_000);
    expect(ids(await readSessionsFile(file))).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
    // The last compaction's sessions.json holds everything written until then.
    const lastCompaction = results.findLastIndex((r) => r.compacted);
    expect(ids(mainOnly())).toEqual(['a', 'b', 'c', 'd', 'e', 'f'].slice(0, lastCompaction + 2));
  });

  it('by default the limit is half of sessions.json, and never below 256 KiB', async () => {
    // 40 sessions of ~10 KB: sessions.json ~400 KB, so the 256 KiB floor is what counts.
    const big = (id: string) => ({ ...record(id), title: id, store: { responses: [], reasoning: { r: 'x'.repeat(10_000) } } });
    await updateSessionsFile(file, (current) => ({ ...current, sessions: Array.from({ length: 40 }, (_, i) => big(`s${i}`)) }), { warn });
    const mainBytes = statSync(file).size;
    expect(mainBytes / 2).toBeLessThan(JOURNAL_MIN_BYTES);
    let appended = 0;
    let known;
    for (let i = 0; ; i++) {
      const result = await updateSessionsFile(file, (current) => ({ ...current, sessions: current.sessions.map((s) => (s.id === `s${i}` ? { ...s, requests: 2 } : s)) }), { warn, append: true, known });
      known = result.data;
      if (result.compacted) break;
      appended++;
      expect(statSync(journal()).size).toBeLessThanOrEqual(JOURNAL_MIN_BYTES);
    }
    // ~10 KB a line: about 25 appends fit under 256 KiB, not the ~20 half of sessions.json would allow.
    expect(appended).toBeGreaterThan(21);
    expect(appended).toBeLessThan(27);
    expect(existsSync(journal())).toBe(false);
    expect(mainOnly().sessions.filter((s) => s.requests === 2)).toHaveLength(appended + 1);
  });

  it('`known` is used as is while nobody else wrote; lines another writer appended meanwhile are read and kept', async () => {
    await updateSessionsFile(file, add('a'), { warn });
    const mine1 = await updateSessionsFile(file, add('mine-1'), { warn, append: true });
    // Another process appends (it knows nothing of ours: it reads the file).
    await updateSessionsFile(file, add('theirs-1'), { warn, append: true });
    const mine2 = await updateSessionsFile(file, add('mine-2'), { warn, append: true, known: mine1.data });
    expect(ids(mine2.before!)).toEqual(['a', 'mine-1', 'theirs-1']);
    expect(ids(mine2.data)).toEqual(['a', 'mine-1', 'mine-2', 'theirs-1']);
    // Another process compacts (sessions rm): sessions.json is a new file, the journal gone.
    await updateSessionsFile(file, (current) => ({ ...current, sessions: current.sessions.filter((s) => s.id !== 'a') }), { warn });
    const mine3 = await updateSessionsFile(file, add('mine-3'), { warn, append: true, known: mine2.data });
    expect(ids(mine3.data)).toEqual(['mine-1', 'mine-2', 'mine-3', 'theirs-1']);
    // Nobody in between: `known` is trusted, so a change behind the lock's back is not seen (that is the point).
    const mine4 = await updateSessionsFile(file, add('mine-4'), { warn, append: true, known: mine3.data });
    expect(mine4.before).toBe(mine3.data);
    expect(ids(await readSessionsFile(file))).toEqual(['mine-1', 'mine-2', 'mine-3', 'mine-4', 'theirs-1']);
  });

  it('compactSessionsFile folds the journal in; with no journal it writes nothing', async () => {
    await updateSessionsFile(file, add('a'), { warn });
    const before = readFileSync(file, 'utf8');
    expect(await compactSessionsFile(file, { warn })).toMatchObject({ written: false, compacted: false });
    expect(readFileSync(file, 'utf8')).toBe(before);
    await updateSessionsFile(file, add('b'), { warn, append: true });
    expect(await compactSessionsFile(file, { warn })).toMatchObject({ written: false, compacted: true });
    expect(readdirSync(home)).toEqual(['sessions.json']);
    expect(ids(mainOnly())).toEqual(['a', 'b']);
  });
});
