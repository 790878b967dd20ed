import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkSessionsFile } from './check-sessions-file.js';

let root: string;
let env: NodeJS.ProcessEnv;
const file = () => path.join(root, 'sessions.json');
beforeEach(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'cb-doctor-sessions-'));
  env = { CODEX_BRIDGE_HOME: root };
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('checkSessionsFile', () => {
  it('passes when there is none yet, or a readable one', async () => {
    expect(await checkSessionsFile(env)).toMatchObject({ ok: true, detail: `${file()} (none yet)` });
    writeFileSync(file(), JSON.stringify({ version: 1, sessions: [] }));
    expect(await checkSessionsFile(env)).toMatchObject({ ok: true, detail: `${file()} (0 sessions)` });
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

  it('fails an unreadable one', async () => {
    mkdirSync(file());
    expect((await checkSessionsFile(env)).detail).toBe(`${file()} cannot be read (EISDIR)`);
  });
});
