import { spawn } from 'node:child_process';
import type { Socket } from 'node:net';
import { constants } from 'node:os';
import { fileURLToPath } from 'node:url';

/** Signals that end the bridge: passed on to the child, which decides when the run is over. */
export const FORWARDED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

export interface ChildOutcome {
  exitCode?: number;
  signal?: string;
}

/** The shell convention: the child's exit code, or 128 + the signal's number if a signal ended it. */
export function exitCodeFor(outcome: ChildOutcome): number {
  if (outcome.exitCode !== undefined && outcome.exitCode !== null) return outcome.exitCode;
  if (outcome.signal) {
    const number = (constants.signals as Record<string, number | undefined>)[outcome.signal];
    if (number !== undefined) return 128 + number;
  }
  return 1;
}

export interface LaunchOptions {
  /** Absolute path of the program (already looked up on PATH). */
  file: string;
  args: readonly string[];
  /** The child's complete environment (nothing is inherited beyond it). */
  env: NodeJS.ProcessEnv;
  cwd?: string;
}

export interface RunningChild {
  pid: number | undefined;
  /** Passes a signal on (the terminal may already have sent it to the whole process group). */
  kill(signal: NodeJS.Signals): void;
  /** The exit code to leave with; never rejects for the child's own failure. */
  exitCode: Promise<number>;
}

/**
 * Starts the command with the terminal handed over (stdio inherited, no shell).
 *
 * node:child_process rather than execa: importing execa costs 170-200 ms on a 2-core machine. Loaded
 * while the proxy binds and awaited before the spawn, it took `run` start-up from 194 to 441 ms in
 * the same bench run (`npm run bench -- --only startup --compare`), for nothing this needs.
 */
export function launchChild(options: LaunchOptions): RunningChild {
  const child = spawn(options.file, [...options.args], {
    stdio: 'inherit',
    env: options.env,
    cwd: options.cwd,
  });
  // If the bridge itself dies unexpectedly, don't leave the child running against a dead proxy: an
  // exit that runs its handlers ends it here, a kill -9 through the watchdog.
  const killOnExit = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  };
  process.on('exit', killOnExit);
  const watchdog = child.pid === undefined ? undefined : startWatchdog(child.pid);
  child.once('exit', () => watchdog?.childExited());
  const exitCode = new Promise<number>((resolve) => {
    child.once('error', (error: NodeJS.ErrnoException) => {
      // Not started at all (e.g. EACCES): say so the way a shell would.
      process.stderr.write(`codex-bridge: could not start ${options.file}: ${error.message}\n`);
      resolve(error.code === 'ENOENT' ? 127 : 126);
    });
    child.once('exit', (code, signal) => resolve(exitCodeFor({ exitCode: code ?? undefined, signal: signal ?? undefined })));
  }).finally(() => process.off('exit', killOnExit));
  return {
    pid: child.pid,
    kill: (signal) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
    exitCode,
  };
}

/** child-watchdog.ts, built beside this module. */
const WATCHDOG_SCRIPT = fileURLToPath(new URL('./child-watchdog.js', import.meta.url));

/**
 * Starts the process that ends the child (and all it started) if the bridge dies without doing so:
 * it watches a pipe from here, which closes with the bridge however it dies (child-watchdog.ts).
 * Started after the child, so Codex's start does not wait for it; detached, so terminal signals
 * (which the bridge passes on) never reach it; with nothing of the bridge's environment.
 */
function startWatchdog(pid: number): { childExited(): void } | undefined {
  if (process.platform === 'win32') return undefined;
  try {
    const watchdog = spawn(process.execPath, [WATCHDOG_SCRIPT, String(pid)], {
      stdio: ['pipe', 'ignore', 'ignore'],
      detached: true,
      cwd: '/',
      env: { PATH: process.env.PATH },
    });
    watchdog.on('error', () => {});
    const pipe = watchdog.stdin as Socket;
    pipe.on('error', () => {});
    // Neither holds the bridge's exit up.
    pipe.unref();
    watchdog.unref();
    return { childExited: () => pipe.end('exited\n') };
  } catch {
    // Out of processes: the run goes on without one.
    return undefined;
  }
}
