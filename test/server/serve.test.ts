// `codex-bridge serve`: start-up lines, token rules, one-line errors, and a clean exit on signals.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startServe, type RunningServe } from '../../src/server/start-serve.js';
import { UsageError } from '../../src/output/usage-error.js';
import { ensureBuilt, repoRoot } from '../e2e/ensure-built.js';
import { withTakenPort } from '../helpers/closed-port.js';

const KEY = 'sk-serve-test-key-0000';
const baseEnv = { TEST_UPSTREAM_KEY: KEY };
const flags = { upstream: 'https://api.example.com/v1', model: 'deepseek-chat', apiKeyEnv: 'TEST_UPSTREAM_KEY' };

let running: RunningServe | undefined;
afterEach(async () => {
  await running?.close();
  running = undefined;
});

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, deps: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) } };
}

describe('startServe', () => {
  it('prints where it listens and a generated token, never the key; the token works', async () => {
    const { out, deps } = capture();
    running = await startServe({ ...flags, port: 0 }, { ...deps, env: baseEnv });
    expect(out[0]).toBe(`codex-bridge listening on ${running.url} → api.example.com (deepseek-chat)`);
    expect(running.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    expect(out[1]).toBe(`token: ${running.token}`);
    expect(running.token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(out.join('\n')).not.toContain(KEY);
    const models = await fetch(`${running.url}/models`, { headers: { authorization: `Bearer ${running.token}` } });
    expect(models.status).toBe(200);
    expect((await fetch(`${running.url}/models`)).status).toBe(401);
  });

  it('uses CODEX_BRIDGE_TOKEN without printing it, and CODEX_BRIDGE_* for the upstream', async () => {
    const { out, deps } = capture();
    const env = { ...baseEnv, CODEX_BRIDGE_TOKEN: 'from-the-env-0123456789', CODEX_BRIDGE_UPSTREAM: 'http://127.0.0.1:9/v1', CODEX_BRIDGE_MODEL: 'qwen' };
    running = await startServe({}, { ...deps, env });
    expect(running.token).toBe('from-the-env-0123456789');
    expect(out).toHaveLength(1);
    expect(out[0]).toMatch(/→ 127\.0\.0\.1:9 \(qwen\)$/);
    expect(out.join('\n')).not.toContain('from-the-env');
  });

  it('logs one line per request with --verbose', async () => {
    const { err, deps } = capture();
    running = await startServe({ ...flags, verbose: true }, { ...deps, env: baseEnv });
    await fetch(`${running.url.replace(/\/v1$/, '')}/healthz`);
    await expect.poll(() => err).toEqual([expect.stringMatching(/^codex-bridge: GET \/healthz status=200 \d+ms$/)]);
  });

  it('refuses a non-loopback --host without CODEX_BRIDGE_TOKEN', async () => {
    const { deps } = capture();
    const error = await startServe({ ...flags, host: '0.0.0.0' }, { ...deps, env: baseEnv }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).exitCode).toBe(2);
    expect((error as Error).message).toMatch(/CODEX_BRIDGE_TOKEN/);
  });

  it('allows a non-loopback --host with CODEX_BRIDGE_TOKEN set', async () => {
    const { deps } = capture();
    running = await startServe({ ...flags, host: '0.0.0.0' }, { ...deps, env: { ...baseEnv, CODEX_BRIDGE_TOKEN: 'a-long-shared-secret-0123' } });
    expect(running.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
  });

  it('says in one line that the port is taken (exit 1)', async () => {
    await withTakenPort(async (port) => {
      const error = await startServe({ ...flags, port }, { ...capture().deps, env: baseEnv }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UsageError);
      expect((error as UsageError).exitCode).toBe(1);
      expect((error as Error).message).toBe(`cannot listen on 127.0.0.1:${port}: the port is already in use — pick another --port (or 0 for any free port)`);
    });
  });

  it('takes named clients from a token file: each token works, the names are printed, never the tokens', async () => {
    const { mkdtempSync, rmSync, writeFileSync } = await import('node:fs');
    const os = await import('node:os');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cb-serve-tokens-'));
    try {
      const tokens = path.join(dir, 'tokens');
      writeFileSync(tokens, 'alice alice-token-0123456789\nbob bob-token-0123456789ab\n', { mode: 0o600 });
      const { out, deps } = capture();
      running = await startServe({ ...flags, host: '0.0.0.0', tokens }, { ...deps, env: baseEnv });
      expect(out.slice(1)).toEqual([`clients: alice, bob (tokens from ${tokens})`]);
      for (const token of ['alice-token-0123456789', 'bob-token-0123456789ab']) {
        expect((await fetch(`${running.url}/models`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
      }
      expect((await fetch(`${running.url}/models`, { headers: { authorization: `Bearer ${running.token}` } })).status).toBe(401);
      const both = await startServe({ ...flags, tokens }, { ...capture().deps, env: { ...baseEnv, CODEX_BRIDGE_TOKEN: 'also-a-token-0123456789' } }).catch((e: unknown) => e);
      expect((both as Error).message).toMatch(/^both CODEX_BRIDGE_TOKEN and a token file are given — /);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a --store that is not a redis:// URL, in one line', async () => {
    await expect(startServe({ ...flags, store: 'http://cache:6379' }, { ...capture().deps, env: baseEnv })).rejects.toThrow(/^--store must be a redis:\/\/ or rediss:\/\/ URL/);
    await expect(startServe(flags, { ...capture().deps, env: { ...baseEnv, CODEX_BRIDGE_STORE: 'cache:6379' } })).rejects.toThrow(/^CODEX_BRIDGE_STORE must be a redis/);
  });

  it('turns option problems into usage errors', async () => {
    await expect(startServe({ ...flags, upstream: 'not a url' }, { ...capture().deps, env: baseEnv })).rejects.toBeInstanceOf(UsageError);
    await expect(startServe({ ...flags, apiKeyEnv: 'UNSET_VAR_FOR_TEST' }, { ...capture().deps, env: baseEnv })).rejects.toThrow(/UNSET_VAR_FOR_TEST is not set/);
  });
});

describe('codex-bridge serve (the real CLI)', () => {
  beforeAll(async () => {
    await ensureBuilt();
  }, 120_000);

  function launch(args: string[], env: Record<string, string> = {}) {
    const child = spawn(process.execPath, [path.join(repoRoot, 'bin/codex-bridge.js'), 'serve', ...args], {
      env: { PATH: process.env.PATH ?? '', ...baseEnv, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    return { child, exited, output: () => ({ stdout, stderr }) };
  }

  it.each(['SIGINT', 'SIGTERM'] as const)('exits 0 on %s, even with a client connected', async (signal) => {
    const run = launch(['--upstream', 'https://api.example.com/v1', '--model', 'm', '--api-key-env', 'TEST_UPSTREAM_KEY']);
    await expect.poll(() => run.output().stdout, { timeout: 10_000 }).toMatch(/token: /);
    const url = /listening on (\S+)/.exec(run.output().stdout)![1];
    const health = await fetch(`${url.replace(/\/v1$/, '')}/healthz`, { keepalive: true });
    expect(health.status).toBe(200);
    run.child.kill(signal);
    expect(await run.exited).toBe(0);
    expect(run.output().stdout + run.output().stderr).not.toContain(KEY);
  });

  it('prints a usage mistake as one line and exits 2', async () => {
    const run = launch(['--upstream', 'https://api.example.com/v1']);
    expect(await run.exited).toBe(2);
    expect(run.output().stderr).toBe('codex-bridge: no model given — pass --model <id> (e.g. deepseek-v4-flash) or set CODEX_BRIDGE_MODEL\n');
  });
});
