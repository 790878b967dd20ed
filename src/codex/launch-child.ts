import { spawn } from 'node:child_process';
import { constants } from 'node:os';

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
  // If the bridge itself dies unexpectedly, don't leave the child running against a dead proxy.
  const killOnExit = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  };
  process.on('exit', killOnExit);
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
