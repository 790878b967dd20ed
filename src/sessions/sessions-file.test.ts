import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SessionRecord } from './session-records.js';
import { NewerSchemaError, readSessionsFile, updateSessionsFile, updateSessionsFileSync } from './sessions-file.js';
import { ensurePrivateDirectory, sessionsFilePath, sessionsHome } from './sessions-home.js';

let root: string;
let home: string;
let file: string;
let warnings: string[];
const warn = (line: string) => warnings.push(line);
beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), 'cb-sessions-file-'));
  home = path.join(root, 'home');
  file = sessionsFilePath(home);
  warnings = [];
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

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
