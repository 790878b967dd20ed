import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Command, CommanderError } from 'commander';
import { beforeEach, describe, expect, it } from 'vitest';
import { tempDirsPerTest } from '../../test/helpers/temp-dirs.js';
import { openSessionRecorder } from '../sessions/session-recorder.js';
import type { SessionRecord } from '../sessions/session-records.js';
import { serializeSessionsFile } from '../sessions/sessions-file-format.js';
import { SessionStore } from '../state/session-store.js';
import type { ResponseRecord } from '../server/handle-responses.js';
import { parseAge, registerSessions } from './sessions.js';
import { formatAge, formatTokens, formatUsd, wantsColor } from '../sessions/sessions-command.js';
import { clientOfId } from '../sessions/session-records.js';
import { UsageError } from '../output/usage-error.js';

const NOW = Date.parse('2026-05-10T12:00:00Z');
const ID_A = '01a20b03-72ef-7621-82ae-69af9e80efbd';
const ID_B = '01a20b03-9999-7621-82ae-000000000001';
const ID_C = '01f00000-0000-7000-8000-000000000002';

const tempDir = tempDirsPerTest('cb-sessions-cli-');
let home: string;
let file: string;
beforeEach(() => {
  home = tempDir();
  file = path.join(home, 'sessions.json');
});

const ago = (ms: number) => new Date(NOW - ms).toISOString();
const record = (id: string, updatedAt: string, extra: Partial<SessionRecord> = {}): SessionRecord => ({
  id,
  client: clientOfId(id),
  title: `prompt of ${id.slice(0, 8)}`,
  model: 'deepseek-chat',
  upstream: 'api.deepseek.com',
  cwd: '/home/dev/project',
  createdAt: updatedAt,
  updatedAt,
  requests: 3,
  usage: { inputTokens: 12_000, outputTokens: 345, cachedTokens: 8_000, reasoningTokens: 100 },
  buckets: [{ hour: updatedAt.slice(0, 13), model: 'deepseek-chat', requests: 3, inputTokens: 12_000, outputTokens: 345, cachedTokens: 8_000, reasoningTokens: 100, costUsd: 0.0123, unpricedRequests: 0 }],
  upstreamUrl: 'https://api.deepseek.com/v1',
  provider: 'deepseek',
  apiKeyEnv: 'DEEPSEEK_API_KEY',
  ...extra,
});

function writeSessions(sessions: SessionRecord[]): void {
  writeFileSync(file, serializeSessionsFile({ version: 2, sessions }), { mode: 0o600 });
}
const stored = () => JSON.parse(readFileSync(file, 'utf8')) as { sessions: SessionRecord[] };

interface Run {
  code: number;
  out: string;
  warnings: string[];
  error?: string;
}

/** `codex-bridge sessions …` in-process, with main.ts's error handling. */
async function cli(args: string[], env: NodeJS.ProcessEnv = {}, columns = 100): Promise<Run> {
  let out = '';
  const warnings: string[] = [];
  const program = new Command('codex-bridge').exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
  registerSessions(program, { env: { CODEX_BRIDGE_HOME: home, ...env }, out: (text) => (out += text), warn: (line) => warnings.push(line), columns, color: false, now: () => NOW });
  try {
    await program.parseAsync(['node', 'codex-bridge', 'sessions', ...args]);
    return { code: 0, out, warnings };
  } catch (error) {
    if (error instanceof UsageError) return { code: error.exitCode, out, warnings, error: error.message };
    if (error instanceof CommanderError) return { code: 2, out, warnings, error: error.message };
    throw error;
  }
}

