// StrykerJS for one folder of src/ at a time (`npm run mutate -- <folder>`, see mutate.mjs): its
// sources are mutated, and only the tests that can see them run. Incremental: a run reuses the
// results of the last one for what did not change (reports/mutation/<folder>.incremental.json).
// Not in CI: a folder takes minutes to an hour on two cores.
const folder = process.env.MUTATE_FOLDER;
if (!folder) throw new Error('run through test/mutate/mutate.mjs: npm run mutate -- <folder>');

export default {
  testRunner: 'vitest',
  plugins: ['@stryker-mutator/vitest-runner'],
  vitest: { configFile: 'test/mutate/vitest.config.ts', related: false },
  mutate: [`src/${folder}/**/*.ts`, '!src/**/*.test.ts'],
  coverageAnalysis: 'perTest',
  incremental: true,
  incrementalFile: `reports/mutation/${folder.replace(/\//g, '-')}.incremental.json`,
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: `reports/mutation/${folder.replace(/\//g, '-')}.html` },
  jsonReporter: { fileName: `reports/mutation/${folder.replace(/\//g, '-')}.json` },
  thresholds: { high: 90, low: 80, break: null },
  concurrency: Number(process.env.MUTATE_CONCURRENCY) || 2,
  timeoutMS: 20_000,
  tempDirName: 'reports/.stryker-tmp',
  cleanTempDir: 'always',
  ignoreStatic: true,
};
