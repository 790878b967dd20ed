import { readFileSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';

// Codex keys a folder's trust by the root of its git repository: asked in /repo/src, it saves the
// answer for /repo, and in a worktree for the main repository's root. It looks a folder up first,
// then that root. The same walk as Codex's resolve_root_git_project_for_trust (codex-rs/core,
// git_info.rs), on the file system without running git.

const canonical = (folder: string): string => {
  try {
    return realpathSync(folder);
  } catch {
    return folder;
  }
};

/** The folder Codex keeps `folder`'s trust answer under: its repository's root, or undefined outside one. */
export function repositoryRootForTrust(folder: string): string | undefined {
  for (let dir = path.resolve(folder); ; dir = path.dirname(dir)) {
    const dotGit = path.join(dir, '.git');
    const stat = statSync(dotGit, { throwIfNoEntry: false });
    if (stat?.isDirectory()) return canonical(dir);
    if (stat) return mainRootOfWorktree(dir, dotGit);
    if (path.dirname(dir) === dir) return undefined;
  }
}

/** A .git file ("gitdir: <main>/.git/worktrees/<name>"): the main repository's root. A submodule's has none. */
function mainRootOfWorktree(dir: string, dotGit: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(dotGit, 'utf8');
  } catch {
    return undefined;
  }
  const gitDir = /^gitdir:(.*)$/m.exec(text)?.[1]?.trim();
  if (!gitDir) return undefined;
  const worktrees = path.dirname(canonical(path.resolve(dir, gitDir)));
  if (path.basename(worktrees) !== 'worktrees') return undefined;
  return canonical(path.dirname(path.dirname(worktrees)));
}
