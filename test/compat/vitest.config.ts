import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';
import CompatMatrixReporter from './compat-matrix-reporter.js';

// `npm run compat`: the compatibility scenarios only, printed as a provider × scenario matrix.
export default defineConfig({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  test: {
    include: ['test/compat/compat-matrix.test.ts'],
    testTimeout: 30_000,
    pool: 'forks',
    reporters: ['dot', new CompatMatrixReporter()],
  },
});
