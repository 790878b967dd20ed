import { constants } from 'node:os';
import { errorLine } from '../output/error-line.js';

// How `serve` stops: SIGINT or SIGTERM stops accepting, cuts open streams, saves every conversation
// that completed, and exits 0; if some cannot be saved, 1 with the one line that says so.

const STOP_SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/**
 * Calls `close` on the first SIGINT or SIGTERM, then exits. The listeners stay until the exit: once
 * none is left, signal-exit (loaded by write-file-atomic and proper-lockfile) re-raises the signal,
 * which would kill the process before its last write. A second signal exits at once, with 128 + its
 * number; the sessions recorder's exit handler still writes what it can.
 */
export function stopOnSignals(close: () => Promise<void>, err: (line: string) => void = (line) => process.stderr.write(`${line}\n`)): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(128 + constants.signals[signal]);
    stopping = true;
    close().then(
      () => process.exit(0),
      (error: unknown) => {
        err(errorLine((error as Error).message ?? String(error)));
        process.exit(1);
      },
    );
  };
  for (const signal of STOP_SIGNALS) process.on(signal, stop);
}
