import { execFileSync, spawnSync } from 'node:child_process';
import { bridgeBin, type Sandbox } from './sandbox.js';

// Drives a command in a real terminal (tmux) as a person would: type, press Enter, read the screen.

/** The TUI tests need tmux (.ci/run installs it): without it they fail saying so, never skip. */
export function requireTmux(): void {
  if (spawnSync('tmux', ['-V']).status !== 0) throw new Error('tmux is not installed; install it (apt-get install tmux) or run bash .ci/run');
}

export const quote = (value: string): string => `'${value.replace(/'/g, `'\\''`)}'`;

export interface Terminal {
  screen(): string;
  /** Waits until the screen satisfies `predicate`; throws with the screen if it never does. */
  waitFor(predicate: (text: string) => boolean, what: string, timeoutMs?: number): Promise<string>;
  /** Types `text` literally and waits until Codex has it, past its paste-burst window. */
  type(text: string): Promise<void>;
  press(key: string): void;
  /**
   * Presses `key` until the screen leaves the state `still` describes, for a screen that can drop
   * a key (a TUI that has drawn its dialog before it reads input). Throws after `tries` presses.
   */
  pressWhile(key: string, still: (text: string) => boolean, what: string, tries?: number): Promise<void>;
  kill(): void;
}

/**
 * `codex-bridge <args>` in a new tmux session (220×50), in `cwd`, with exactly `env`; when it ends
 * the screen shows BRIDGE-EXIT=<code>.
 */
export function openTerminal(sandbox: Sandbox, args: string[], env: NodeJS.ProcessEnv, cwd = sandbox.cwd): Terminal {
  const socket = `cb-e2e-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
  const tmux = (...rest: string[]) => execFileSync('tmux', ['-L', socket, ...rest], { encoding: 'utf8' });
  const assignments = Object.entries(env)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${quote(v!)}`)
    .join(' ');
  const command = [process.execPath, bridgeBin, ...args].map(quote).join(' ');
  const shellCommand = `cd ${quote(cwd)} && env -i ${assignments} ${command}; echo "BRIDGE-EXIT=$?"; sleep 600`;
  execFileSync('tmux', ['-L', socket, '-f', '/dev/null', 'new-session', '-d', '-s', 'main', '-x', '220', '-y', '50', shellCommand]);
  const screen = () => tmux('capture-pane', '-p', '-J', '-t', 'main');
  const waitFor = async (predicate: (text: string) => boolean, what: string, timeoutMs = 60_000) => {
    const deadline = Date.now() + timeoutMs;
    let text = '';
    while (Date.now() < deadline) {
      text = screen();
      if (predicate(text)) return text;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    throw new Error(`timed out waiting for ${what}; the screen shows:\n${text}`);
  };
  return {
    screen,
    waitFor,
    /**
     * Codex takes Enter as a newline, not a submit, for 120 ms after a fast run of keystrokes
     * (paste_burst.rs, PASTE_ENTER_SUPPRESS_WINDOW): a timer inside Codex that nothing on screen
     * shows, so after the text appears, wait past it.
     */
    async type(text: string) {
      tmux('send-keys', '-t', 'main', '-l', text);
      await waitFor((t) => t.includes(text), `"${text}" in the composer`, 10_000);
      await new Promise((resolve) => setTimeout(resolve, 300));
    },
    press: (key: string) => void tmux('send-keys', '-t', 'main', key),
    async pressWhile(key: string, still: (text: string) => boolean, what: string, tries = 4) {
      for (let attempt = 1; attempt <= tries; attempt++) {
        tmux('send-keys', '-t', 'main', key);
        try {
          await waitFor((t) => !still(t), what, 5_000);
          return;
        } catch (error) {
          if (attempt === tries) throw error;
        }
      }
    },
    kill: () => void spawnSync('tmux', ['-L', socket, 'kill-server']),
  };
}

/** The exit code the screen shows once the command ended. */
export async function exitCodeOf(terminal: Terminal, timeoutMs = 30_000): Promise<number> {
  const after = await terminal.waitFor((t) => /BRIDGE-EXIT=\d+/.test(t), 'the bridge to exit', timeoutMs);
  return Number(/BRIDGE-EXIT=(\d+)/.exec(after)![1]);
}
