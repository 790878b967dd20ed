import { readFile } from 'node:fs/promises';
import { parseSessionsFile } from '../sessions/session-records.js';
import { sessionsFilePath, sessionsHome } from '../sessions/sessions-home.js';
import { fail, pass, warn, type DoctorCheck } from './types.js';

// The sessions file, read the way `codex-bridge sessions` reads it, but without its repairs: a
// corrupt file is reported here, not moved aside.

export async function checkSessionsFile(env: NodeJS.ProcessEnv): Promise<DoctorCheck> {
  const file = sessionsFilePath(sessionsHome(env));
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return pass('sessions file', `${file} (none yet)`);
    return fail('sessions file', `${file} cannot be read (${code ?? (error as Error).message})`, `fix its permissions (chmod 600 ${file}), or move it away`);
  }
  const parsed = parseSessionsFile(text);
  if (parsed.kind === 'ok') {
    // A running bridge keeps its latest flushes in the journal next to it.
    const { journalPathOf, peekJournal } = await import('../sessions/sessions-file.js');
    const { data, bad } = await peekJournal(file, parsed.data);
    const n = data.sessions.length;
    const found = `${file} (${n} session${n === 1 ? '' : 's'})`;
    if (bad > 0) {
      return warn('sessions file', `${found}; ${journalPathOf(file)} has ${bad} unreadable line${bad === 1 ? '' : 's'}`, 'the next write skips them and keeps that journal aside (codex-bridge sessions list does it now)');
    }
    return pass('sessions file', found);
  }
  if (parsed.kind === 'newer') {
    return fail('sessions file', `${file} was written by a newer codex-bridge (schema v${parsed.version})`, 'upgrade codex-bridge (this one leaves the file untouched)');
  }
  return fail('sessions file', `${file} is damaged (${parsed.reason})`, 'codex-bridge sessions list moves it aside and starts a new one; or delete it');
}
