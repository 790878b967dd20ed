import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'smol-toml';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startMockUpstream, type MockUpstream } from '../helpers/mock-upstream.js';
import { ensureBuilt } from './ensure-built.js';
import { makeSandbox, type Sandbox } from './sandbox.js';
import { exitCodeOf, openTerminal, requireTmux, type Terminal } from './tui-driver.js';

// The interactive TUI, as a person would use it: `codex-bridge run -- codex` in a real terminal
// (tmux), a prompt typed, the answer read off the screen, /quit.

const KEY = 'sk-mock-upstream-key-tui-0123456789';

let sandbox: Sandbox | undefined;
let mock: MockUpstream | undefined;
let terminal: Terminal | undefined;
beforeAll(ensureBuilt, 120_000);
afterEach(async () => {
  terminal?.kill();
  await mock?.close();
  sandbox?.dispose();
  terminal = undefined;
  mock = undefined;
  sandbox = undefined;
});

describe('codex-bridge run -- codex (interactive TUI under tmux)', () => {
  beforeAll(requireTmux);
  it('answers a typed prompt, shows no ⚠ badge, and /quit exits 0 leaving nothing behind', async () => {
    sandbox = makeSandbox();
    const s = sandbox;
    // The directory is trusted up front, as the user would have done once.
    const userConfig = stringify({ projects: { [s.cwd]: { trust_level: 'trusted' } } }) + '\n';
    writeFileSync(path.join(s.codexHome, 'config.toml'), userConfig);
    mock = await startMockUpstream({ apiKey: KEY, turns: [{ reasoning: 'Easy.', content: 'TUI-ANSWER-4b8 hello from the bridge' }] });

    const env = s.env({ MOCK_KEY: KEY, TERM: 'xterm-256color', COLORTERM: 'truecolor' });
    // -s danger-full-access: no sandbox helper needed (else Codex warns when bubblewrap is missing).
    const t = (terminal = openTerminal(s, ['run', '--upstream', mock.url, '--model', 'mock-model', '--api-key-env', 'MOCK_KEY', '--', 'codex', '-s', 'danger-full-access'], env));

    await t.waitFor((text) => text.includes('Ask Codex to do anything') || /trust/i.test(text), 'the Codex prompt');
    if (/do you trust/i.test(t.screen())) t.press('Enter');
    await t.waitFor((text) => text.includes('Ask Codex to do anything'), 'the Codex prompt');
    // While Codex runs, its temporary profile and catalog exist.
    expect(s.leftovers()).toHaveLength(2);

    await t.type('Say hello.');
    t.press('Enter');
    const answered = await t.waitFor((text) => text.includes('TUI-ANSWER-4b8'), 'the scripted answer');
    expect(answered).toContain('hello from the bridge');
    expect(answered).toContain('mock-model');
    expect(answered).not.toContain('⚠');

    await t.type('/quit');
    t.press('Enter');
    expect(await exitCodeOf(t)).toBe(0);

    expect(mock.requests.filter((r) => r.status >= 400).map((r) => r.rejection)).toEqual([]);
    expect(s.leftovers()).toEqual([]);
    expect(readFileSync(path.join(s.codexHome, 'config.toml'), 'utf8')).toBe(userConfig);
  }, 120_000);
});