describe('sessions list', () => {
  it('prints a table newest first: shortest unique id, age, model, requests, tokens, cost, title', async () => {
    writeSessions([record(ID_A, ago(5 * 60_000)), record(ID_B, ago(2 * 3_600_000), { title: 'second\nprompt   here' }), record(ID_C, ago(3 * 86_400_000), { title: '' })]);
    const run = await cli(['list']);
    expect(run.code).toBe(0);
    const lines = run.out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+AGE\s+MODEL\s+REQS\s+TOKENS\s+COST\s+TITLE$/);
    expect(lines.slice(1).map((line) => line.split(/\s{2,}/))).toEqual([
      ['01a20b03-7', '5m', 'deepseek-chat', '3', '12.3k', '$0.01', 'prompt of 01a20b03'],
      ['01a20b03-9', '2h', 'deepseek-chat', '3', '12.3k', '$0.01', 'second prompt here'],
      ['01f0', '3d', 'deepseek-chat', '3', '12.3k', '$0.01', '(no prompt)'],
    ]);
  });

  it("marks an API client's session, shows no price as -, and a partly priced cost with + and a note", async () => {
    const unpriced = { hour: '2026-05-10T11', model: 'local', requests: 1, inputTokens: 5, outputTokens: 1, cachedTokens: 0, reasoningTokens: 0, costUsd: null, unpricedRequests: 1 };
    writeSessions([
      record('resp_0123456789', ago(60_000), { title: 'an SDK script', buckets: [unpriced] }),
      record(ID_A, ago(120_000), { buckets: [...record(ID_A, ago(120_000)).buckets, unpriced] }),
    ]);
    const lines = (await cli(['list'])).out.trimEnd().split('\n');
    expect(lines[1].split(/\s{2,}/)).toEqual(['resp', '1m', 'deepseek-chat', '3', '12.3k', '-', '[api] an SDK script']);
    expect(lines[2].split(/\s{2,}/)).toEqual(['01a2', '2m', 'deepseek-chat', '3', '12.3k', '$0.01+', 'prompt of 01a20b03']);
    expect(lines[3]).toMatch(/^\+ some requests of the session had no known price/);
  });

  it('truncates titles to the terminal width, and --limit keeps the newest', async () => {
    writeSessions([record(ID_A, ago(60_000), { title: 'a very long prompt '.repeat(20) }), record(ID_B, ago(120_000))]);
    const run = await cli(['list', '--limit', '1'], {}, 90);
    const lines = run.out.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[1].startsWith('01a20b03-7 ')).toBe(true);
    expect([...lines[1]].length).toBeLessThanOrEqual(90);
    expect(lines[1].endsWith('…')).toBe(true);
  });

  it('--json prints the records with the documented fields (no SessionStore data)', async () => {
    writeSessions([record(ID_A, ago(1_000), { store: { responses: [{ id: 'r', conversation: ID_A, items: [] }], reasoning: {} } })]);
    const run = await cli(['list', '--json']);
    const parsed = JSON.parse(run.out) as Array<Record<string, unknown>>;
    expect(parsed).toEqual([
      {
        id: ID_A,
        shortId: '01a2',
        client: 'codex',
        title: 'prompt of 01a20b03',
        model: 'deepseek-chat',
        upstream: 'api.deepseek.com',
        provider: 'deepseek',
        upstreamUrl: 'https://api.deepseek.com/v1',
        apiKeyEnv: 'DEEPSEEK_API_KEY',
        cwd: '/home/dev/project',
        createdAt: ago(1_000),
        updatedAt: ago(1_000),
        requests: 3,
        usage: { inputTokens: 12_000, outputTokens: 345, cachedTokens: 8_000, reasoningTokens: 100 },
        costUsd: 0.0123,
        unpricedRequests: 0,
      },
    ]);
  });

  it('with no file says so (and creates nothing); --json prints []', async () => {
    expect((await cli(['list'])).out).toMatch(/^no sessions recorded yet/);
    expect(JSON.parse((await cli(['list', '--json'])).out)).toEqual([]);
    expect(readdirSync(home)).toEqual([]);
  });

  it('a bad --limit is one usage error', async () => {
    const run = await cli(['list', '--limit', 'ten']);
    expect(run.code).toBe(2);
    expect(run.error).toMatch(/positive integer/);
  });

  it('a corrupt file: moved aside, one warning naming where, empty list, exit 0', async () => {
    writeFileSync(file, '{"version":1,"sess');
    const run = await cli(['list', '--json']);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.out)).toEqual([]);
    const aside = readdirSync(home).find((name) => name.startsWith('sessions.json.corrupt-'));
    expect(aside).toBeDefined();
    expect(run.warnings).toEqual([expect.stringContaining(path.join(home, aside!))]);
  });

  it('a newer-schema file: exit 1, says to upgrade, file untouched', async () => {
    writeFileSync(file, '{"version":3,"sessions":[]}');
    const run = await cli(['list']);
    expect(run.code).toBe(1);
    expect(run.error).toMatch(/newer codex-bridge .*upgrade/);
    expect(readFileSync(file, 'utf8')).toBe('{"version":3,"sessions":[]}');
    expect((await cli(['clear', '--yes'])).code).toBe(1);
    expect(readFileSync(file, 'utf8')).toBe('{"version":3,"sessions":[]}');
  });
});

