import type { SessionStore } from '../state/session-store.js';
import { openSessionsBackend } from './open-sessions-backend.js';
import type { Caps } from './session-records.js';
import { NewerSchemaError, type SessionsBackend, type Warn } from './sessions-backend.js';

// Where the recorder writes, opened with what earlier runs saved loaded into its SessionStore.
// Trouble here is a warning, never an error: the bridge serves anyway.

/** Each kind of trouble is told once per process, not once per flush. */
export type WarnOnce = (kind: string, line: string) => void;

export function onceEachKind(warn: Warn): WarnOnce {
  const warned = new Set<string>();
  return (kind, line) => {
    if (warned.has(kind)) return;
    warned.add(kind);
    warn(line);
  };
}

export interface RecorderBackendOptions {
  home?: string;
  env?: NodeJS.ProcessEnv;
  backend?: SessionsBackend;
  store?: SessionStore;
  caps?: Partial<Caps>;
  warn: Warn;
}

/** The backend and whether this run may write to it (not when it cannot be located, nor a newer codex-bridge's). */
export async function openRecorderBackend(options: RecorderBackendOptions, warnOnce: WarnOnce): Promise<{ backend?: SessionsBackend; writable: boolean }> {
  // The directory is only created (0700) by the first write: a bridge that serves nothing leaves no trace.
  let backend = options.backend;
  try {
    backend ??= openSessionsBackend({ home: options.home, env: options.env, warn: options.warn, caps: options.caps });
  } catch (error) {
    warnOnce('home', `cannot locate the sessions directory (${(error as Error).message}); sessions will not be saved by this run`);
    return { writable: false };
  }
  try {
    const data = await backend.load();
    options.store?.load(data);
  } catch (error) {
    if (error instanceof NewerSchemaError) {
      warnOnce('newer', `${error.message}; sessions will not be saved by this run`);
      return { backend, writable: false };
    }
    // Maybe only for now (a lock held too long): later writes will try again.
    warnOnce('load', `cannot read ${backend.location} (${(error as Error).message}); earlier sessions cannot be continued by this run`);
  }
  return { backend, writable: true };
}
