#!/usr/bin/env node
// npm run mutate -- <folder> [stryker flags…]: mutation testing of src/<folder> (translate, state,
// state/redis, …) with the tests listed for it below. Reports land in reports/mutation/.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/**
 * The tests that exercise each folder, besides its own `*.test.ts` ('!' leaves a file out). Never
 * those that start the built CLI (test/store, test/server/serve.test.ts): they run dist/, which a
 * mutant never reaches, and they cannot build it from the mutated sources.
 */
const TESTS_FOR = {
  translate: ['test/fuzz/**/*.test.ts', 'test/integration/**/*.test.ts', 'test/providers/**/*.test.ts'],
  state: ['test/server/**/*.test.ts', '!test/server/serve.test.ts'],
};

const [folder, ...rest] = process.argv.slice(2);
if (!folder || !existsSync(`src/${folder}`)) {
  console.error(`codex-bridge mutate: name a folder of src/ — npm run mutate -- translate (or state, state/redis, …)`);
  process.exit(2);
}
const top = folder.split('/')[0];
const tests = [`src/${folder}/**/*.test.ts`, ...(TESTS_FOR[folder] ?? TESTS_FOR[top] ?? [])];
const result = spawnSync('npx', ['stryker', 'run', 'test/mutate/stryker.config.mjs', ...rest], {
  stdio: 'inherit',
  env: { ...process.env, MUTATE_FOLDER: folder, MUTATE_TESTS: tests.join(',') },
});
process.exit(result.status ?? 1);
