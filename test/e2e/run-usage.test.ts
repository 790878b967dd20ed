import { existsSync, readdirSync } from 'node:fs';
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
    expect(result.stderr).toMatch(/^codex-bridge: no upstream given: pass --upstream <url>/);
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

  it('passes the command\'s exit code through', async () => {
    sandbox = makeSandbox();
    const result = await runBridge(sandbox, ['run', '--upstream', 'http://127.0.0.1:9/v1', '--model', 'm', '--', 'node', '-e', 'process.exit(9)']);
    expect(result.exitCode).toBe(9);
  });
});
