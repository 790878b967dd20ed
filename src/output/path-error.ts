import { statSync } from 'node:fs';
import path from 'node:path';

// A file-system failure (a home variable pointing at a file, a read-only or full disk, a folder
// that is not yours) as one line that names the path and the variable that led there, instead of
// "internal error: EEXIST".

/** Variables that decide where codex-bridge and Codex write, most specific first. */
const PATH_VARIABLES = ['CODEX_HOME', 'CODEX_BRIDGE_HOME', 'XDG_CONFIG_HOME', 'APPDATA', 'HOME', 'USERPROFILE', 'TMPDIR'] as const;

const REASONS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'the file system is read-only',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'the disk quota is used up',
  EISDIR: 'it is a directory, not a file',
  ENOENT: 'it does not exist',
  ELOOP: 'too many symbolic links',
  ENAMETOOLONG: 'the name is too long',
  EMFILE: 'too many open files',
};

const OPERATIONS: Record<string, string> = {
  mkdir: 'create the directory',
  open: 'open',
  write: 'write',
  rename: 'replace',
  chmod: 'change the mode of',
  fchmod: 'change the mode of',
  unlink: 'remove',
  rmdir: 'remove',
  rm: 'remove',
  scandir: 'list',
  copyfile: 'copy',
  symlink: 'link',
};

interface FsError {
  code: string;
  syscall?: string;
  path: string;
}

function isFsError(error: unknown): error is FsError {
  const e = error as Partial<FsError> | null;
  return typeof e === 'object' && e !== null && typeof e.code === 'string' && typeof e.path === 'string' && e.path !== '';
}

/** The first part of `target` (from the root down) that exists but is not a directory. */
function fileInTheWay(target: string): string | undefined {
  const parts: string[] = [];
  for (let dir = path.resolve(target); ; dir = path.dirname(dir)) {
    parts.unshift(dir);
    if (path.dirname(dir) === dir) break;
  }
  for (const part of parts) {
    try {
      if (!statSync(part).isDirectory()) return part;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** The variable whose value `file` lies in, e.g. CODEX_HOME for $CODEX_HOME/x.toml. */
function variableBehind(file: string, env: NodeJS.ProcessEnv): string | undefined {
  const resolved = path.resolve(file);
  return PATH_VARIABLES.find((name) => {
    const value = env[name];
    if (!value) return false;
    const root = path.resolve(value);
    return resolved === root || resolved.startsWith(root.endsWith(path.sep) ? root : `${root}${path.sep}`);
  });
}

/**
 * One line (`<what happened> — <what to do>`, without the `codex-bridge:` prefix) for an error from
 * the file system, or undefined for anything else.
 */
export function describePathError(error: unknown, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (!isFsError(error)) return undefined;
  const { code, syscall, path: file } = error;
  let reason = REASONS[code];
  let where = file;
  if (code === 'EEXIST' || code === 'ENOTDIR') {
    const blocker = fileInTheWay(file) ?? file;
    where = blocker;
    reason = blocker === file ? 'it is a file, not a directory' : `${blocker} is a file, not a directory`;
  }
  if (!reason) return undefined;
  const operation = OPERATIONS[syscall ?? ''] ?? 'use';
  const variable = variableBehind(where, env);
  const fix = variable
    ? `point ${variable} at a directory you can write to (it is ${env[variable]})`
    : `make ${path.dirname(where)} a directory you can write to, or choose another path`;
  return `cannot ${operation} ${file}: ${reason} — ${fix}`;
}
