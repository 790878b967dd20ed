import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// The end-to-end tests run the real CLI (bin/codex-bridge.js → dist/). `.ci/run` builds before the
// tests; when dist/ is missing or older than any source file (a local run after an edit), the first
// e2e file to get here builds it with tsc, under a lock so parallel test files don't build at once.

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

function staleOrMissing(): string | undefined {
  const walk = (dir: string): string | undefined => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        const found = walk(file);
        if (found) return found;
      } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') && !entry.name.endsWith('.d.ts')) {
        const output = path.join(repoRoot, 'dist', path.relative(path.join(repoRoot, 'src'), file)).replace(/\.ts$/, '.js');
        if (!existsSync(output) || statSync(output).mtimeMs < statSync(file).mtimeMs) return file;
      }
    }
    return undefined;
  };
  return walk(path.join(repoRoot, 'src'));
}

export async function ensureBuilt(): Promise<void> {
  if (!staleOrMissing()) return;
  const lock = path.join(os.tmpdir(), `codex-bridge-e2e-build-${createHash('sha256').update(repoRoot).digest('hex').slice(0, 12)}.lock`);
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // Someone else is building; a lock older than two minutes was left by a crashed build.
      const since = statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? 0;
      if (since < Date.now() - 120_000) rmSync(lock, { recursive: true, force: true });
      else await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  try {
    if (!staleOrMissing()) return;
    try {
      execFileSync(process.execPath, [path.join(repoRoot, 'node_modules/typescript/bin/tsc'), '-p', path.join(repoRoot, 'tsconfig.json')], {
        cwd: repoRoot,
        stdio: 'pipe',
      });
    } catch (error) {
      // tsc still emits on type errors (the typecheck step reports those); only a build that
      // produced nothing usable stops the e2e tests.
      if (staleOrMissing()) {
        const output = (error as { stdout?: Buffer }).stdout?.toString() ?? String(error);
        throw new Error(`building dist/ failed, and the e2e tests run the built CLI:\n${output}`);
      }
    }
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}
