import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { tempDirsPerTest } from '../../test/helpers/temp-dirs.js';
import { UsageError } from '../output/usage-error.js';
import { splitOperands } from '../cli/resume.js';
import type { SessionRecord } from '../sessions/session-records.js';
import type { SessionsBackend } from '../sessions/sessions-backend.js';
import { resumeFlags, resumeSession, type ResumeFlags } from './resume-session.js';
import type { RunFlags } from './run-with-bridge.js';

const tempDir = tempDirsPerTest('cb-resume-');
let root: string;
let projectDir: string;
let otherDir: string;
beforeEach(() => {
  root = tempDir();
  projectDir = path.join(root, 'project');
  otherDir = path.join(root, 'other');
  mkdirSync(projectDir);
  mkdirSync(otherDir);
});

const ID_NEW = '01a23b91-1014-7631-b27e-322b3472c820';
const ID_OLD = '01a23b8e-0c95-7e22-a0d8-34b39bea04fe';

const session = (id: string, extra: Partial<SessionRecord> = {}): SessionRecord => ({
  id,
  client: 'codex',
  title: 'fix it',
  model: 'deepseek-v4-flash',
  upstream: 'api.deepseek.com',
  provider: 'deepseek',
  upstreamUrl: 'https://api.deepseek.com/v1',
  apiKeyEnv: 'DEEPSEEK_API_KEY',
  cwd: projectDir,
  createdAt: '2026-12-01T10:00:00.000Z',
  updatedAt: '2026-12-01T10:00:00.000Z',
  requests: 2,
  usage: { inputTokens: 1, outputTokens: 1, cachedTokens: 0, reasoningTokens: 0 },
  buckets: [],
  ...extra,
});

/** Sessions in memory, newest first, as the backend lists them. */
const backend = (records: SessionRecord[]): SessionsBackend => ({
  location: '/home/me/.config/codex-bridge/sessions.json',
  list: async () => records,
  load: async () => ({ v: 1, responses: [], reasoning: {} }),
  update: async () => {},
  remove: async () => ({ removed: 0, left: records.length }),
  check: async () => ({ level: 'ok', detail: '' }),
});

async function resume(records: SessionRecord[], operands: { id?: string; prompt?: string; codex?: string[] }, flags: ResumeFlags = {}, cwd = otherDir) {
  let ran: { command: readonly string[]; flags: RunFlags; cwd?: string } | undefined;
  const code = await resumeSession(operands.id, operands.prompt, operands.codex ?? [], flags, {
    env: { NO_COLOR: '1' },
    cwd,
    sessions: backend(records),
    run: async (command, runFlags, deps) => {
      ran = { command, flags: runFlags, cwd: deps?.cwd };
      return 7;
    },
  });
  return { code, ...ran! };
}

describe('codex-bridge resume', () => {
  it('opens the TUI on the session, through its recorded upstream, in its folder', async () => {
    const ran = await resume([session(ID_NEW), session(ID_OLD)], { id: '01a23b', codex: [] }).catch((e: Error) => e);
    expect(ran).toBeInstanceOf(UsageError); // a prefix of two
    const run = await resume([session(ID_NEW), session(ID_OLD)], { id: '01a23b9', codex: ['-s', 'danger-full-access'] });
    expect(run.code).toBe(7);
    expect(run.command).toEqual(['codex', '-s', 'danger-full-access', 'resume', ID_NEW]);
    expect(run.flags).toEqual({ provider: 'deepseek', upstream: 'https://api.deepseek.com/v1', model: 'deepseek-v4-flash', apiKeyEnv: 'DEEPSEEK_API_KEY' });
    expect(run.cwd).toBe(projectDir);
  });

  it('with a prompt, runs codex exec … resume <id> "<prompt>"; -C after -- keeps the folder given', async () => {
    const run = await resume([session(ID_NEW)], { id: ID_NEW, prompt: 'and the docs', codex: ['--skip-git-repo-check', '-C', otherDir] });
    expect(run.command).toEqual(['codex', 'exec', '--skip-git-repo-check', '-C', otherDir, 'resume', ID_NEW, 'and the docs']);
    expect(run.cwd).toBe(otherDir);
  });

  it('--last: the newest Codex session of this folder; --all: of any', async () => {
    const records = [session(ID_NEW, { cwd: otherDir }), session(ID_OLD), session('resp_123', { client: 'api', cwd: projectDir })];
    expect((await resume(records, {}, { last: true }, projectDir)).command.at(-1)).toBe(ID_OLD);
    expect((await resume(records, {}, { last: true, all: true }, projectDir)).command.at(-1)).toBe(ID_NEW);
    await expect(resume(records, {}, { last: true }, root)).rejects.toThrow(`no Codex session recorded in ${root} (--all looks everywhere) — codex-bridge sessions list shows them`);
  });

  it('flags override: --model alone keeps the upstream; another --provider or --upstream replaces it whole', () => {
    const record = session(ID_NEW);
    expect(resumeFlags(record, { model: 'deepseek-v4-pro', verbose: true })).toEqual({
      provider: 'deepseek',
      upstream: 'https://api.deepseek.com/v1',
      model: 'deepseek-v4-pro',
      apiKeyEnv: 'DEEPSEEK_API_KEY',
      verbose: true,
    });
    expect(resumeFlags(record, { provider: 'kimi' })).toEqual({ provider: 'kimi' });
    expect(resumeFlags(record, { upstream: 'http://127.0.0.1:8000/v1', last: true })).toEqual({ upstream: 'http://127.0.0.1:8000/v1' });
  });

  it('refuses in one line: an API session, a session with no recorded upstream (unless one is given), no id', async () => {
    const api = session('resp_0123', { client: 'api' });
    await expect(resume([api], { id: 'resp_0123' })).rejects.toThrow(/^session resp_0123 is an API client's session, not a Codex conversation, so Codex cannot resume it/);
    const old = session(ID_NEW, { upstreamUrl: undefined, provider: undefined, apiKeyEnv: undefined });
    const error = (await resume([old], { id: ID_NEW }).catch((e: UsageError) => e)) as UsageError;
    expect([error.exitCode, error.message.includes('\n')]).toEqual([1, false]);
    expect(error.message).toMatch(/has no recorded upstream .*: pass --provider <id> or --upstream <url>$/);
    expect((await resume([old], { id: ID_NEW }, { provider: 'deepseek' })).flags).toEqual({ provider: 'deepseek' });
    await expect(resume([old], {})).rejects.toThrow('no session given — pass an id (or the start of one) or --last');
  });

  it('tells the operands before -- from the Codex arguments after it', () => {
    const raw = ['node', 'codex-bridge', 'resume', '01a2', 'hi there', '--', '-s', 'x'];
    expect(splitOperands(['01a2', 'hi there', '-s', 'x'], raw)).toEqual({ own: ['01a2', 'hi there'], codex: ['-s', 'x'] });
    expect(splitOperands(['01a2', '-s', 'x'], ['resume', '01a2', '--', '-s', 'x'])).toEqual({ own: ['01a2'], codex: ['-s', 'x'] });
    expect(splitOperands(['01a2'], ['resume', '01a2'])).toEqual({ own: ['01a2'], codex: [] });
  });
});
