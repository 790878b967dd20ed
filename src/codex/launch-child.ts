import { constants } from 'node:os';
import { execa } from 'execa';

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

/** Starts the command with the terminal handed over (stdio inherited). */
export function launchChild(options: LaunchOptions): RunningChild {
  const subprocess = execa(options.file, [...options.args], {
    stdio: 'inherit',
    env: options.env,
    extendEnv: false,
    cwd: options.cwd,
    reject: false,
    // If the bridge itself dies unexpectedly, don't leave the child running against a dead proxy.
    cleanup: true,
  });
  const exitCode = subprocess.then((result) => {
    if (result.exitCode === undefined && result.signal === undefined && result.failed) {
      // Not started at all (e.g. EACCES): say so the way a shell would.
      process.stderr.write(`codex-bridge: could not start ${options.file}: ${result.shortMessage}\n`);
      return (result as { code?: string }).code === 'ENOENT' ? 127 : 126;
    }
    return exitCodeFor({ exitCode: result.exitCode, signal: result.signal });
  });
  return {
    pid: subprocess.pid,
    kill: (signal) => {
      subprocess.kill(signal);
    },
    exitCode,
  };
}
