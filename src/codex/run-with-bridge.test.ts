import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'smol-toml';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { withTakenPort } from '../../test/helpers/closed-port.js';
import { tempDirsPerTest } from '../../test/helpers/temp-dirs.js';
import { UsageError } from '../output/usage-error.js';
import type { BridgeOptions } from '../server/bridge-options.js';
import type { TrustDecision, TrustStore } from '../trust/trust-store.js';
import { runWithBridge, type BridgeServerHandle, type RunDependencies } from './run-with-bridge.js';

// runWithBridge with a stand-in server and stand-in commands: what reaches the command (argv, env,
// profile) and what is left afterwards. The real server and the real Codex are in test/e2e.

const KEY = 'sk-upstream-key-never-in-the-child';
const tempDir = tempDirsPerTest('cb-run-test-');
let root: string;
let bin: string;
let codexHome: string;
let out: string;
let serverOptions: BridgeOptions | undefined;
let closed: boolean;

beforeEach(() => {
  root = tempDir();
  bin = path.join(root, 'bin');
  codexHome = path.join(root, 'codex-home');
  out = path.join(root, 'out.json');
  mkdirSync(bin);
  serverOptions = undefined;
  closed = false;
});

/** A stand-in `codex`: prints a catalog for `debug models`, else records what it was given. */
function installFakeCodex(exitCode = 0): void {
  const script = `#!${process.execPath}
const fs = require('fs'), path = require('path');
const args = process.argv.slice(2);
if (args.join(' ') === 'debug models --bundled') {
  console.log(JSON.stringify({ models: [{ slug: 'gpt-x', base_instructions: 'You are Codex.', shell_type: 'unified_exec' }] }));
  process.exit(0);
}
const home = process.env.CODEX_HOME;
const profile = args[0] === '--profile' ? path.join(home, args[1] + '.config.toml') : '/nonexistent';
const catalog = profile.replace(/config\.toml$/, 'catalog.json');
fs.writeFileSync(process.env.OUT, JSON.stringify({
  args, env: process.env,
  profile: fs.existsSync(profile) ? fs.readFileSync(profile, 'utf8') : null,
  profileMode: fs.existsSync(profile) ? fs.statSync(profile).mode & 0o777 : null,
  catalog: fs.existsSync(catalog) ? JSON.parse(fs.readFileSync(catalog, 'utf8')) : null,
  homeFiles: fs.existsSync(home) ? fs.readdirSync(home) : null,
}));
process.exit(${exitCode});
`;
  writeFileSync(path.join(bin, 'codex'), script);
  chmodSync(path.join(bin, 'codex'), 0o755);
}

function env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { PATH: `${bin}${path.delimiter}${path.dirname(process.execPath)}`, HOME: root, CODEX_HOME: codexHome, OUT: out, MOCK_KEY: KEY, ...extra };
}

/** Trust answers kept in memory (the file store has its own tests). */
function memoryTrustStore(): TrustStore {
  let kept: TrustDecision[] = [];
  return {
    location: '(memory)',
    list: async () => [...kept],
    record: async (answers) => {
      const changed = answers.filter((a) => !kept.some((k) => k.path === a.path && k.trustLevel === a.trustLevel)).map((a) => ({ ...a, decidedAt: 'now' }));
      kept = [...kept.filter((k) => !changed.some((c) => c.path === k.path)), ...changed];
      return changed;
    },
    remove: async () => [],
  };
}

function deps(extraEnv: NodeJS.ProcessEnv = {}): RunDependencies {
  return {
    env: env(extraEnv),
    cwd: root,
    templateCacheDir: null,
    trustStore: memoryTrustStore(),
    startServer: async (options: BridgeOptions): Promise<BridgeServerHandle> => {
      serverOptions = options;
      return { url: 'http://127.0.0.1:45678/v1', port: 45678, host: '127.0.0.1', close: async () => void (closed = true) };
    },
  };
}

