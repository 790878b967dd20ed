import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ChatRequest } from '../../src/translate/types.js';
import type { MockTurn } from '../helpers/mock-upstream.js';
import { ensureBuilt } from './ensure-built.js';
import { codexExec, killAll, parentOf, processesMentioning, shell, toolResults, waitFor } from './fault-helpers.js';
import { runBridge, sandboxAndMockPerTest, type Sandbox } from './sandbox.js';

// Processes dying the hard way (SIGKILL: no handler runs) around `codex-bridge run`: Codex
// crashing under the bridge, and the bridge itself killed under Codex (whose watchdog then ends
// Codex and what it runs).

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
function heldModel(): { turns: (request: ChatRequest) => Promise<MockTurn>; arrived: () => boolean } {
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

/** The command a model asks Codex to run, which runs until it is killed (Codex starts it in a session of its own). */
const LONG_TOOL = 'sleep 397.25';
/** What its command line (NUL-separated) holds. */
const LONG_TOOL_ARGUMENT = '397.25';

/** A model that has Codex run LONG_TOOL first (still running when Codex asks again), then holds its answer. */
function toolThenHeldModel(): ReturnType<typeof heldModel> {
  const held = heldModel();
  return { arrived: held.arrived, turns: async (request) => (toolResults(request) === 0 ? { toolCalls: [shell(LONG_TOOL)] } : held.turns(request)) };
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
async function runWaitingOnModel(model = heldModel()) {
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

  it('the bridge killed with SIGKILL: Codex and the tool it runs end within 2 s; `run -- true` sweeps the profile left behind, and the next run works', async () => {
    const { s, env, run, codex: crashed, sessionsFile } = await runWaitingOnModel(toolThenHeldModel());
    const tool = processesMentioning(LONG_TOOL_ARGUMENT);
    expect(tool.length, 'the tool Codex runs').toBeGreaterThan(0);
    strays.push(...tool);

    const killedAt = Date.now();
    run.kill('SIGKILL');
    await waitFor(() => processesMentioning(crashed.profileName).length === 0 && processesMentioning(LONG_TOOL_ARGUMENT).length === 0, 'Codex and its tool to end', 10_000);
    const endedMs = Date.now() - killedAt;
    expect(endedMs, `Codex and its tool ended ${endedMs} ms after the bridge was killed`).toBeLessThan(2_000);
    expect((await run).signal).toBe('SIGKILL');
    // Nothing ran the bridge's cleanup: the profile and its catalog are still there.
    expect(s.leftovers().sort()).toEqual([`${crashed.profileName}.catalog.json`, `${crashed.profileName}.config.toml`]);
    // The sessions file must survive the crash intact.
    expectSessionsFileIntact(sessionsFile);

    // Any run sweeps it, whatever its command.
    const sweepLog = path.join(s.root, 'sweep.log');
    const swept = await runBridge(s, ['run', '--upstream', 'http://127.0.0.1:9/v1', '--model', 'mock-model', '--api-key-env', 'MOCK_KEY', '--log-file', sweepLog, '--', 'true'], {
      env: s.env({ MOCK_KEY: KEY, ...env }),
    });
    expect(swept.exitCode, swept.all).toBe(0);
    expect(s.leftovers()).toEqual([]);
    const log = readFileSync(sweepLog, 'utf8');
    expect(log).toContain(`removed ${crashed.profileName}.config.toml, left behind by an earlier run`);
    expect(log).toContain(`removed ${crashed.profileName}.catalog.json, left behind by an earlier run`);

    release?.();
    const nextMock = await perTest.replaceMock({ turns: [{ content: 'NEXT-RUN-OK-6d0' }] });
    const next = await codexExec(s, nextMock.url, 'Say hi.', { key: KEY, env });
    expect(next.exitCode, next.all).toBe(0);
    expect(next.stdout).toContain('NEXT-RUN-OK-6d0');
    expect(s.leftovers()).toEqual([]);
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
