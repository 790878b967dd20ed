import { openStoreBackend } from '../sessions/open-sessions-backend.js';
import { sessionsHome } from '../sessions/sessions-home.js';
import { unwritableCheck } from './check-writable.js';
import type { DoctorCheck } from './types.js';

// The sessions file, read the way `codex-bridge sessions` reads it, but without its repairs: a
// corrupt file is reported here, not moved aside; a folder where no session can be saved fails
// first. With --store (or CODEX_BRIDGE_STORE), the shared store of `serve` replicas instead:
// reachable, how fast, how many sessions.

export async function checkSessionsFile(env: NodeJS.ProcessEnv, store?: string): Promise<DoctorCheck> {
  if ((store ?? (env.CODEX_BRIDGE_STORE || undefined)) === undefined) {
    const unwritable = unwritableCheck('sessions file', sessionsHome(env), env);
    if (unwritable) return unwritable;
  }
  const backend = await openStoreBackend({ env, store });
  try {
    const { level, detail, fix } = await backend.check();
    const name = backend.close ? 'store' : 'sessions file';
    return { name, ok: level !== 'fail', level, detail, ...(fix && { fix }) };
  } finally {
    await backend.close?.();
  }
}
