// `run` start-up: spawn of `codex-bridge run … -- node -e …` until the command's first output,
// against the same `node -e` spawned directly.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { BENCH, bridgeDist, compareDist, CONFIG, deadline, log, ROOT } from './options.mjs';
import { details, figure } from './report.mjs';
import { median, summary } from './stats.mjs';
import { sessionsFixture } from './sessions-file.mjs';
import { ifCompared } from './ways.mjs';

/** Spawn → first byte on stdout, in ms; also the child's stderr. */
function timeToFirstOutput(command, args, env) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let firstMs;
    let stderr = '';
    child.stdout.once('data', () => {
      firstMs = performance.now() - started;
    });
    child.stdout.resume();
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0 && firstMs !== undefined) resolve({ ms: firstMs, stderr });
      else reject(new Error(`${path.basename(command)} ${args.slice(0, 2).join(' ')} exited with ${code}: ${stderr.slice(0, 500)}`));
    });
  });
}

export async function benchStartup(mockOrigin) {
  const script = 'process.stdout.write("ready\\n")';
  // Its own CODEX_BRIDGE_HOME: no saved config or sessions.json of the user's is read (or written).
  const emptyHome = mkdtempSync(path.join(tmpdir(), 'codex-bridge-bench-home-'));
  const fullHome = await sessionsFixture(CONFIG.sessions.sessions);
  try {
    return await timeStartup(mockOrigin, script, emptyHome, fullHome.home);
  } finally {
    rmSync(emptyHome, { recursive: true, force: true });
    fullHome.remove();
  }
}

async function timeStartup(mockOrigin, script, emptyHome, fullHome) {
  const baseEnv = { PATH: process.env.PATH, HOME: process.env.HOME, LANG: process.env.LANG ?? 'C.UTF-8' };
  const env = { ...baseEnv, CODEX_BRIDGE_HOME: emptyHome };
  const fullEnv = { ...baseEnv, CODEX_BRIDGE_HOME: fullHome };
  // With --compare both builds start through the same launcher, so only the builds differ.
  const launcher = path.join(BENCH, 'lib/launch-cli.mjs');
  if (compareDist) {
    env.BENCH_CLI_MAIN = pathToFileURL(path.join(bridgeDist ?? path.join(ROOT, 'dist'), 'cli/main.js')).href;
    fullEnv.BENCH_CLI_MAIN = env.BENCH_CLI_MAIN;
  }
  const runArgs = (extra = [], bin = compareDist ? launcher : path.join(ROOT, 'bin/codex-bridge.js')) => [
    bin,
    'run',
    '--upstream',
    `${mockOrigin}/v1`,
    '--model',
    'bench-model',
    ...extra,
    '--',
    process.execPath,
    '-e',
    script,
  ];
  const direct = [];
  const viaRun = [];
  const viaRunWithSessions = [];
  const viaBaseline = [];
  const baselineArgs = () => runArgs([], launcher);
  const baselineEnv = compareDist && { ...env, BENCH_CLI_MAIN: pathToFileURL(path.join(compareDist, 'cli/main.js')).href };
  await timeToFirstOutput(process.execPath, ['-e', script], env); // warm the file cache
  await timeToFirstOutput(process.execPath, runArgs(), env);
  if (compareDist) await timeToFirstOutput(process.execPath, baselineArgs(), baselineEnv);
  for (let i = 0; i < CONFIG.startup.runs && performance.now() < deadline; i++) {
    direct.push((await timeToFirstOutput(process.execPath, ['-e', script], env)).ms);
    viaRun.push((await timeToFirstOutput(process.execPath, runArgs(), env)).ms);
    viaRunWithSessions.push((await timeToFirstOutput(process.execPath, runArgs(), fullEnv)).ms);
    if (compareDist) viaBaseline.push((await timeToFirstOutput(process.execPath, baselineArgs(), baselineEnv)).ms);
  }
  // One more with --verbose, for where the time goes (the bridge logs it as it spawns the child).
  const verbose = await timeToFirstOutput(process.execPath, runArgs(['--verbose']), env);
  const said = /starting \S+ (\d+) ms after the run began, (\d+) ms after node did/.exec(verbose.stderr);
  details.startup = {
    runs: viaRun.length,
    directNodeMs: summary(direct),
    runThenNodeMs: summary(viaRun),
    withSessionsFileRunThenNodeMs: summary(viaRunWithSessions),
    ...(compareDist && { baselineRunThenNodeMs: summary(viaBaseline) }),
    ...(said && { lastVerboseRun: { runCommandMs: Number(said[1]), sinceNodeStartMs: Number(said[2]) } }),
  };
  figure('runStartupMs', {
    label: '`run` start-up until the command is spawned (median, minus a direct `node -e`)',
    unit: 'ms',
    value: median(viaRun) - median(direct),
    baseline: ifCompared(() => median(viaBaseline) - median(direct)),
    target: 150,
  });
  figure('runStartupWithSessionsMs', {
    label: `  the same with a sessions.json of ${CONFIG.sessions.sessions} sessions to load`,
    unit: 'ms',
    value: median(viaRunWithSessions) - median(direct),
    target: 150,
  });
  log(`run start-up: node -e ${median(direct).toFixed(1)} ms, via run ${median(viaRun).toFixed(1)} ms, with ${CONFIG.sessions.sessions} sessions ${median(viaRunWithSessions).toFixed(1)} ms`);
}
