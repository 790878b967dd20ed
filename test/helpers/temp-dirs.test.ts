import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDirsPerTest } from './temp-dirs.js';

const tempDir = tempDirsPerTest('cb-temp-dirs-test-');

// Registered after the helper's hook, so it runs before it: the directories still exist here.
let made: string[] = [];
const seenInAfterEach: boolean[] = [];
afterEach(() => {
  seenInAfterEach.push(...made.map((dir) => existsSync(dir)));
});

describe('tempDirsPerTest', () => {
  it('makes fresh private directories under the OS temp dir that exist during the test', () => {
    made = [tempDir(), tempDir()];
    expect(made[0]).not.toBe(made[1]);
    for (const dir of made) {
      expect(path.dirname(dir)).toBe(path.resolve(os.tmpdir()));
      expect(path.basename(dir)).toMatch(/^cb-temp-dirs-test-.{6}$/);
      expect(statSync(dir).isDirectory()).toBe(true);
      if (process.platform !== 'win32') expect(statSync(dir).mode & 0o777).toBe(0o700);
      // Not empty, so removal has to be recursive.
      mkdirSync(path.join(dir, 'sub'));
      writeFileSync(path.join(dir, 'sub', 'file'), 'x');
    }
  });

  it('removed them after the previous test, and only after that test’s other after-hooks', () => {
    expect(made).toHaveLength(2);
    for (const dir of made) expect(existsSync(dir)).toBe(false);
    expect(seenInAfterEach).toEqual([true, true]);
    made = [];
  });
});