const flags = { upstream: 'http://127.0.0.1:9/v1', model: 'mock-model', apiKeyEnv: 'MOCK_KEY' };
const recorded = () => JSON.parse(readFileSync(out, 'utf8'));

function deadPid(): number {
  return Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
}

describe('runWithBridge with codex', () => {
  it('starts the bridge with a fresh token, hands Codex a profile and the token, and cleans everything up', async () => {
    installFakeCodex(5);
    mkdirSync(codexHome, { recursive: true });
    writeFileSync(path.join(codexHome, 'config.toml'), 'model = "gpt-5"\n');
    const stale = `codex-bridge-${deadPid()}-0123456789ab`;
    writeFileSync(path.join(codexHome, `${stale}.config.toml`), '');
    writeFileSync(path.join(codexHome, `${stale}.catalog.json`), '');

    const code = await runWithBridge(['codex', 'exec', '--skip-git-repo-check', 'hi'], flags, deps());

    expect(code).toBe(5);
    expect(serverOptions).toMatchObject({ upstream: 'http://127.0.0.1:9/v1', model: 'mock-model', apiKey: KEY, host: '127.0.0.1', port: 0 });
    expect(serverOptions!.token).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    expect(serverOptions!.log).toBeUndefined();

    const seen = recorded();
    expect(seen.args[0]).toBe('--profile');
    expect(seen.args[1]).toMatch(new RegExp(`^codex-bridge-${process.pid}-[0-9a-f]{12}$`));
    expect(seen.args.slice(2)).toEqual(['exec', '--skip-git-repo-check', 'hi']);
    expect(seen.env.CODEX_BRIDGE_TOKEN).toBe(serverOptions!.token);
    expect(JSON.stringify(seen.env)).not.toContain(KEY);
    expect(seen.env).not.toHaveProperty('MOCK_KEY');
    expect(seen.profileMode).toBe(0o600);
    const profile = parse(seen.profile) as Record<string, any>;
    expect(profile.model_providers['codex-bridge'].base_url).toBe('http://127.0.0.1:45678/v1');
    expect(profile.model).toBe('mock-model');
    expect(profile.model_catalog_json).toBe(path.join(codexHome, `${seen.args[1]}.catalog.json`));
    // Built from what `codex debug models --bundled` printed.
    expect(seen.catalog.models).toHaveLength(1);
    expect(seen.catalog.models[0]).toMatchObject({ slug: 'mock-model', base_instructions: 'You are Codex.', apply_patch_tool_type: 'freeform' });
    // The stale files of the dead run were swept before Codex started.
    expect(seen.homeFiles.filter((f: string) => f.startsWith(stale))).toEqual([]);

    // Afterwards: server closed, nothing of ours left, the user's config untouched.
    expect(closed).toBe(true);
    expect(readdirSync(codexHome)).toEqual(['config.toml']);
    expect(readFileSync(path.join(codexHome, 'config.toml'), 'utf8')).toBe('model = "gpt-5"\n');
  });

  it('creates a missing CODEX_HOME privately', async () => {
    installFakeCodex();
    expect(await runWithBridge(['codex'], flags, deps())).toBe(0);
    expect(statSync(codexHome).mode & 0o777).toBe(0o700);
    expect(recorded().args).toEqual(['--profile', expect.stringMatching(/^codex-bridge-/)]);
    expect(readdirSync(codexHome)).toEqual([]);
  });

  it("keeps the folder trust answer Codex saved into the temporary profile, and writes it into the next run's", async () => {
    installFakeCodex();
    // Like the TUI after "Trust and continue": the decision lands in the active profile.
    const trusting = readFileSync(path.join(bin, 'codex'), 'utf8').replace(
      "const home = process.env.CODEX_HOME;",
      "const home = process.env.CODEX_HOME; if (args[0] === '--profile') fs.appendFileSync(path.join(home, args[1] + '.config.toml'), '\\n[projects.\"/work/repo\"]\\ntrust_level = \"trusted\"\\n');",
    );
    writeFileSync(path.join(bin, 'codex'), trusting);
    let printed = '';
    const trustStore = memoryTrustStore();
    const d = { ...deps(), trustStore, err: (text: string) => void (printed += text) };
    expect(await runWithBridge(['codex'], flags, d)).toBe(0);
    expect(printed).toContain('kept your folder trust answer for /work/repo (trusted); codex-bridge trust list shows them');
    expect(await trustStore.list()).toEqual([{ path: '/work/repo', trustLevel: 'trusted', decidedAt: 'now' }]);
    expect(readdirSync(codexHome)).toEqual([]);

    // The next run's profile carries it, so Codex does not ask again; nothing new to say.
    installFakeCodex();
    printed = '';
    expect(await runWithBridge(['codex'], flags, d)).toBe(0);
    expect((parse(recorded().profile) as { projects?: unknown }).projects).toEqual({ '/work/repo': { trust_level: 'trusted' } });
    expect(printed).toBe('');
  });

  it('does not give a profile to Codex subcommands that take none', async () => {
    installFakeCodex();
    await runWithBridge(['codex', 'login', 'status'], flags, deps());
    expect(recorded().args).toEqual(['login', 'status']);
  });
});

