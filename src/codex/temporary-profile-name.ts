import { randomBytes } from 'node:crypto';

// Temporary files in $CODEX_HOME are named after the process that owns them, so a later run can
// tell a live run's profile from one left behind by a crash:
//   codex-bridge-<pid>-<random>.config.toml   (the profile: `codex --profile codex-bridge-<pid>-<random>`)
//   codex-bridge-<pid>-<random>.catalog.json  (its model catalog)
const PREFIX = 'codex-bridge-';
const TEMPORARY_FILE = /^codex-bridge-(\d+)-([0-9a-f]{8,})\.(config\.toml|catalog\.json)$/;

export function newTemporaryProfileName(pid: number = process.pid): string {
  return `${PREFIX}${pid}-${randomBytes(6).toString('hex')}`;
}

export const profileFileName = (name: string): string => `${name}.config.toml`;
export const catalogFileName = (name: string): string => `${name}.catalog.json`;

/** The owning pid of one of our temporary files, or undefined for any other file name. */
export function temporaryFileOwner(fileName: string): number | undefined {
  const match = TEMPORARY_FILE.exec(fileName);
  return match ? Number(match[1]) : undefined;
}
