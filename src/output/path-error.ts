import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';

// A file-system failure (a home variable pointing at a file, a read-only or full disk, a folder
// that is not yours) as one line that names the path and the variable that led there, instead of
// "internal error: EEXIST". doctor asks the same questions before anything is written.

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
  access: 'write in',
};

export interface FsError {
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
 * Why nothing can be written in `directory` (or, if it does not exist yet, why it cannot be
 * created): the error for the part of the path in the way, or undefined when it can. Nothing is
 * created to find out: access(2) names a read-only file system (EROFS) or a missing permission.
 */
export function unwritableDirectory(directory: string): FsError | undefined {
  const target = path.resolve(directory);
  for (let dir = target; ; dir = path.dirname(dir)) {
    let isDirectory: boolean;
    try {
      isDirectory = statSync(dir).isDirectory();
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'EIO';
      if (code === 'ENOENT' && path.dirname(dir) !== dir) continue;
      return { code, syscall: 'mkdir', path: target };
    }
    if (!isDirectory) return { code: 'ENOTDIR', syscall: 'mkdir', path: target };
    try {
      accessSync(dir, constants.W_OK | constants.X_OK);
      return undefined;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'EACCES';
      return dir === target ? { code, syscall: 'access', path: target } : { code, syscall: 'mkdir', path: target };
    }
  }
}

/** What happened and what to do about it, for an error from the file system; undefined for anything else. */
export function describePathProblem(error: unknown, env: NodeJS.ProcessEnv = process.env): { problem: string; fix: string } | undefined {
  if (!isFsError(error)) return undefined;
  const { syscall, path: file } = error;
  let { code } = error;
  // Node's recursive mkdir reports ENOENT when a parent could not be made on a read-only file
  // system: ask the file system what is really in the way.
  if (code === 'ENOENT' && syscall === 'mkdir') code = unwritableDirectory(file)?.code ?? code;
  let reason = REASONS[code];
  let where = file;
  if (code === 'EEXIST' || code === 'ENOTDIR') {
    const blocker = fileInTheWay(file) ?? file;
    where = blocker;
    reason = blocker === file ? 'it is a file, not a directory' : `${blocker} is a file, not a directory`;
  }
  if (!reason) return undefined;
  const operation = OPERATIONS[syscall ?? ''] ?? 'use';
  // The variable that leads to the file in the way, else the one that leads to the path itself.
  const variable = variableBehind(where, env) ?? variableBehind(file, env);
  const fix = variable
    ? `point ${variable} at a directory you can write to (it is ${env[variable]})`
    : `make ${path.dirname(where)} a directory you can write to, or choose another path`;
  return { problem: `cannot ${operation} ${file}: ${reason}`, fix };
}

/**
 * One line (`<what happened> — <what to do>`, without the `codex-bridge:` prefix) for an error from
 * the file system, or undefined for anything else.
 */
export function describePathError(error: unknown, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const described = describePathProblem(error, env);
  return described && `${described.problem} — ${described.fix}`;
}
