import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ChatRequest } from '../../src/translate/types.js';
import type { MockTurn, MockUpstream, MockUpstreamOptions } from '../helpers/mock-upstream.js';
import { ensureBuilt } from './ensure-built.js';
import { messageText, shell, toolResults } from './fault-helpers.js';
import { runBridge, sandboxAndMockPerTest, type Sandbox, type SandboxAndMock } from './sandbox.js';

// The real Codex CLI (node_modules/.bin/codex) driven by `codex-bridge run -- codex exec …` against
// the scripted Chat Completions upstream, which refuses what a real provider would refuse.

const KEY = 'sk-mock-upstream-key-0123456789';
const USER_CONFIG = '# my own settings\nmodel_reasoning_effort = "low"\n\n[tui]\nnotifications = false\n';

const perTest = sandboxAndMockPerTest(KEY);
beforeAll(ensureBuilt, 120_000);

/** A sandbox whose user already has a config.toml (which must come out byte-identical). */
async function setUp(options: MockUpstreamOptions): Promise<SandboxAndMock> {
  const fixture = await perTest.setUp(options);
  writeFileSync(path.join(fixture.sandbox.codexHome, 'config.toml'), USER_CONFIG);
  return fixture;
}

function codexExec(s: Sandbox, m: MockUpstream, codexArgs: string[], bridgeArgs: string[] = []) {
  return runBridge(s, ['run', '--upstream', m.url, '--model', 'mock-model', '--api-key-env', 'MOCK_KEY', ...bridgeArgs, '--', 'codex', 'exec', ...codexArgs], {
    env: s.env({ MOCK_KEY: KEY }),
  });
}

const mentions = (req: ChatRequest, marker: string): boolean => req.messages.some((m) => m.role === 'user' && messageText(m).includes(marker));

/** Everything the upstream answered was 2xx: no request was refused as malformed. */
function expectNoRefusals(m: MockUpstream): void {
  const refused = m.requests.filter((r) => r.status >= 400).map((r) => `${r.status}: ${r.rejection}`);
  expect(refused).toEqual([]);
  expect(m.requests.length).toBeGreaterThan(0);
}

function expectNothingLeftBehind(s: Sandbox): void {
  expect(readFileSync(path.join(s.codexHome, 'config.toml'), 'utf8')).toBe(USER_CONFIG);
  expect(s.leftovers()).toEqual([]);
}

