import { openSessionsBackend } from '../sessions/open-sessions-backend.js';
import type { DoctorCheck } from './types.js';

// The sessions file, read the way `codex-bridge sessions` reads it, but without its repairs: a
// corrupt file is reported here, not moved aside.

export async function checkSessionsFile(env: NodeJS.ProcessEnv): Promise<DoctorCheck> {
  const { level, detail, fix } = await openSessionsBackend({ env }).check();
  return { name: 'sessions file', ok: level !== 'fail', level, detail, ...(fix && { fix }) };
}
