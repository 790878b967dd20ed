import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ChatRequest } from '../../src/translate/types.js';
import { startMockUpstream, type MockTurn, type MockUpstream } from '../helpers/mock-upstream.js';
import { ensureBuilt } from './ensure-built.js';
import { messageText } from './fault-helpers.js';
import { makeSandbox, runBridge, type Sandbox } from './sandbox.js';
import { exitCodeOf, openTerminal, requireTmux, type Terminal } from './tui-driver.js';

// The everyday loop in the interactive TUI, driven through tmux with the real Codex: the folder
// trust question asked once across runs in a git repository (the answer kept by the bridge, the
// user's config.toml untouched), the `codex-bridge resume <id>` line at the end of a run, one
// session per conversation (Codex's title request counted in it), and `resume` opening that
// conversation again.

const KEY = 'sk-mock-upstream-key-tui-loop-0123456789';
const USER_CONFIG = '# my own settings\n[tui]\nnotifications = false\n';

let sandbox: Sandbox | undefined;
let mock: MockUpstream | undefined;
const terminals: Terminal[] = [];
beforeAll(ensureBuilt, 120_000);
afterEach(async () => {
  for (const terminal of terminals.splice(0)) terminal.kill();
  await mock?.close();
  sandbox?.dispose();
  mock = undefined;
  sandbox = undefined;
});

const said = (req: ChatRequest, text: string) => req.messages.some((m) => m.role === 'user' && messageText(m).includes(text));
const isTitleRequest = (req: ChatRequest) => said(req, 'Generate a concise, single-line task title');
const PROMPT = 'Say hello to the loop.';

describe('the everyday loop in the TUI (real Codex under tmux)', () => {
  beforeAll(requireTmux);
  it('trust asked once across runs; run prints `codex-bridge resume <id>`; one session; resume reopens it', async () => {
    const s = (sandbox = makeSandbox());
    execFileSync('git', ['init', '-q', s.cwd]);
    writeFileSync(path.join(s.codexHome, 'config.toml'), USER_CONFIG);
    let answers = 0;
    const m = (mock = await startMockUpstream({
      apiKey: KEY,
      turns: (req): MockTurn => (isTitleRequest(req) ? { content: '{"title":"Say hello"}' } : { content: `LOOP-ANSWER-${++answers} hello from the bridge` }),
    }));
    const env = s.env({ MOCK_KEY: KEY, TERM: 'xterm-256color', COLORTERM: 'truecolor' });
    const run = ['run', '--upstream', m.url, '--model', 'mock-model', '--api-key-env', 'MOCK_KEY', '--', 'codex', '-s', 'danger-full-access'];
    const ready = (t: string) => t.includes('Ask Codex to do anything');

    // First run: Codex asks whether to trust the repository.
    const first = openTerminal(s, run, env);
    terminals.push(first);
    const asksTrust = (t: string) => /Trust this folder\?/.test(t);
    await first.waitFor(asksTrust, 'the trust question');
    // Under load the dialog can be drawn before Codex reads keys: press again while it is still there.
    await first.pressWhile('Enter', asksTrust, 'the trust question to be answered');
    await first.waitFor(ready, 'the Codex prompt');
    await first.type(PROMPT);
    first.press('Enter');
    await first.waitFor((t) => t.includes('LOOP-ANSWER-1'), 'the answer');
    // The TUI asks for a title on a thread of its own; wait for it before leaving.
    await first.waitFor(() => m.requests.some((r) => isTitleRequest(r.body)), 'the title request', 20_000);
    await first.type('/quit');
    first.press('Enter');
    expect(await exitCodeOf(first)).toBe(0);
    const end = first.screen();
    const printed = /^codex-bridge resume ([0-9a-f-]{36})$/m.exec(end);
    expect(printed, end).not.toBeNull();
    const id = printed![1];
    // After Codex's own hint, which cannot work without the bridge.
    expect(end.indexOf(`codex resume ${id}`)).toBeLessThan(end.indexOf(`codex-bridge resume ${id}`));
    expect(end).toContain(`kept your folder trust answer for ${s.cwd} (trusted)`);

    // One session: the conversation, its title request counted in it.
    const listed = JSON.parse((await runBridge(s, ['sessions', 'list', '--json'], { env })).stdout) as Array<Record<string, any>>;
    expect(listed.map((session) => [session.id, session.title, session.requests])).toEqual([[id, PROMPT, m.requests.length]]);
    expect(m.requests.length).toBeGreaterThanOrEqual(2);
    const trust = JSON.parse((await runBridge(s, ['trust', 'list', '--json'], { env })).stdout) as Array<Record<string, string>>;
    expect(trust.map((decision) => [decision.path, decision.trustLevel])).toEqual([[s.cwd, 'trusted']]);
    expect(readFileSync(path.join(s.codexHome, 'config.toml'), 'utf8')).toBe(USER_CONFIG);

    // Second run in the same repository: no question.
    const second = openTerminal(s, run, env);
    terminals.push(second);
    const shown = await second.waitFor((t) => ready(t) || /Trust this folder\?/.test(t), 'the Codex prompt');
    expect(shown).not.toMatch(/Trust this folder\?/);
    await second.type('/quit');
    second.press('Enter');
    expect(await exitCodeOf(second)).toBe(0);

    // resume: the TUI on the same conversation, through the recorded upstream, no flags.
    const before = m.requests.length;
    const resumed = openTerminal(s, ['resume', id.slice(0, 13), '--', '-s', 'danger-full-access'], env);
    terminals.push(resumed);
    await resumed.waitFor((t) => ready(t) && t.includes(PROMPT), 'the resumed conversation');
    await resumed.type('And again.');
    resumed.press('Enter');
    await resumed.waitFor((t) => t.includes('LOOP-ANSWER-2'), 'the answer in the resumed conversation');
    await resumed.type('/quit');
    resumed.press('Enter');
    expect(await exitCodeOf(resumed)).toBe(0);
    expect(resumed.screen()).toMatch(new RegExp(`^codex-bridge resume ${id}$`, 'm'));
    const resumeRequest = m.requests.slice(before).find((r) => said(r.body, 'And again.'))!.body;
    expect(said(resumeRequest, PROMPT)).toBe(true);
    const after = JSON.parse((await runBridge(s, ['sessions', 'list', '--json'], { env })).stdout) as Array<Record<string, any>>;
    expect(after.map((session) => [session.id, session.requests])).toEqual([[id, m.requests.length]]);

    expect(m.requests.filter((r) => r.status >= 400).map((r) => r.rejection)).toEqual([]);
    expect(s.leftovers()).toEqual([]);
  }, 240_000);
});
