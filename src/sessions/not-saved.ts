import { describePathError } from '../output/path-error.js';
import { LockTimeoutError } from '../storage/file-lock.js';

/** What a bridge says when it stops with conversations it could not write: one line, `<what happened> — <what to do>`. */
export function notSavedMessage(count: number, location: string, error: unknown): string {
  const what = `${count} conversation${count === 1 ? ' was' : 's were'} not saved`;
  if (error instanceof LockTimeoutError) {
    return `${what}: ${error.message} — remove ${error.lockPath} if no codex-bridge is running`;
  }
  const pathProblem = describePathError(error);
  if (pathProblem) return `${what}: ${pathProblem}`;
  const why = `${what} to ${location} (${(error as Error | undefined)?.message ?? String(error)})`;
  if (/^rediss?:\/\//.test(location)) return `${why} — check that Redis runs at ${location} and that this machine reaches it`;
  return `${why} — codex-bridge doctor says why`;
}