describe('sessions show', () => {
  beforeEach(() => writeSessions([record(ID_A, ago(5 * 60_000)), record(ID_B, ago(3_600_000)), record(ID_C, ago(86_400_000))]));

  it('by a unique prefix: the details and the resume command, ready to paste', async () => {
    const run = await cli(['show', '01f']);
    expect(run.code).toBe(0);
    expect(run.out).toContain(`id        ${ID_C}`);
    expect(run.out).toContain('title     prompt of 01f00000');
    expect(run.out).toContain('upstream  https://api.deepseek.com/v1');
    expect(run.out).toContain('key       $DEEPSEEK_API_KEY');
    expect(run.out).toContain('cwd       /home/dev/project');
    expect(run.out).toContain('requests  3');
    expect(run.out).toContain('tokens    12,000 in (8,000 cached), 345 out (100 reasoning)');
    expect(run.out).toContain('cost      $0.01');
    expect(run.out.trimEnd().split('\n').at(-1)).toBe('resume    codex-bridge resume 01f0');
    expect(JSON.parse((await cli(['show', ID_A, '--json'])).out)).toMatchObject({ id: ID_A, requests: 3, costUsd: 0.0123, resumeCommand: 'codex-bridge resume 01a20b03-7' });
  });

  it('an ambiguous prefix lists the candidates and exits 1', async () => {
    const run = await cli(['show', '01a20b03']);
    expect(run.code).toBe(1);
    expect(run.error).toMatch(/^"01a20b03" matches 2 sessions/);
    expect(run.error).toContain(ID_A);
    expect(run.error).toContain(ID_B);
    expect(run.error).not.toContain(ID_C);
    expect(run.out).toBe('');
  });

  it('an unknown id exits 1 with a clear message', async () => {
    const run = await cli(['show', 'zzz']);
    expect(run.code).toBe(1);
    expect(run.error).toBe(`no session "zzz" in ${file} — codex-bridge sessions list shows them`);
  });

  it('an API session, or one with no recorded upstream, says in one line why it cannot be resumed', async () => {
    writeSessions([
      record('resp_abc', ago(0), { store: { responses: [{ id: 'resp_abc', conversation: 'resp_abc', items: [] }, { id: 'resp_def', conversation: 'resp_abc', parentId: 'resp_abc', items: [] }], reasoning: {} } }),
      record(ID_A, ago(0), { upstreamUrl: undefined, provider: undefined, apiKeyEnv: undefined }),
    ]);
    const api = (await cli(['show', 'resp_abc'])).out.trimEnd().split('\n').at(-1)!;
    expect(api).toMatch(/^resume {4}session resp_abc is an API client's session, not a Codex conversation.*previous_response_id "resp_def"/);
    expect(JSON.parse((await cli(['show', 'resp_abc', '--json'])).out).resumeCommand).toBeNull();
    const old = (await cli(['show', ID_A])).out.trimEnd().split('\n').at(-1)!;
    expect(old).toBe(`resume    session ${ID_A} has no recorded upstream (an older codex-bridge kept only its host; it ran on api.deepseek.com with deepseek-chat): pass --provider <id> or --upstream <url>`);
  });
});

describe('sessions rm, prune, clear, path', () => {
  beforeEach(() => writeSessions([record(ID_A, ago(60_000)), record(ID_B, ago(40 * 86_400_000)), record(ID_C, ago(10 * 86_400_000))]));

  it('rm removes by id or unique prefix, and nothing if one of them does not match', async () => {
    const refused = await cli(['rm', ID_A, 'nope']);
    expect(refused.code).toBe(1);
    expect(stored().sessions).toHaveLength(3);

    const run = await cli(['rm', ID_A, '01f']);
    expect(run).toMatchObject({ code: 0, out: 'removed 2 sessions\n' });
    expect(stored().sessions.map((s) => s.id)).toEqual([ID_B]);
  });

  it('prune --older-than removes the sessions not used since', async () => {
    const run = await cli(['prune', '--older-than', '30d']);
    expect(run).toMatchObject({ code: 0, out: 'removed 1 session last used more than 30d ago; 2 sessions left\n' });
    expect(stored().sessions.map((s) => s.id)).toEqual([ID_A, ID_C]);
    expect((await cli(['prune', '--older-than', '1w'])).out).toMatch(/^removed 1 session/);
    expect(stored().sessions.map((s) => s.id)).toEqual([ID_A]);
  });

  it('prune needs a valid --older-than', async () => {
    expect((await cli(['prune'])).code).toBe(2);
    const bad = await cli(['prune', '--older-than', '30 days']);
    expect(bad.code).toBe(2);
    expect(bad.error).toMatch(/90m, 12h, 30d or 2w/);
    expect(stored().sessions).toHaveLength(3);
  });

  it('clear refuses without --yes (exit 2, nothing removed), and clears with it', async () => {
    const refused = await cli(['clear']);
    expect(refused.code).toBe(2);
    expect(refused.error).toMatch(/--yes/);
    expect(stored().sessions).toHaveLength(3);
    expect((await cli(['clear', '--yes'])).out).toBe('removed 3 sessions\n');
    expect(stored().sessions).toEqual([]);
  });

  it('path prints the file, from CODEX_BRIDGE_HOME', async () => {
    expect((await cli(['path'])).out).toBe(`${file}\n`);
  });
});

describe('helpers', () => {
  it('parses ages in m/h/d/w', () => {
    expect(parseAge('90m')).toBe(90 * 60_000);
    expect(parseAge('12h')).toBe(12 * 3_600_000);
    expect(parseAge('30d')).toBe(30 * 86_400_000);
    expect(parseAge('2w')).toBe(14 * 86_400_000);
    for (const bad of ['0d', '30', 'd', '-1d', '1y', '1.5d']) expect(() => parseAge(bad)).toThrow();
  });

  it('formats ages and token counts compactly', () => {
    expect(formatAge(ago(5_000), NOW)).toBe('5s');
    expect(formatAge(ago(5 * 60_000), NOW)).toBe('5m');
    expect(formatAge(ago(2 * 3_600_000), NOW)).toBe('2h');
    expect(formatAge(ago(3 * 86_400_000), NOW)).toBe('3d');
    expect(formatAge(new Date(NOW + 10_000).toISOString(), NOW)).toBe('0s');
    expect([0, 999, 1_000, 12_345, 123_456, 1_234_567].map(formatTokens)).toEqual(['0', '999', '1k', '12.3k', '123k', '1.2M']);
    expect([formatUsd(null), formatUsd(0), formatUsd(0.00421), formatUsd(1.2345), formatUsd(1.2345, 2)]).toEqual(['-', '$0', '$0.0042', '$1.23', '$1.23+']);
  });
});

describe('NO_COLOR', () => {
  it('colors only when allowed; NO_COLOR turns them off', async () => {
    writeSessions([record(ID_A, ago(60_000))]);
    let colored = '';
    const program = new Command('codex-bridge').exitOverride();
    registerSessions(program, { env: { CODEX_BRIDGE_HOME: home }, out: (t) => (colored += t), color: true, now: () => NOW });
    await program.parseAsync(['node', 'codex-bridge', 'sessions', 'list']);
    expect(colored).toContain('\u001b[1m');

  });

  it('defaults: colors on a terminal, not in a pipe; NO_COLOR (non-empty) always wins; FORCE_COLOR forces', () => {
    expect(wantsColor({}, true)).toBe(true);
    expect(wantsColor({}, false)).toBe(false);
    expect(wantsColor({ NO_COLOR: '1' }, true)).toBe(false);
    expect(wantsColor({ NO_COLOR: '1', FORCE_COLOR: '1' }, true)).toBe(false);
    expect(wantsColor({ NO_COLOR: '' }, true)).toBe(true);
    expect(wantsColor({ FORCE_COLOR: '1' }, false)).toBe(true);
    expect(wantsColor({ FORCE_COLOR: '0' }, true)).toBe(false);
  });
});

describe('recorded by the bridge, listed by the CLI', () => {
  it('what the recorder writes is what list and show read', async () => {
    const recorder = await openSessionRecorder({ home, upstreamHost: 'https://api.deepseek.com/v1', store: new SessionStore(), warn: () => {} });
    const request = (input: string): ResponseRecord => ({
      responseId: `resp_${Math.random()}`,
      conversation: ID_A,
      model: 'deepseek-chat',
      status: 'completed',
      httpStatus: 200,
      usage: { input_tokens: 1_000, output_tokens: 50, total_tokens: 1_050, input_tokens_details: { cached_tokens: 500 }, output_tokens_details: { reasoning_tokens: 7 } },
      inputItems: [
        { type: 'message', role: 'user', content: [{ type: 'input_text', text: '<environment_context>\n  <cwd>/srv/app</cwd>\n</environment_context>' }] },
        { type: 'message', role: 'user', content: [{ type: 'input_text', text: input }] },
      ],
      headers: { 'thread-id': ID_A, authorization: 'Bearer secret-token-xyz' },
    });
    recorder.onResponse(request('add a test'));
    recorder.onResponse(request('add a test'));
    await recorder.close();
    const [listed] = JSON.parse((await cli(['list', '--json'])).out) as SessionRecord[];
    expect(listed).toMatchObject({ id: ID_A, title: 'add a test', cwd: '/srv/app', upstream: 'api.deepseek.com', requests: 2, usage: { inputTokens: 2_000, outputTokens: 100, cachedTokens: 1_000, reasoningTokens: 14 } });
    expect(readFileSync(file, 'utf8')).not.toContain('secret-token-xyz');
  });
});

describe('untrusted text in the table', () => {
  it('control characters from a prompt or model name never reach the terminal', async () => {
    writeSessions([record(ID_A, ago(60_000), { title: 'evil \u001b[2J\u001b]0;pwned\u0007 prompt', model: 'm\u001b[31m' })]);
    const listed = await cli(['list']);
    const shown = await cli(['show', ID_A]);
    for (const out of [listed.out, shown.out]) {
      expect(out).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f]/);
      expect(out).toContain('evil ?[2J?]0;pwned? prompt');
    }
  });
});
