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

/** sessions.json in this codex-bridge's home. Throws if the home cannot be located. */
export function openSessionsBackend(options: OpenSessionsBackendOptions = {}): SessionsBackend {
  const home = options.home ?? sessionsHome(options.env);
  return new JsonFileBackend(sessionsFilePath(home), { warn: options.warn, caps: options.caps });
}

/**
 * The sessions of `store` (a redis:// URL; default $CODEX_BRIDGE_STORE), the shared store of `serve`
 * replicas, else sessions.json. Close it when done (it may hold a connection). A malformed URL is a
 * UsageError.
 */
export async function openStoreBackend(options: OpenSessionsBackendOptions & { store?: string }): Promise<SessionsBackend> {
  const env = options.env ?? process.env;
  const given = options.store ?? (env.CODEX_BRIDGE_STORE || undefined);
  if (given === undefined) return openSessionsBackend(options);
  const { parseStoreUrl } = await import('../storage/store-url.js');
  const store = parseStoreUrl(given, options.store === undefined ? 'CODEX_BRIDGE_STORE' : '--store');
  const { RedisConnection } = await import('../storage/redis-connection.js');
  const { RedisSessionsBackend } = await import('./redis-sessions-backend.js');
  return new RedisSessionsBackend(new RedisConnection(store), undefined, true);
}
