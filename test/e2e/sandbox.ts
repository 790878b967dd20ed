import { mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterEach } from 'vitest';
import { startMockUpstream, type MockUpstream, type MockUpstreamOptions } from '../helpers/mock-upstream.js';
import { repoRoot } from './ensure-built.js';

/** A throwaway HOME, CODEX_HOME and working directory for one test: real user files are never touched. */
export interface Sandbox {
  root: string;
  home: string;
  codexHome: string;
  cwd: string;
  /** A minimal environment: the sandbox's HOME/CODEX_HOME, PATH with node_modules/.bin first. */
  env(extra?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
  /** Our temporary profiles/catalogs present in CODEX_HOME. */
  leftovers(): string[];
  dispose(): void;
}

export function makeSandbox(): Sandbox {
  // realpath: Codex reports (and trusts) canonical paths; /tmp may be a symlink elsewhere.
  const root = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'cb-e2e-')));
  const home = path.join(root, 'home');
  const codexHome = path.join(home, '.codex');
  const cwd = path.join(root, 'work');
  mkdirSync(codexHome, { recursive: true, mode: 0o700 });
  mkdirSync(cwd);
  return {
    root,
    home,
    codexHome,
    cwd,
    env: (extra = {}) => ({
      PATH: [path.join(repoRoot, 'node_modules/.bin'), path.dirname(process.execPath), process.env.PATH ?? '/usr/bin:/bin'].join(path.delimiter),
      HOME: home,
      CODEX_HOME: codexHome,
      LANG: 'C.UTF-8',
      TMPDIR: os.tmpdir(),
      ...extra,
    }),
    leftovers: () => readdirSync(codexHome).filter((name) => name.startsWith('codex-bridge-')),
    dispose: () => rmSync(root, { recursive: true, force: true }),
  };
}

export const bridgeBin = path.join(repoRoot, 'bin/codex-bridge.js');

/** `node bin/codex-bridge.js <args>` in the sandbox; output collected, never rejects. */
export function runBridge(sandbox: Sandbox, args: string[], options: { env?: NodeJS.ProcessEnv; timeout?: number } = {}) {
  return execa(process.execPath, [bridgeBin, ...args], {
    cwd: sandbox.cwd,
    env: options.env ?? sandbox.env(),
    extendEnv: false,
    reject: false,
    stdin: 'ignore',
    timeout: options.timeout ?? 90_000,
    all: true,
  });
}

export interface SandboxAndMock {
  sandbox: Sandbox;
  mock: MockUpstream;
}

/**
 * A fresh sandbox and mock upstream (requiring `apiKey`) for each test of a file, both closed after
 * it. Call once at the top of the file; `beforeTeardown` runs first (e.g. to kill what a test left).
 */
export function sandboxAndMockPerTest(apiKey: string, beforeTeardown?: () => void) {
  let sandbox: Sandbox | undefined;
  let mock: MockUpstream | undefined;
  afterEach(async () => {
    beforeTeardown?.();
    await mock?.close();
    sandbox?.dispose();
    mock = undefined;
    sandbox = undefined;
  });
  const newSandbox = (): Sandbox => {
    sandbox = makeSandbox();
    return sandbox;
  };
  return {
    /** A sandbox alone, for tests that point the bridge somewhere else. */
    sandbox: newSandbox,
    async setUp(options: MockUpstreamOptions): Promise<SandboxAndMock> {
      const s = newSandbox();
      mock = await startMockUpstream({ apiKey, ...options });
      return { sandbox: s, mock };
    },
    /** Closes this test's mock and starts another, e.g. for a second run with other turns. */
    async replaceMock(options: MockUpstreamOptions): Promise<MockUpstream> {
      await mock?.close();
      mock = await startMockUpstream({ apiKey, ...options });
      return mock;
    },
  };
}
