import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'smol-toml';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startMockUpstream, type MockUpstream } from '../helpers/mock-upstream.js';
import { ensureBuilt } from './ensure-built.js';
import { bridgeBin, makeSandbox, type Sandbox } from './sandbox.js';

// The interactive TUI, as a person would use it: `codex-bridge run -- codex` in a real terminal
// (tmux), a prompt typed, the answer read off the screen, /quit.

const hasTmux = spawnSync('tmux', ['-V']).status === 0;
const KEY = 'sk-mock-upstream-key-tui-0123456789';

let sandbox: Sandbox | undefined;
let mock: MockUpstream | undefined;
let socket: string | undefined;
beforeAll(ensureBuilt, 120_000);
afterEach(async () => {
  if (socket) spawnSync('tmux', ['-L', socket, 'kill-server']);
  await mock?.close();
  sandbox?.dispose();
  socket = undefined;
  mock = undefined;
  sandbox = undefined;
});

const quote = (value: string): string => `'${value.replace(/'/g, `'\\''`)}'`;

function tmux(...args: string[]): string {
  return execFileSync('tmux', ['-L', socket!, ...args], { encoding: 'utf8' });
}
const screen = (): string => tmux('capture-pane', '-p', '-t', 'main');

async function waitForScreen(predicate: (text: string) => boolean, what: string, timeoutMs = 60_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let text = '';
  while (Date.now() < deadline) {
    text = screen();
    if (predicate(text)) return text;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`timed out waiting for ${what}; the screen shows:\n${text}`);
}

/**
 * Waits until Codex shows what was typed, then past its paste-burst window: for 120 ms after a
 * fast run of keystrokes it takes Enter as a newline, not a submit (paste_burst.rs,
 * PASTE_ENTER_SUPPRESS_WINDOW). That window is a timer inside Codex, nothing on screen shows it.
 */
async function typedThenSettled(text: string): Promise<void> {
  await waitForScreen((t) => t.includes(text), `"${text}" in the composer`, 10_000);
  await new Promise((resolve) => setTimeout(resolve, 300));
}

describe.skipIf(!hasTmux)('codex-bridge run -- codex (interactive TUI under tmux)', () => {
  it('answers a typed prompt, shows no ⚠ badge, and /quit exits 0 leaving nothing behind', async () => {
    sandbox = makeSandbox();
    const s = sandbox;
    // The directory is trusted up front, as the user would have done once.
    const userConfig = stringify({ projects: { [s.cwd]: { trust_level: 'trusted' } } }) + '\n';
    writeFileSync(path.join(s.codexHome, 'config.toml'), userConfig);
    mock = await startMockUpstream({ apiKey: KEY, turns: [{ reasoning: 'Easy.', content: 'TUI-ANSWER-4b8 hello from the bridge' }] });

    const env = s.env({ MOCK_KEY: KEY, TERM: 'xterm-256color', COLORTERM: 'truecolor' });
    const assignments = Object.entries(env).map(([k, v]) => `${k}=${quote(v!)}`).join(' ');
    // -s danger-full-access: no sandbox helper needed (else Codex warns when bubblewrap is missing).
    const bridge = [process.execPath, bridgeBin, 'run', '--upstream', mock.url, '--model', 'mock-model', '--api-key-env', 'MOCK_KEY', '--', 'codex', '-s', 'danger-full-access'];
    const shellCommand = `cd ${quote(s.cwd)} && env -i ${assignments} ${bridge.map(quote).join(' ')}; echo "BRIDGE-EXIT=$?"; sleep 600`;
    socket = `cb-e2e-${process.pid}-${Date.now()}`;
    execFileSync('tmux', ['-L', socket, '-f', '/dev/null', 'new-session', '-d', '-s', 'main', '-x', '220', '-y', '50', shellCommand]);

    await waitForScreen((t) => t.includes('Ask Codex to do anything') || /trust/i.test(t), 'the Codex prompt');
    if (/do you trust/i.test(screen())) tmux('send-keys', '-t', 'main', 'Enter');
    await waitForScreen((t) => t.includes('Ask Codex to do anything'), 'the Codex prompt');
    // While Codex runs, its temporary profile and catalog exist.
    expect(s.leftovers()).toHaveLength(2);

    tmux('send-keys', '-t', 'main', '-l', 'Say hello.');
    await typedThenSettled('Say hello.');
    tmux('send-keys', '-t', 'main', 'Enter');
    const answered = await waitForScreen((t) => t.includes('TUI-ANSWER-4b8'), 'the scripted answer');
    expect(answered).toContain('hello from the bridge');
    expect(answered).toContain('mock-model');
    expect(answered).not.toContain('⚠');

    tmux('send-keys', '-t', 'main', '-l', '/quit');
    await typedThenSettled('/quit');
    tmux('send-keys', '-t', 'main', 'Enter');
    const after = await waitForScreen((t) => /BRIDGE-EXIT=\d+/.test(t), 'the bridge to exit', 30_000);
    expect(/BRIDGE-EXIT=(\d+)/.exec(after)![1]).toBe('0');

    expect(mock.requests.filter((r) => r.status >= 400).map((r) => r.rejection)).toEqual([]);
    expect(s.leftovers()).toEqual([]);
    expect(readFileSync(path.join(s.codexHome, 'config.toml'), 'utf8')).toBe(userConfig);
  }, 120_000);
});
