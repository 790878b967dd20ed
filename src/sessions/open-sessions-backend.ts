import { JsonFileBackend } from './json-file-backend.js';
import type { Caps } from './session-records.js';
import type { SessionsBackend, Warn } from './sessions-backend.js';
import { sessionsFilePath, sessionsHome } from './sessions-home.js';

export interface OpenSessionsBackendOptions {
  /** Directory of sessions.json (default: $CODEX_BRIDGE_HOME, else the platform config dir). */
  home?: string;
  env?: NodeJS.ProcessEnv;
  warn?: Warn;
  caps?: Partial<Caps>;
}

/** Where this codex-bridge keeps its sessions: today always sessions.json in its home. Throws if the home cannot be located. */
export function openSessionsBackend(options: OpenSessionsBackendOptions = {}): SessionsBackend {
  const home = options.home ?? sessionsHome(options.env);
  return new JsonFileBackend(sessionsFilePath(home), { warn: options.warn, caps: options.caps });
}
