// How hard the property tests push. CI runs a few hundred cases per property; a nightly job sets
//   FUZZ_RUNS=10000 npm test -- test/fuzz
// and a failure prints its seed and path; replay it exactly with FUZZ_SEED=<seed> FUZZ_PATH=<path>.
import type { Parameters } from 'fast-check';

function positiveInteger(value: string | undefined, name: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer, got "${value}"`);
  return n;
}

/** Cases per property (FUZZ_RUNS, default 300). */
export const FUZZ_RUNS = positiveInteger(process.env.FUZZ_RUNS, 'FUZZ_RUNS') ?? 300;
const seed = process.env.FUZZ_SEED === undefined || process.env.FUZZ_SEED === '' ? undefined : Number(process.env.FUZZ_SEED);
const path = process.env.FUZZ_PATH || undefined;

/** fast-check parameters for a property worth `share` of FUZZ_RUNS (at least 20 cases). */
export function fuzzParameters<T>(share = 1): Parameters<T> {
  return {
    numRuns: Math.max(20, Math.round(FUZZ_RUNS * share)),
    ...(seed !== undefined && { seed }),
    ...(path !== undefined && { path }),
  };
}

/** A vitest timeout for `share` of FUZZ_RUNS cases at `msPerCase` each (never under 30 s). */
export function fuzzTimeout(msPerCase: number, share = 1): number {
  return Math.max(30_000, Math.round(FUZZ_RUNS * share * msPerCase) + 10_000);
}
