import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from './ensure-built.js';
import { makeSandbox, runBridge, type Sandbox } from './sandbox.js';

// `codex-bridge run` refusing to start: one line on stderr, the right exit code, nothing started.

let sandbox: Sandbox | undefined;
beforeAll(ensureBuilt, 120_000);
afterEach(() => {
  sandbox?.dispose();
  sandbox = undefined;
});

describe('codex-bridge run (usage errors)', () => {
  it('without an upstream: says what to pass, exits 2, Codex not started', async () => {
    sandbox = makeSandbox();
    const result = await runBridge(sandbox, ['run', '--model', 'm', '--', 'codex', 'exec', 'hi']);
    expect(result.exitCode).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/^codex-bridge: no upstream given — pass --upstream <url>/);
    // Codex never ran: it would have created its state files in CODEX_HOME.
    expect(readdirSync(sandbox.codexHome)).toEqual([]);
  });

  it('with the key variable unset: names it, exits 2', async () => {
    sandbox = makeSandbox();
    const result = await runBridge(sandbox, ['run', '--upstream', 'http://127.0.0.1:9/v1', '--model', 'm', '--api-key-env', 'NOPE_KEY', '--', 'codex']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/\$NOPE_KEY is not set/);
  });

  it('takes upstream and model from CODEX_BRIDGE_* when no flags are given', async () => {
    sandbox = makeSandbox();
    const env = sandbox.env({ CODEX_BRIDGE_UPSTREAM: 'http://127.0.0.1:9/v1', CODEX_BRIDGE_MODEL: 'm' });
    const result = await runBridge(sandbox, ['run', '--', 'node', '-e', 'process.exit(process.env.OPENAI_BASE_URL.startsWith("http://127.0.0.1:") ? 4 : 1)'], { env });
    expect(result.exitCode).toBe(4);
  });

  it('when codex is not installed: says how to install it, exits 127', async () => {
    sandbox = makeSandbox();
    // A PATH with nothing on it (the bridge itself is started by absolute path).
    const env = sandbox.env({ PATH: sandbox.cwd });
    const result = await runBridge(sandbox, ['run', '--upstream', 'http://127.0.0.1:9/v1', '--model', 'm', '--', 'codex'], { env });
    expect(result.exitCode).toBe(127);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/npm i -g @openai\/codex/);
    expect(existsSync(sandbox.codexHome) ? readdirSync(sandbox.codexHome) : []).toEqual([]);
  });

  it('bridge options after the command: says they went to the command, and the line that works; Codex not started', async () => {
    sandbox = makeSandbox();
    const result = await runBridge(sandbox, ['run', 'codex', '--provider', 'ollama']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toBe('codex-bridge: options after the command are passed to it (--provider ollama) — put bridge options before `--`: codex-bridge run --provider ollama -- codex');
    expect(readdirSync(sandbox.codexHome)).toEqual([]);
    // Another command, whose run cannot start without them.
    const other = await runBridge(sandbox, ['run', '--', 'node', 'agent.mjs', '--upstream', 'http://127.0.0.1:9/v1', '--model', 'm']);
    expect(other.exitCode).toBe(2);
    expect(other.stderr).toBe(
      'codex-bridge: options after the command are passed to it (--upstream http://127.0.0.1:9/v1 --model m) — put bridge options before `--`: codex-bridge run --upstream http://127.0.0.1:9/v1 --model m -- node agent.mjs',
    );
  });

  it("a usage mistake is one line in the bridge's style, pointing at the subcommand's help", async () => {
    sandbox = makeSandbox();
    const unknown = await runBridge(sandbox, ['run', '--bogus', '--', 'codex']);
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toBe("codex-bridge: unknown option '--bogus' — see `codex-bridge run --help`");
    const timeout = await runBridge(sandbox, ['run', '--upstream', 'http://127.0.0.1:9/v1', '--model', 'm', '--upstream-timeout', 'soon', '--', 'codex']);
    expect(timeout.exitCode).toBe(2);
    expect(timeout.stderr).toBe('codex-bridge: --upstream-timeout "soon" is not a duration from 1s to 24h — pass e.g. 90s, 10m or 1h (plain numbers are seconds)');
    const sessions = await runBridge(sandbox, ['sessions', 'list', '--bogus']);
    expect(sessions.exitCode).toBe(2);
    expect(sessions.stderr).toBe("codex-bridge: unknown option '--bogus' — see `codex-bridge sessions list --help`");
  });

  it('CODEX_HOME pointing at a file: one line naming the path and the variable, exit 1, never "internal error"', async () => {
    sandbox = makeSandbox();
    const file = path.join(sandbox.root, 'not-a-directory');
    writeFileSync(file, '');
    const result = await runBridge(sandbox, ['run', '--upstream', 'http://127.0.0.1:9/v1', '--model', 'm', '--', 'codex', 'exec', 'hi'], { env: sandbox.env({ CODEX_HOME: file }) });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toBe(`codex-bridge: cannot create the directory ${file}: it is a file, not a directory — point CODEX_HOME at a directory you can write to (it is ${file})`);
    const config = await runBridge(sandbox, ['config', 'set', 'model', 'm'], { env: sandbox.env({ CODEX_BRIDGE_HOME: file }) });
    expect(config.exitCode).toBe(1);
    expect(config.stderr).toBe(`codex-bridge: cannot create the directory ${file}: it is a file, not a directory — point CODEX_BRIDGE_HOME at a directory you can write to (it is ${file})`);
    // The commands that read the sessions say the same, not "cannot use …: EEXIST".
    for (const args of [['sessions', 'list'], ['usage'], ['resume', '--last']]) {
      const read = await runBridge(sandbox, args, { env: sandbox.env({ CODEX_BRIDGE_HOME: file }) });
      expect([args.join(' '), read.exitCode, read.stderr]).toEqual([args.join(' '), 1, config.stderr]);
    }
  });

  it('a reader that closes the pipe early (`| head`) ends the command quietly', async () => {
    sandbox = makeSandbox();
    const { spawn } = await import('node:child_process');
    const { bridgeBin } = await import('./sandbox.js');
    const child = spawn(process.execPath, [bridgeBin, '--help'], { env: sandbox.env(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    // Our end is closed before the command writes anything, so its first write finds no reader.
    child.stdout.destroy();
    const code = await new Promise<number | null>((resolve) => child.once('close', (exitCode) => resolve(exitCode)));
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
  });

  it('`sessions ls` is `sessions list`', async () => {
    sandbox = makeSandbox();
    const env = sandbox.env({ CODEX_BRIDGE_HOME: path.join(sandbox.root, 'bridge-home') });
    const ls = await runBridge(sandbox, ['sessions', 'ls'], { env });
    expect(ls.exitCode).toBe(0);
    expect(ls.stdout).toBe((await runBridge(sandbox, ['sessions', 'list'], { env })).stdout);
    expect(ls.stdout).toMatch(/^no sessions recorded yet/);
  });

  it('passes the command\'s exit code through', async () => {
    sandbox = makeSandbox();
    const result = await runBridge(sandbox, ['run', '--upstream', 'http://127.0.0.1:9/v1', '--model', 'm', '--', 'node', '-e', 'process.exit(9)']);
    expect(result.exitCode).toBe(9);
  });
});
