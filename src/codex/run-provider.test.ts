import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { tempDirsPerTest } from '../../test/helpers/temp-dirs.js';
import { runWithBridge, type BridgeServerHandle, type RunDependencies } from './run-with-bridge.js';
import type { BridgeOptions } from '../server/bridge-options.js';
import { startServe } from '../server/start-serve.js';
import { UsageError } from '../output/usage-error.js';

// `run --provider …` and the zero-config start, through runWithBridge with a stand-in server: what
// the bridge is started with, and the one notice line. (The real server: test/e2e/provider-cli.)

const tempDir = tempDirsPerTest('cb-run-provider-');
let root: string;
let started: BridgeOptions | undefined;
beforeEach(() => {
  root = tempDir();
  started = undefined;
});
afterEach(() => {
  vi.restoreAllMocks();
});

function deps(env: NodeJS.ProcessEnv): RunDependencies {
  return {
    env: { PATH: path.dirname(process.execPath), HOME: root, CODEX_HOME: path.join(root, 'codex'), CODEX_BRIDGE_HOME: path.join(root, 'bridge'), ...env },
    cwd: root,
    templateCacheDir: null,
    startServer: async (options): Promise<BridgeServerHandle> => {
      started = options;
      return { url: 'http://127.0.0.1:45678/v1', port: 45678, host: '127.0.0.1', close: async () => {} } as BridgeServerHandle;
    },
  };
}

function captureStderr(): () => string {
  const spy = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  return () => spy.mock.calls.map(([chunk]) => String(chunk)).join('');
}

const command = [process.execPath, '-e', 'process.exit(0)'];

describe('run --provider', () => {
  it('works with just the key variable set, and passes the provider id to the bridge', async () => {
    const stderr = captureStderr();
    expect(await runWithBridge(command, { provider: 'deepseek' }, deps({ DEEPSEEK_API_KEY: 'sk-d' }))).toBe(0);
    expect(started).toMatchObject({ provider: 'deepseek', upstream: 'https://api.deepseek.com/v1', model: 'deepseek-v4-flash', apiKey: 'sk-d' });
    expect(stderr()).toBe('');
  });

  it('--model overrides the preset default', async () => {
    captureStderr();
    await runWithBridge(command, { provider: 'gemini', model: 'gemini-3.8-flash' }, deps({ GEMINI_API_KEY: 'g' }));
    expect(started).toMatchObject({ provider: 'gemini', upstream: 'https://generativelanguage.googleapis.com/v1beta/openai', model: 'gemini-3.8-flash' });
  });

  it('with no flags and one provider key set, picks it and says so in one line', async () => {
    const stderr = captureStderr();
    expect(await runWithBridge(command, {}, deps({ MOONSHOT_API_KEY: 'k', NO_COLOR: '1' }))).toBe(0);
    expect(started).toMatchObject({ provider: 'kimi', upstream: 'https://api.moonshot.ai/v1', model: 'kimi-k2.6', apiKey: 'k' });
    expect(stderr()).toBe('codex-bridge: using Kimi (Moonshot) (kimi-k2.6 at https://api.moonshot.ai/v1) because MOONSHOT_API_KEY is set; --provider <id> picks another\n');
  });

  it('with two provider keys set, starts nothing and names the flag to pass', async () => {
    const error = await runWithBridge(command, {}, deps({ MOONSHOT_API_KEY: 'k', XAI_API_KEY: 'x' })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).message).toMatch(/pass --provider kimi or --provider xai/);
    expect(started).toBeUndefined();
  });
});

describe('serve --provider', () => {
  it('starts the bridge with the preset and the provider id; the notice goes to stderr', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const running = await startServe(
      {},
      {
        env: { HOME: root, CODEX_BRIDGE_HOME: path.join(root, 'bridge'), XAI_API_KEY: 'x' },
        out: (line) => out.push(line),
        err: (line) => err.push(line),
        startServer: async (options) => {
          started = options;
          return { url: 'http://127.0.0.1:45679/v1', close: () => {} };
        },
      },
    );
    await running.close();
    expect(started).toMatchObject({ provider: 'xai', upstream: 'https://api.x.ai/v1', model: 'grok-4.3', apiKey: 'x' });
    expect(err).toEqual(['codex-bridge: using xAI (Grok) (grok-4.3 at https://api.x.ai/v1) because XAI_API_KEY is set; --provider <id> picks another']);
    expect(out[0]).toBe('codex-bridge listening on http://127.0.0.1:45679/v1 → api.x.ai (grok-4.3)');
  });
});
