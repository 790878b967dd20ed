import { chmodSync, mkdirSync, statSync } from 'node:fs';

// A folder that holds a user's data (sessions, trust answers, config): theirs alone, 0700.

/**
 * Creates the directory (and its parents) and makes it 0700 whatever the umask, or whatever mode it
 * already had: the file inside says which projects you worked on and what you asked.
 */
export function ensurePrivateDirectory(directory: string): void {
  mkdirSync(directory, { recursive: true, mode: 0o700 });
  if (process.platform === 'win32') return;
  const stat = statSync(directory);
  if (!stat.isDirectory()) throw new Error(`${directory} is not a directory`);
  // Never tighten a directory others rely on (CODEX_BRIDGE_HOME=/tmp, or someone else's folder).
  if (stat.mode & 0o1000) throw new Error(`${directory} is a shared directory (sticky bit set) — point CODEX_BRIDGE_HOME at a folder of your own`);
  if (typeof process.getuid === 'function' && stat.uid !== process.getuid()) {
    throw new Error(`${directory} belongs to another user — point CODEX_BRIDGE_HOME at a folder of your own`);
  }
  if ((stat.mode & 0o777) !== 0o700) chmodSync(directory, 0o700);
}