describe('codex-bridge run -- codex exec (real Codex)', () => {
  it('runs a shell tool call, then two parallel ones, then answers; DeepSeek reasoning rules hold', async () => {
    const { sandbox: s, mock: m } = await setUp({
      rules: { reasoning: 'deepseek' },
      turns: (req): MockTurn => {
        const done = toolResults(req);
        if (done === 0) return { reasoning: 'First write one file.', toolCalls: [shell('echo one > first.txt && env > env.txt')] };
        if (done === 1) return { reasoning: 'Now two at once.', toolCalls: [shell('echo two > second.txt'), shell('echo three > third.txt')] };
        return { reasoning: 'All written.', content: 'FINAL-ANSWER-7f3: three files written.' };
      },
    });

    const logFile = path.join(s.root, 'bridge.log');
    // --strict-config: every key of the temporary profile is one this Codex knows.
    const result = await codexExec(s, m, ['--strict-config', '--skip-git-repo-check', '-s', 'danger-full-access', 'Write three files.'], ['--log-file', logFile]);

    expect(result.exitCode, result.all).toBe(0);
    expect(result.stdout).toContain('FINAL-ANSWER-7f3');
    expect(readFileSync(path.join(s.cwd, 'first.txt'), 'utf8')).toBe('one\n');
    expect(readFileSync(path.join(s.cwd, 'second.txt'), 'utf8')).toBe('two\n');
    expect(readFileSync(path.join(s.cwd, 'third.txt'), 'utf8')).toBe('three\n');
    expectNoRefusals(m);
    // The upstream got the key; Codex and its tools never saw it.
    expect(m.requests[0].headers.authorization).toBe(`Bearer ${KEY}`);
    expect(readFileSync(path.join(s.cwd, 'env.txt'), 'utf8')).not.toContain(KEY);
    expect(result.all).not.toContain(KEY);
    // The parallel calls came back as two tool results after one assistant message.
    const last = m.requests[m.requests.length - 1].body;
    expect(toolResults(last)).toBe(3);
    // --log-file: one line per request, private, without the key.
    const log = readFileSync(logFile, 'utf8');
    expect(log.match(/POST \/v1\/responses .*status=200/g)).toHaveLength(m.requests.length);
    expect(log).not.toContain(KEY);
    expect(statSync(logFile).mode & 0o777).toBe(0o600);
    expectNothingLeftBehind(s);
  }, 120_000);

  it('resumes the last session in a new bridge process; Kimi wants reasoning_content on every assistant message', async () => {
    const { sandbox: s, mock: m } = await setUp({
      rules: { reasoning: 'kimi' },
      turns: (req): MockTurn => {
        if (mentions(req, 'SECOND-PROMPT')) return { reasoning: 'Picking up where we left off.', content: 'RESUMED-ANSWER-2c9' };
        if (toolResults(req) === 0) return { reasoning: 'Look first.', toolCalls: [shell('echo hello > note.txt')] };
        return { reasoning: 'Wrote it.', content: 'FIRST-ANSWER-5d1' };
      },
    });

    const first = await codexExec(s, m, ['--skip-git-repo-check', '-s', 'danger-full-access', 'FIRST-PROMPT: write a note.']);
    expect(first.exitCode, first.all).toBe(0);
    expect(first.stdout).toContain('FIRST-ANSWER-5d1');
    const firstRun = m.requests.length;

    // exec's own flags go before `resume`.
    const resumed = await codexExec(s, m, ['--skip-git-repo-check', '-s', 'danger-full-access', 'resume', '--last', 'SECOND-PROMPT: and now?']);
    expect(resumed.exitCode, resumed.all).toBe(0);
    expect(resumed.stdout).toContain('RESUMED-ANSWER-2c9');
    expectNoRefusals(m);
    // The resumed request carried the whole earlier conversation, reasoning included.
    const resumeRequest = m.requests.slice(firstRun).find((r) => mentions(r.body, 'SECOND-PROMPT'))!.body;
    expect(mentions(resumeRequest, 'FIRST-PROMPT')).toBe(true);
    const assistants = resumeRequest.messages.filter((msg) => msg.role === 'assistant');
    expect(assistants.length).toBeGreaterThanOrEqual(2);
    for (const msg of assistants) expect((msg as { reasoning_content?: string }).reasoning_content).toBeTruthy();
    expectNothingLeftBehind(s);
  }, 180_000);

  it('applies patches through the apply_patch function (Codex\'s freeform tool)', async () => {
    const add = '*** Begin Patch\n*** Add File: x.txt\n+hi\n*** End Patch\n';
    const update = '*** Begin Patch\n*** Update File: x.txt\n@@\n-hi\n+hello, patched\n*** End Patch\n';
    const { sandbox: s, mock: m } = await setUp({
      turns: (req): MockTurn => {
        const done = toolResults(req);
        if (done === 0) return { toolCalls: [{ name: 'apply_patch', arguments: JSON.stringify({ input: add }) }] };
        if (done === 1) return { toolCalls: [{ name: 'apply_patch', arguments: JSON.stringify({ input: update }) }] };
        return { content: 'PATCHED-9e4' };
      },
    });

    const result = await codexExec(s, m, ['--skip-git-repo-check', '-s', 'danger-full-access', 'Create x.txt.']);

    expect(result.exitCode, result.all).toBe(0);
    expect(result.stdout).toContain('PATCHED-9e4');
    expect(existsSync(path.join(s.cwd, 'x.txt'))).toBe(true);
    expect(readFileSync(path.join(s.cwd, 'x.txt'), 'utf8')).toBe('hello, patched\n');
    // The upstream saw apply_patch as a plain function with one string parameter, `input`.
    const tool = m.requests[0].body.tools?.find((t) => t.function.name === 'apply_patch');
    expect(tool?.function.parameters).toMatchObject({ type: 'object', properties: { input: { type: 'string' } } });
    expectNoRefusals(m);
    expectNothingLeftBehind(s);
  }, 120_000);
});
