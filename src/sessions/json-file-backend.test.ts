import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { tempDirsPerTest } from '../../test/helpers/temp-dirs.js';
import { JsonFileBackend, type JsonFileBackendOptions } from './json-file-backend.js';
import type { SessionRecord } from './session-records.js';
import { parseSessionsFile } from './sessions-file-format.js';
import { NewerSchemaError, type SessionChanges } from './sessions-backend.js';
import { sessionsFilePath, sessionsHome } from './sessions-home.js';
import { ensurePrivateDirectory } from '../storage/private-directory.js';

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
  client: 'api',
  title: 't',
  model: 'm',
  upstream: 'h',
  cwd: null,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  requests: 1,
  usage: { inputTokens: 1, outputTokens: 2, cachedTokens: 0, reasoningTokens: 0 },
  buckets: [],
});

/** The backend of another process (or command): it knows nothing of this one's writes. */
const backend = (options: JsonFileBackendOptions = {}) => new JsonFileBackend(file, { warn, ...options });
/** Changes that set these records as they are. */
const put = (...records: SessionRecord[]): SessionChanges => new Map(records.map((r) => [r.id, () => r]));
const ids = async (from = backend()) => (await from.list()).map((s) => s.id).sort();
/** sessions.json as it is on disk. */
const onDisk = () => {
  const parsed = parseSessionsFile(readFileSync(file, 'utf8'));
  if (parsed.kind !== 'ok') throw new Error(parsed.kind);
  return parsed.data;
};

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
      await backend().update(put(record('a')), 'w');
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
    expect(await backend().list()).toHaveLength(1);
    expect(mode(file)).toBe(0o600);
    await backend().update(put(record('b')), 'w');
    expect(mode(home)).toBe(0o700);
    expect(mode(file)).toBe(0o600);
  });
});

