#!/usr/bin/env node
// The nightly soak: `npm run soak` (builds first). Streams waves of concurrent requests through the
// built bridge (dist/) against a loopback upstream for SOAK_MS (default 10 minutes) and fails if a
// request fails or the RSS keeps growing.
//
//   SOAK_MS=600000          how long (ms)
//   SOAK_CONCURRENCY=50     streams per wave
//   SOAK_MAX_GROWTH_MB=64   allowed RSS growth, last quarter vs first quarter (after warm-up)
//
// The test suite runs the same driver for a few seconds (test/load/load.test.ts).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { soak } from './load-core.mjs';

const number = (name, fallback) => {
  const value = process.env[name];
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) {
    console.error(`soak: ${name} must be a positive number, got "${value}"`);
    process.exit(2);
  }
  return n;
};

const durationMs = number('SOAK_MS', 600_000);
const concurrency = number('SOAK_CONCURRENCY', 50);
const maxGrowthMb = number('SOAK_MAX_GROWTH_MB', 64);
const dist = fileURLToPath(new URL('../../dist/server/create-bridge-server.js', import.meta.url));
if (!existsSync(dist)) {
  console.error('soak: dist/ is missing; run `npm run build` first (`npm run soak` does)');
  process.exit(2);
}
const { startBridgeServer } = await import('../../dist/server/create-bridge-server.js');
const { normalizeBridgeOptions } = await import('../../dist/server/bridge-options.js');
if (!globalThis.gc) console.error('soak: run with --expose-gc for steadier RSS samples');

console.log(`soak: ${Math.round(durationMs / 1000)}s of waves of ${concurrency} concurrent streams`);
const result = await soak({ startBridgeServer, normalizeBridgeOptions, durationMs, concurrency, log: (line) => console.log(`soak: ${line}`) });
console.log(`soak: ${JSON.stringify(result)}`);

const problems = [];
if (result.failed > 0) problems.push(`${result.failed} of ${result.requests} requests failed, e.g. ${result.errors.join(' | ')}`);
if (result.rssGrowthMb > maxGrowthMb) problems.push(`RSS grew ${result.rssGrowthMb} MB (${result.rssBaselineMb} → ${result.rssFinalMb} MB), more than ${maxGrowthMb} MB`);
if (problems.length > 0) {
  for (const problem of problems) console.error(`soak: FAILED: ${problem}`);
  process.exit(1);
}
console.log(`soak: OK: ${result.requests} requests, RSS ${result.rssBaselineMb} → ${result.rssFinalMb} MB (peak ${result.rssPeakMb} MB)`);
