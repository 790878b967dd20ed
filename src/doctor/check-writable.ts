import { describePathProblem, unwritableDirectory } from '../output/path-error.js';
import { fail, type DoctorCheck } from './types.js';

// Where codex-bridge and Codex save things (the Codex home, the bridge's home with its config and
// sessions) must be writable, or creatable: a read-only file system, a folder that is not yours or
// a file in the way is a failed check that says which, not a pass until the first write fails.

/** The failed check `name` when nothing can be saved in `directory`, else undefined. */
export function unwritableCheck(name: string, directory: string, env: NodeJS.ProcessEnv): DoctorCheck | undefined {
  const problem = unwritableDirectory(directory);
  if (!problem) return undefined;
  const described = describePathProblem(problem, env);
  if (described) return fail(name, described.problem, described.fix);
  return fail(name, `cannot write in ${directory} (${problem.code})`, 'point it at a directory you can write to');
}