describe('runWithBridge with another program', () => {
  it('points it at the bridge through OPENAI_BASE_URL / OPENAI_API_KEY and writes no profile', async () => {
    const script = path.join(root, 'script.cjs');
    writeFileSync(script, `require('fs').writeFileSync(process.env.OUT, JSON.stringify({ argv: process.argv.slice(2), env: process.env })); process.exit(3)`);
    const code = await runWithBridge(['node', script, 'a', '--flag'], flags, deps({ OPENAI_API_KEY: 'sk-users-own-openai-key' }));
    expect(code).toBe(3);
    const seen = recorded();
    expect(seen.argv).toEqual(['a', '--flag']);
    expect(seen.env.OPENAI_BASE_URL).toBe('http://127.0.0.1:45678/v1');
    expect(seen.env.OPENAI_API_KEY).toBe(serverOptions!.token);
    expect(JSON.stringify(seen.env)).not.toContain(KEY);
    expect(existsSync(codexHome)).toBe(false);
    expect(closed).toBe(true);
  });
});

describe('runWithBridge refuses to start', () => {
  it('without an upstream, a model or the key, saying what to pass (exit 2), before starting anything', async () => {
    installFakeCodex();
    const attempts: Array<[Record<string, string | undefined>, NodeJS.ProcessEnv, RegExp]> = [
      [{ model: 'm' }, {}, /--upstream/],
      [{ upstream: 'http://x/v1' }, {}, /--model/],
      [{ ...flags, apiKeyEnv: 'UNSET_KEY' }, {}, /UNSET_KEY/],
      [{ ...flags, upstream: 'not a url' }, {}, /not a URL/],
      [{ ...flags, port: 'eighty' }, {}, /--port/],
    ];
    for (const [given, extraEnv, message] of attempts) {
      const error = await runWithBridge(['codex'], given, deps(extraEnv)).catch((e: unknown) => e);
      expect(error, String(message)).toBeInstanceOf(UsageError);
      expect((error as UsageError).exitCode).toBe(2);
      expect((error as UsageError).message).toMatch(message);
      expect((error as UsageError).message).not.toMatch(/\n/);
    }
    expect(existsSync(out)).toBe(false);
    expect(existsSync(codexHome)).toBe(false);
  });

  it('when the command is not installed, saying how to install Codex (exit 127)', async () => {
    const error = await runWithBridge(['codex', 'exec', 'hi'], flags, deps()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).exitCode).toBe(127);
    expect((error as UsageError).message).toMatch(/npm i -g @openai\/codex/);
    expect(serverOptions).toBeUndefined();
  });
});

