import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';

/**
 * Where `command` would be found, like `which`: a name is looked up on PATH, anything containing a
 * slash is taken relative to `cwd`. Returns the absolute path of an executable regular file, or
 * undefined when there is none (so the caller can say how to install it instead of letting the
 * spawn fail with a bare ENOENT).
 */
export function findCommand(
  command: string,
  env: NodeJS.ProcessEnv = process.env,
  cwd: string = process.cwd(),
): string | undefined {
  if (command === '') return undefined;
  if (command.includes('/') || (process.platform === 'win32' && command.includes('\\'))) {
    const candidate = path.resolve(cwd, command);
    return isExecutableFile(candidate) ? candidate : undefined;
  }
  const extensions = process.platform === 'win32' ? (env.PATHEXT ?? '.EXE;.CMD;.BAT;.COM').split(';') : [''];
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    for (const extension of extensions) {
      const candidate = path.resolve(cwd, dir, command + extension);
      if (isExecutableFile(candidate)) return candidate;
    }
  }
  return undefined;
}

function isExecutableFile(file: string): boolean {
  try {
    if (!statSync(file).isFile()) return false;
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** `codex`, `codex.js`, `codex.exe` or any path to one of them: the Codex CLI, which gets a profile. */
export function isCodexCommand(command: string): boolean {
  const base = path.basename(command.replace(/\\/g, '/')).toLowerCase();
  return base === 'codex' || base === 'codex.js' || base === 'codex.exe' || base === 'codex.cmd';
}

/** The one line printed when the command is not on PATH. */
export function commandNotFoundMessage(command: string): string {
  if (isCodexCommand(command)) {
    return `${command}: not found on PATH — install the Codex CLI with \`npm i -g @openai/codex\` (or pass its path after --)`;
  }
  return `${command}: command not found — check your PATH, or pass the program's path after --`;
}
