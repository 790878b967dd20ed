import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

// The tests a mutation run of one folder uses (MUTATE_TESTS, set by mutate.mjs): the folder's own
// unit tests and the suites that exercise it, never the end-to-end ones (which run dist/, not the
// mutated sources).
const tests = (process.env.MUTATE_TESTS ?? '').split(',').filter(Boolean);

export default defineConfig({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  test: {
    include: tests.filter((test) => !test.startsWith('!')),
    exclude: tests.filter((test) => test.startsWith('!')).map((test) => test.slice(1)),
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
});