describe('runWithBridge logging', () => {
  it('gives the server a log sink with --verbose or --log-file (0600), never the key or token in it', async () => {
    installFakeCodex();
    const logFile = path.join(root, 'bridge.log');
    await runWithBridge(['codex'], { ...flags, logFile }, deps());
    expect(statSync(logFile).mode & 0o777).toBe(0o600);
    const log = readFileSync(logFile, 'utf8');
    expect(log).toMatch(/bridge on http:\/\/127\.0\.0\.1:45678\/v1/);
    expect(log).not.toContain(KEY);
    expect(log).not.toContain(serverOptions!.token);
    expect(typeof serverOptions!.log).toBe('function');
  });
});

describe('runWithBridge signals', () => {
  it('passes SIGINT on to the command and reports the interruption as 130', async () => {
    const ready = path.join(root, 'ready');
    const script = `process.on('SIGINT', () => process.exit(1)); require('fs').writeFileSync(${JSON.stringify(ready)}, ''); setInterval(() => {}, 1000)`;
    const running = runWithBridge(['node', '-e', script], flags, deps());
    for (let i = 0; i < 200 && !existsSync(ready); i++) await new Promise((resolve) => setTimeout(resolve, 50));
    process.emit('SIGINT', 'SIGINT'); // what the bridge's handler would get from the terminal
    expect(await running).toBe(130);
    expect(closed).toBe(true);
  });

  it('a command that still succeeds after the signal keeps its 0', async () => {
    const ready = path.join(root, 'ready');
    const script = `process.on('SIGTERM', () => process.exit(0)); require('fs').writeFileSync(${JSON.stringify(ready)}, ''); setInterval(() => {}, 1000)`;
    const running = runWithBridge(['node', '-e', script], flags, deps());
    for (let i = 0; i < 200 && !existsSync(ready); i++) await new Promise((resolve) => setTimeout(resolve, 50));
    process.emit('SIGTERM', 'SIGTERM');
    expect(await running).toBe(0);
  });

  it('a signal during start-up: the command is never started, nothing is left, 128 + n', async () => {
    installFakeCodex();
    const d = deps();
    const start = d.startServer!;
    d.startServer = async (options) => {
      process.emit('SIGHUP', 'SIGHUP');
      return start(options);
    };
    expect(await runWithBridge(['codex', 'exec', 'hi'], flags, d)).toBe(129);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(codexHome)).toEqual([]);
    expect(closed).toBe(true);
    expect(process.listenerCount('SIGHUP')).toBe(0);
  });
});

describe('runWithBridge: its own failures', () => {
  it('a --port that is taken: exit 1, in the words `serve` uses', async () => {
    const { startServer: _real, ...realServer } = deps({ CODEX_BRIDGE_HOME: path.join(root, 'bridge-home') });
    await withTakenPort(async (port) => {
      const error = await runWithBridge(['node', '-e', '0'], { ...flags, port: String(port) }, realServer).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UsageError);
      expect((error as UsageError).exitCode).toBe(1);
      expect((error as Error).message).toBe(`cannot listen on 127.0.0.1:${port}: the port is already in use — pick another --port (or 0 for any free port)`);
    });
  });

  it('sessions that cannot be saved at the end: one line, a command that succeeded exits 1, no resume line', async () => {
    installFakeCodex(0);
    const lines: string[] = [];
    const d = deps();
    d.err = (text) => lines.push(text);
    d.startServer = async () => ({
      url: 'http://127.0.0.1:45678/v1',
      port: 45678,
      host: '127.0.0.1',
      close: async () => Promise.reject(new Error('3 conversations were not saved: cannot create the directory /x: permission denied — point CODEX_BRIDGE_HOME at a directory you can write to (it is /x)')),
      lastCodexSession: () => 'never-saved',
    });
    expect(await runWithBridge(['codex', 'exec', 'hi'], flags, d)).toBe(1);
    expect(lines).toEqual(['codex-bridge: 3 conversations were not saved: cannot create the directory /x: permission denied — point CODEX_BRIDGE_HOME at a directory you can write to (it is /x)\n']);
  });
});
