import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { MockUpstreamOptions } from '../helpers/mock-upstream.js';
import { ensureBuilt } from './ensure-built.js';
import { codexExec, killAll, livePids, parentOf, processesMentioning, readProc, waitFor } from './fault-helpers.js';
import { sandboxAndMockPerTest, type Sandbox } from './sandbox.js';

// Processes dying the hard way (SIGKILL: no handler runs) around `codex-bridge run`: Codex
// crashing under the bridge, and the bridge itself killed under Codex.

const KEY = 'sk-mock-upstream-key-process-0123456789';

let release: (() => void) | undefined;
/** Processes a test started indirectly (Codex), killed if the test fails before they exit. */
let strays: number[] = [];
const perTest = sandboxAndMockPerTest(KEY, () => {
  killAll(strays);
  release?.();
  strays = [];
  release = undefined;
});
beforeAll(ensureBuilt, 120_000);

/** A model that never answers until the test ends, and a flag that says Codex is waiting on it. */
function heldModel(): { turns: MockUpstreamOptions['turns']; arrived: () => boolean } {
  let arrived = false;
  const held = new Promise<void>((resolve) => (release = resolve));
  return {
    arrived: () => arrived,
    turns: async () => {
      arrived = true;
      await held;
      return { content: 'too late' };
    },
  };
}

/** The temporary profile of the run in progress, and the Codex processes started with it. */
function runningCodex(s: Sandbox): { profileName: string; shim: number; native: number } {
  const profile = s.leftovers().find((name) => name.endsWith('.config.toml'));
  if (!profile) throw new Error('no temporary profile in CODEX_HOME');
  const profileName = profile.replace(/\.config\.toml$/, '');
  const pids = processesMentioning(profileName);
  // The npm shim (node …/codex.js) starts the native binary; both carry --profile <name>.
  const native = pids.find((pid) => pids.includes(parentOf(pid) ?? -1));
  const shim = pids.find((pid) => pid !== native);
  if (native === undefined || shim === undefined) throw new Error(`expected the Codex shim and binary, found ${pids.join(', ')}`);
  return { profileName, shim, native };
}

/**
 * `run … -- codex exec` against a model that holds its answer, returned once Codex is waiting on
 * it. Its bridge keeps sessions in the sandbox (`sessionsFile`).
 */
async function runWaitingOnModel() {
  const model = heldModel();
  const { sandbox: s, mock: m } = await perTest.setUp({ turns: model.turns });
  const bridgeHome = path.join(s.root, 'bridge-home');
  const env = { CODEX_BRIDGE_HOME: bridgeHome };
  const run = codexExec(s, m.url, 'Think hard.', { key: KEY, env });
  await waitFor(model.arrived, 'Codex to call the model');
  const codex = runningCodex(s);
  strays = [codex.shim, codex.native];
  return { s, env, run, codex, sessionsFile: path.join(bridgeHome, 'sessions.json') };
}

/** The run ended with `exitCode`, removed its files, and no Codex process of it is left. */
async function expectCleanEnd(result: { exitCode?: number; all?: string }, exitCode: number, s: Sandbox, profileName: string) {
  expect(result.exitCode, result.all).toBe(exitCode);
  expect(s.leftovers()).toEqual([]);
  await waitFor(() => processesMentioning(profileName).length === 0, 'every Codex process to be gone', 10_000);
}

/** A sessions file, if this version keeps one, is whole JSON. */
function expectSessionsFileIntact(file: string) {
  if (existsSync(file)) expect(() => JSON.parse(readFileSync(file, 'utf8'))).not.toThrow();
}

describe('process faults around run', () => {
  it('Codex crashing (SIGKILL) while it waits on the model: the bridge exits 128 + 9 and removes its profile', async () => {
    const { s, run, codex } = await runWaitingOnModel();
    expect(parentOf(codex.shim)).toBe(run.pid);

    process.kill(codex.native, 'SIGKILL');
    const result = await run;

    await expectCleanEnd(result, 137, s, codex.profileName);
    expect(result.all).not.toContain(KEY);
  }, 120_000);

  it('SIGHUP (the terminal went away) while Codex waits on the model: passed on, 128 + 1, nothing left', async () => {
    const { s, run, codex } = await runWaitingOnModel();

    run.kill('SIGHUP');
    await expectCleanEnd(await run, 129, s, codex.profileName);
  }, 120_000);

  it('the bridge killed with SIGKILL leaves its profile behind; the next run sweeps it and works', async () => {
    const { s, env, run, codex: crashed, sessionsFile } = await runWaitingOnModel();

    const bridgePid = run.pid!;
    run.kill('SIGKILL');
    await waitFor(() => !livePids().includes(bridgePid) || readProc(bridgePid, 'cmdline') === '', 'the bridge to die', 10_000);
    // Nothing ran the cleanup: the profile and its catalog are still there.
    expect(s.leftovers().sort()).toEqual([`${crashed.profileName}.catalog.json`, `${crashed.profileName}.config.toml`]);
    // Codex outlives a SIGKILLed bridge (no handler can stop it, and it holds the run's stdout
    // open); end it as a user would.
    killAll(strays);
    await waitFor(() => processesMentioning(crashed.profileName).length === 0, 'the orphaned Codex to be gone', 10_000);
    expect((await run).signal).toBe('SIGKILL');
    // The sessions file must survive the crash intact.
    expectSessionsFileIntact(sessionsFile);

    release?.();
    const nextMock = await perTest.replaceMock({ turns: [{ content: 'NEXT-RUN-OK-6d0' }] });
    const logFile = path.join(s.root, 'next.log');
    const next = await codexExec(s, nextMock.url, 'Say hi.', { key: KEY, env, bridgeArgs: ['--log-file', logFile] });

    expect(next.exitCode, next.all).toBe(0);
    expect(next.stdout).toContain('NEXT-RUN-OK-6d0');
    expect(s.leftovers()).toEqual([]);
    const log = readFileSync(logFile, 'utf8');
    expect(log).toContain(`removed ${crashed.profileName}.config.toml, left behind by an earlier run`);
    expect(log).toContain(`removed ${crashed.profileName}.catalog.json, left behind by an earlier run`);
    expectSessionsFileIntact(sessionsFile);
  }, 150_000);

  it('a sweep never touches the profile of a run that is still alive', async () => {
    const { s, run: first, codex: live } = await runWaitingOnModel();
    // A file named like a temporary profile of a dead run (pid 2^22 + 1 is above Linux's pid_max).
    writeFileSync(path.join(s.codexHome, 'codex-bridge-4194305-00112233aabb.config.toml'), '# stale\n');

    const second = await codexExec(s, 'http://127.0.0.1:9/v1', 'unused', { key: KEY, codexArgs: ['--version'] });
    expect(second.exitCode, second.all).toBe(0);
    expect(s.leftovers()).toEqual(expect.arrayContaining([`${live.profileName}.config.toml`, `${live.profileName}.catalog.json`]));
    expect(s.leftovers()).not.toContain('codex-bridge-4194305-00112233aabb.config.toml');

    first.kill('SIGINT');
    expect((await first).exitCode).toBe(130);
    expect(s.leftovers()).toEqual([]);
  }, 120_000);
});