describe('reading and updating', () => {
  it('a missing file reads as empty and is not created by reading', async () => {
    expect(await backend().list()).toEqual([]);
    expect(await backend().load()).toEqual({ v: 1, responses: [], reasoning: {} });
    expect(existsSync(file)).toBe(false);
  });

  it('read-merge-write keeps what is there, leaves no temp or lock file behind', async () => {
    await backend().update(put(record('a')), 'w1');
    backend().updateOnExit((_landed) => put(record('b')), 'w2');
    expect(await backend().remove(() => [])).toEqual({ removed: 0, left: 2 });
    expect(await ids()).toEqual(['a', 'b']);
    expect(readdirSync(home)).toEqual(['sessions.json']);
    expect(onDisk().writeId).toBe('w2');
    expect(warnings).toEqual([]);
  });

  it('each change gets the stored record of its conversation; the caps apply to the result', async () => {
    const older = { ...record('old'), updatedAt: '2025-12-01T00:00:00.000Z' };
    await backend().update(put(older, record('a')), 'w1');
    const seen: Array<SessionRecord | undefined> = [];
    const grow = (id: string) => (stored: SessionRecord | undefined) => {
      seen.push(stored);
      return { ...record(id), requests: (stored?.requests ?? 0) + 1 };
    };
    await backend({ caps: { maxSessions: 2 } }).update(new Map([['a', grow('a')], ['new', grow('new')]]), 'w2');
    expect(seen).toEqual([expect.objectContaining({ id: 'a', requests: 1 }), undefined]);
    // The oldest beyond the cap of two went.
    expect((await backend().list()).map((s) => [s.id, s.requests]).sort()).toEqual([['a', 2], ['new', 1]]);
  });

  it('remove takes the ids its selector picks from every session; a selector that throws removes none', async () => {
    await backend().update(put(record('a'), record('b'), record('c')), 'w');
    const before = readFileSync(file, 'utf8');
    await expect(backend().remove(() => { throw new Error('no such session'); })).rejects.toThrow('no such session');
    expect(readFileSync(file, 'utf8')).toBe(before);
    let offered: string[] = [];
    const result = await backend().remove((sessions) => {
      offered = sessions.map((s) => s.id).sort();
      return ['a', 'c', 'unknown'];
    });
    expect(offered).toEqual(['a', 'b', 'c']);
    expect(result).toEqual({ removed: 2, left: 1 });
    expect(await ids()).toEqual(['b']);
  });

  it('a write reuses what it knows while nobody else wrote, and reads the file again when someone did', async () => {
    const mine = backend();
    const a1 = record('a');
    await mine.update(put(a1), 'w1');
    let stored: SessionRecord | undefined;
    const a2 = { ...a1, requests: 2 };
    await mine.update(new Map([['a', (s: SessionRecord | undefined) => ((stored = s), a2)]]), 'w2');
    expect(stored).toBe(a1); // the very object: not read and parsed again
    // Another process writes (a new file, by rename).
    await backend().update(put(record('theirs')), 'w3');
    const a3 = { ...a1, requests: 3 };
    await mine.update(new Map([['a', (s: SessionRecord | undefined) => ((stored = s), a3)]]), 'w4');
    expect(stored).not.toBe(a2);
    expect(stored).toEqual(a2);
    expect(await ids()).toEqual(['a', 'theirs']);
    // A hand edit (same file, new size and mtime) is read too.
    writeFileSync(file, readFileSync(file, 'utf8').replace(/\n\{"id":"theirs".*\n/, '\n').replace(',\n]}', '\n]}'));
    await mine.update(put(record('mine')), 'w5');
    expect(await ids()).toEqual(['a', 'mine']);
  });

  it('on exit, tells whether a write landed: its own last one, or the one the file carries', async () => {
    const mine = backend();
    await mine.update(put(record('a')), 'w-a');
    let answers: boolean[] = [];
    const ask = (landed: (writeId: string) => boolean) => {
      answers = [landed('w-a'), landed('w-never')];
      return new Map();
    };
    mine.updateOnExit(ask, 'w-exit');
    expect(answers).toEqual([true, false]);
    backend().updateOnExit(ask, 'w-exit'); // another process: sessions.json still carries w-a
    expect(answers).toEqual([true, false]);
    expect(onDisk().writeId).toBe('w-a'); // nothing to write: untouched
    await backend().update(put(record('b')), 'w-b');
    backend().updateOnExit(ask, 'w-exit');
    expect(answers).toEqual([false, false]);
    mine.updateOnExit(ask, 'w-exit');
    expect(answers).toEqual([true, false]);
  });

  it('sweeps temp files a killed writer left once they are a minute old', async () => {
    mkdirSync(home, { recursive: true });
    const names = ['sessions.json.1234567', 'sessions.json.tmp-999-abcdef', 'sessions.json.42', 'sessions.json.corrupt-2026'];
    for (const name of names) writeFileSync(path.join(home, name), 'x');
    for (const name of [names[0], names[1], names[3]]) {
      const old = Date.now() / 1000 - 120;
      utimesSync(path.join(home, name), old, old);
    }
    await backend().update(put(record('a')), 'w');
    expect(readdirSync(home).sort()).toEqual(['sessions.json', 'sessions.json.42', 'sessions.json.corrupt-2026']);
  });

  it('a corrupt file is moved aside with one warning naming where, and a new file works', async () => {
    mkdirSync(home, { recursive: true });
    writeFileSync(file, '{"version":1,"sessions":[{"id":"half');
    expect(await backend().list()).toEqual([]);
    const aside = readdirSync(home).filter((name) => name.startsWith('sessions.json.corrupt-'));
    expect(aside).toHaveLength(1);
    expect(readFileSync(path.join(home, aside[0]), 'utf8')).toBe('{"version":1,"sessions":[{"id":"half');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).not.toContain('\n');
    expect(warnings[0]).toContain(path.join(home, aside[0]));
    expect(existsSync(file)).toBe(false);

    await backend().update(put(record('fresh')), 'w');
    expect(await ids()).toEqual(['fresh']);
    expect(warnings).toHaveLength(1);
  });

  it('an update over a corrupt file moves it aside too, then writes', async () => {
    mkdirSync(home, { recursive: true });
    writeFileSync(file, 'garbage');
    let stored: SessionRecord | undefined = record('not called');
    await backend().update(new Map([['x', (s: SessionRecord | undefined) => ((stored = s), record('x'))]]), 'w');
    expect(stored).toBeUndefined();
    expect(readdirSync(home).some((name) => name.startsWith('sessions.json.corrupt-'))).toBe(true);
    expect(await ids()).toEqual(['x']);
  });

  it('a file of a newer schema is never overwritten', async () => {
    mkdirSync(home, { recursive: true });
    const newer = '{"version":3,"sessions":{"a":{}},"more":"stuff"}\n';
    writeFileSync(file, newer);
    await expect(backend().list()).rejects.toBeInstanceOf(NewerSchemaError);
    await expect(backend().update(put(record('x')), 'w')).rejects.toThrow(/newer codex-bridge.*v2/);
    await expect(backend().remove((sessions) => sessions.map((s) => s.id))).rejects.toBeInstanceOf(NewerSchemaError);
    expect(() => backend().updateOnExit(() => put(record('x')), 'w')).toThrow(NewerSchemaError);
    expect(readFileSync(file, 'utf8')).toBe(newer);
    expect(readdirSync(home)).toEqual(['sessions.json']);
  });
});
