import type { FlushLoop } from './flush-loop.js';
import { notSavedMessage } from './not-saved.js';
import { combine, changesOf, type PendingSessions } from './pending-sessions.js';
import type { SessionsBackend, Warn } from './sessions-backend.js';

// process.exit() skips pending timers and promises (a second Ctrl-C, `run` leaving at once): what
// the recorder has not written is written synchronously from an 'exit' listener. A batch caught
// mid-write may or may not have landed; the backend tells which, so it is written once. If it cannot
// be written, that is the one line the exit prints, and the exit code is not 0.

export interface ExitWrite {
  /** Stops listening (after a clean close()). */
  remove(): void;
}

export function writeOnExit(backend: SessionsBackend, loop: FlushLoop, pending: PendingSessions, beforeWrite: () => void, warn: Warn): ExitWrite {
  const updateOnExit = backend.updateOnExit?.bind(backend);
  const onExit = () => {
    if (loop.disabled || !updateOnExit) return;
    beforeWrite();
    const interrupted = loop.inflight;
    const rest = pending.take();
    if (!interrupted && rest.entries.size === 0) return;
    try {
      updateOnExit((landed) => changesOf(interrupted && !landed(interrupted.writeId) ? combine(interrupted, rest) : rest), rest.writeId);
    } catch (error) {
      warn(notSavedMessage((interrupted ? combine(interrupted, rest) : rest).entries.size, backend.location, error));
      if (!process.exitCode) process.exitCode = 1;
    }
  };
  process.on('exit', onExit);
  return { remove: () => process.off('exit', onExit) };
}
