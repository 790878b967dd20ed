import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { isProcessAlive } from '../codex/sweep-stale-profiles.js';
import { temporaryFileOwner } from '../codex/temporary-profile-name.js';
import { codexHome } from '../codex/write-temporary-profile.js';
import { unwritableCheck } from './check-writable.js';
import { info, pass, warn, type DoctorCheck } from './types.js';

// `run` writes its temporary profile into $CODEX_HOME, so it must be writable (or creatable). Files
// left by runs that died (kill -9, a crash) are reported, not removed: the next `run` sweeps them.

export function checkCodexHome(env: NodeJS.ProcessEnv): DoctorCheck {
  const home = codexHome(env);
  const unwritable = unwritableCheck('CODEX_HOME', home, env);
  if (unwritable) return unwritable;
  return pass('CODEX_HOME', existsSync(home) ? `${home} is writable` : `${home} does not exist yet; run creates it (0700)`);
}

/** Our temporary files in $CODEX_HOME whose run is gone; live runs' files are mentioned, not flagged. */
export function checkStaleProfiles(env: NodeJS.ProcessEnv, isAlive: (pid: number) => boolean = isProcessAlive): DoctorCheck {
  const home = codexHome(env);
  let names: string[];
  try {
    names = readdirSync(home);
  } catch {
    return pass('temporary profiles', 'none');
  }
  const stale: string[] = [];
  let live = 0;
  for (const name of names) {
    const owner = temporaryFileOwner(name);
    if (owner === undefined) continue;
    if (owner !== process.pid && !isAlive(owner)) stale.push(name);
    else live++;
  }
  const running = live > 0 ? `; ${live} file${live === 1 ? '' : 's'} of running codex-bridge runs` : '';
  if (stale.length === 0) return live > 0 ? info('temporary profiles', `none left behind${running}`) : pass('temporary profiles', 'none left behind');
  const shown = stale.slice(0, 3).join(', ') + (stale.length > 3 ? `, … (${stale.length - 3} more)` : '');
  return warn(
    'temporary profiles',
    `${stale.length} file${stale.length === 1 ? '' : 's'} left in ${home} by runs that died: ${shown}${running}`,
    `the next codex-bridge run removes them; or now: rm ${stale.map((name) => JSON.stringify(path.join(home, name))).join(' ')}`,
  );
}
