import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach } from 'vitest';

// One copy of the make-a-temp-dir / remove-it-after-the-test logic that many test files needed.
// The afterEach is registered here, when the file calls this at its top level, so a file cannot
// make directories and forget to remove them. vitest runs after-hooks last-registered first, so an
// afterEach registered later in the file (closing servers, restoring modes) runs before the removal.

/**
 * `make()` gives a fresh temporary directory (0700, under the OS temp dir, named `prefix` + random);
 * all of them are removed after each test of the file that called this. Call it once, at the top level.
 */
export function tempDirsPerTest(prefix: string): () => string {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  return () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
    dirs.push(dir);
    return dir;
  };
}
