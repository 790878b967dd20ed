import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

// Kept under test/ so the top level stays to the files the design names.
export default defineConfig({
  root: fileURLToPath(new URL('..', import.meta.url)),
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
});
