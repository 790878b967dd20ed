import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { tempDirsPerTest } from '../../test/helpers/temp-dirs.js';
import { checkSessionsFile } from './check-sessions-file.js';

const tempDir = tempDirsPerTest('cb-doctor-sessions-');
let root: string;
let env: NodeJS.ProcessEnv;
const file = () => path.join(root, 'sessions.json');
beforeEach(() => {
  root = tempDir();
  env = { CODEX_BRIDGE_HOME: root };
});

describe('checkSessionsFile', () => {
  it('passes when there is none yet, or a readable one', async () => {
    expect(await checkSessionsFile(env)).toMatchObject({ ok: true, detail: `${file()} (none yet)` });
    writeFileSync(file(), JSON.stringify({ version: 1, sessions: [] }));
    expect(await checkSessionsFile(env)).toMatchObject({ ok: true, detail: `${file()} (0 sessions)` });
  });

  it('counts the sessions an older version left in its journal (the next start folds them in); warns of damaged journal lines, repairing nothing', async () => {
    writeFileSync(file(), `${JSON.stringify({ version: 1, writeId: 'w1', sessions: [{ id: 'a', updatedAt: '2026-01-01T00:00:00.000Z' }] })}\n`);
    const line = (writeId: string, id: string) => `${JSON.stringify({ writeId, upsert: [{ id, updatedAt: '2026-01-02T00:00:00.000Z' }], remove: [] })}\n`;
    writeFileSync(`${file()}.journal`, `${JSON.stringify({ version: 1, journalFor: 'w1' })}\n${line('w2', 'b')}${line('w3', 'c')}`);
    expect(await checkSessionsFile(env)).toMatchObject({ ok: true, level: 'ok', detail: `${file()} (3 sessions)` });
    // A journal for another sessions.json does not count.
    writeFileSync(`${file()}.journal`, `${JSON.stringify({ version: 1, journalFor: 'older' })}\n${line('w2', 'b')}`);
    expect(await checkSessionsFile(env)).toMatchObject({ detail: `${file()} (1 session)` });
    writeFileSync(`${file()}.journal`, `${JSON.stringify({ version: 1, journalFor: 'w1' })}\nnot json\n${line('w2', 'b')}`);
    const check = await checkSessionsFile(env);
    expect(check).toMatchObject({ ok: true, level: 'warn', detail: `${file()} (2 sessions); ${file()}.journal has 1 unreadable line` });
    expect(readdirSync(root).sort()).toEqual(['sessions.json', 'sessions.json.journal']);
  });

  it('fails a damaged file without moving it aside', async () => {
    writeFileSync(file(), '{"version": 1, "sess');
    const check = await checkSessionsFile(env);
    expect(check.ok).toBe(false);
    expect(check.detail).toMatch(/is damaged \(not JSON/);
    expect(readdirSync(root)).toEqual(['sessions.json']);
  });

  it('fails a file from a newer codex-bridge', async () => {
    writeFileSync(file(), JSON.stringify({ version: 99, sessions: [] }));
    expect(await checkSessionsFile(env)).toMatchObject({ ok: false, detail: `${file()} was written by a newer codex-bridge (schema v99)` });
  });

  it('fails a home where no session can be saved: a file in the way is named (ENOTDIR), not a permission to fix', async () => {
    const file = path.join(root, 'a-file');
    writeFileSync(file, '');
    const home = path.join(file, 'codex-bridge');
    const check = await checkSessionsFile({ CODEX_BRIDGE_HOME: home });
    expect(check).toMatchObject({
      ok: false,
      detail: `cannot create the directory ${home}: ${file} is a file, not a directory`,
      fix: `point CODEX_BRIDGE_HOME at a directory you can write to (it is ${home})`,
    });
    // A shared store is not in that home: its own check answers.
    expect((await checkSessionsFile({ CODEX_BRIDGE_HOME: home, CODEX_BRIDGE_STORE: 'redis://127.0.0.1:9' })).name).toBe('store');
  });

  it('fails an unreadable one', async () => {
    mkdirSync(file());
    expect((await checkSessionsFile(env)).detail).toBe(`${file()} cannot be read (EISDIR)`);
  });
});
