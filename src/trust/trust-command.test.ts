import { execFileSync } from 'node:child_process';
import { mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { tempDirsPerTest } from '../../test/helpers/temp-dirs.js';
import { UsageError } from '../output/usage-error.js';
import { repositoryRootForTrust } from './repository-root.js';
import { removeTrust } from './trust-command.js';
import { JsonFileTrustStore } from './trust-store.js';

// Codex keeps a repository's trust under its root (the main repository's, for a worktree): `trust
// rm .` in a folder below it names the answer that applies there. Real repositories, made by git.

const tempDir = tempDirsPerTest('cb-trust-rm-');
let root: string;
let repo: string;
let store: JsonFileTrustStore;

const git = (cwd: string, ...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd, stdio: 'pipe' });

beforeEach(() => {
  // realpath: Codex keys canonical paths, and the temporary folder may be a link.
  root = realpathSync(tempDir());
  repo = path.join(root, 'repo');
  mkdirSync(path.join(repo, 'src', 'deep'), { recursive: true });
  git(repo, 'init', '-q');
  store = new JsonFileTrustStore(path.join(root, 'bridge', 'trust.json'));
});

async function rm(cwd: string, ...folders: string[]): Promise<{ out: string; error?: string }> {
  let out = '';
  try {
    await removeTrust({ cwd, store, out: (text) => void (out += text) }, folders);
    return { out };
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    expect(error.exitCode).toBe(1);
    return { out, error: error.message };
  }
}

describe('repositoryRootForTrust', () => {
  it('is the root of the repository a folder is in, the main one for a worktree, and nothing outside one', () => {
    expect(repositoryRootForTrust(path.join(repo, 'src', 'deep'))).toBe(repo);
    expect(repositoryRootForTrust(repo)).toBe(repo);
    git(repo, 'commit', '-q', '--allow-empty', '-m', 'first');
    const worktree = path.join(root, 'feature');
    git(repo, 'worktree', 'add', '-q', worktree);
    mkdirSync(path.join(worktree, 'lib'));
    expect(repositoryRootForTrust(path.join(worktree, 'lib'))).toBe(repo);
    const outside = path.join(root, 'plain');
    mkdirSync(outside);
    expect(repositoryRootForTrust(outside)).toBeUndefined();
    // A .git file that is not a worktree's (a submodule's) is keyed by the folder itself, as Codex does.
    const submodule = path.join(root, 'sub');
    mkdirSync(submodule);
    writeFileSync(path.join(submodule, '.git'), 'gitdir: ../repo/.git/modules/sub\n');
    expect(repositoryRootForTrust(submodule)).toBeUndefined();
  });
});

describe('trust rm inside a repository', () => {
  it('a folder below the root, without an answer of its own: names the root\'s answer that Codex uses there, and how to forget it', async () => {
    await store.record([{ path: repo, trustLevel: 'trusted' }]);
    expect(await rm(path.join(repo, 'src'), '.')).toEqual({
      out: '',
      error: `no trust answer kept for ${repo}/src (Codex uses the answer for its repository, ${repo}: trusted) — codex-bridge trust rm ${repo} forgets the repository's answer`,
    });
    expect((await store.list()).map((decision) => decision.path)).toEqual([repo]);
    expect(await rm(path.join(repo, 'src'), repo)).toEqual({ out: `forgot the trust answer for ${repo}; Codex will ask again there\n` });
  });

  it("a worktree: the main repository's answer", async () => {
    git(repo, 'commit', '-q', '--allow-empty', '-m', 'first');
    const worktree = path.join(root, 'feature');
    git(repo, 'worktree', 'add', '-q', worktree);
    await store.record([{ path: repo, trustLevel: 'untrusted' }]);
    expect((await rm(worktree, '.')).error).toBe(
      `no trust answer kept for ${worktree} (Codex uses the answer for its repository, ${repo}: untrusted) — codex-bridge trust rm ${repo} forgets the repository's answer`,
    );
  });

  it("a folder's own answer goes, and the root's that then applies is named; without one anywhere, as before", async () => {
    const src = path.join(repo, 'src');
    await store.record([{ path: repo, trustLevel: 'trusted' }, { path: src, trustLevel: 'untrusted' }]);
    expect(await rm(src, '.')).toEqual({ out: `forgot the trust answer for ${src}; there Codex now uses the answer for its repository, ${repo}: trusted\n` });
    await store.remove([repo]);
    expect(await rm(src, '.')).toEqual({ out: '', error: `no trust answer kept for ${src} — codex-bridge trust list shows them` });
  });
});
