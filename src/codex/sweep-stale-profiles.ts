import { readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { temporaryFileOwner } from './temporary-profile-name.js';

/** Whether a process with this pid exists (EPERM: it does, it just isn't ours). */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Deletes the temporary profiles and catalogs in `codexHome` whose owning run has died without
 * cleaning up (killed with SIGKILL, machine crash). Files of live runs and every other file are
 * left alone. Returns the names deleted; never throws.
 */
export function sweepStaleProfiles(codexHome: string, isAlive: (pid: number) => boolean = isProcessAlive): string[] {
  let names: string[];
  try {
    names = readdirSync(codexHome);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const owner = temporaryFileOwner(name);
    if (owner === undefined || owner === process.pid || isAlive(owner)) continue;
    try {
      rmSync(path.join(codexHome, name), { force: true });
      removed.push(name);
    } catch {
      // Someone else's problem for now; the next run tries again.
    }
  }
  return removed;
}
