// The bench's command line, what each mode measures, and its time limit.
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BENCH = path.join(ROOT, 'bench');

const argv = process.argv.slice(2);
const flag = (name) => argv.includes(name);
const valueOf = (name) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
export const quick = flag('--quick');
export const cpuProf = flag('--cpu-prof');
const only = valueOf('--only')?.split(',');
export const compareDist = valueOf('--compare') ? path.resolve(valueOf('--compare')) : undefined;
/** Another build for the bridge under test (the history and sessions figures always use dist/). */
export const bridgeDist = valueOf('--dist') ? path.resolve(valueOf('--dist')) : undefined;
export const outFile = path.resolve(valueOf('--out') ?? path.join(BENCH, quick ? 'results.local.json' : 'results.json'));
export const wants = (section) => !only || only.includes(section);

export const CONFIG = quick
  ? {
      mode: 'quick',
      timeLimitMs: 120_000,
      firstToken: { model: 'bench-6x1@1', warmup: 5, requests: 30 },
      stream: { chunks: 2_000, paced: 'bench-2000x20@1', flat: 'bench-2000x20@0', repeats: 1 },
      history: { items: 1_000, timeMs: 100, warmupMs: 20 },
      parallel: { streams: 64, rounds: 1, model: 'bench-10x1@5' },
      startup: { runs: 2 },
      sessions: { sessions: 500, writes: 10, rereads: 3 },
      rss: { model: 'bench-10x10@0', warmup: 50, requests: 300, concurrency: 8 },
      store: { requests: 30, seconds: 1, conversations: 16, streams: 40 },
    }
  : {
      mode: 'full',
      timeLimitMs: 15 * 60_000,
      firstToken: { model: 'bench-6x1@1', warmup: 50, requests: 600 },
      stream: { chunks: 20_000, paced: 'bench-20000x20@1', flat: 'bench-20000x20@0', repeats: 5 },
      history: { items: 1_000, timeMs: 3_000, warmupMs: 500 },
      parallel: { streams: 64, rounds: 8, model: 'bench-50x1@10' },
      startup: { runs: 15 },
      sessions: { sessions: 500, writes: 200, rereads: 30 },
      rss: { model: 'bench-10x10@0', warmup: 500, requests: 10_000, concurrency: 8 },
      store: { requests: 400, seconds: 10, conversations: 16, streams: 200 },
    };

export const deadline = performance.now() + CONFIG.timeLimitMs;

export function log(line) {
  process.stderr.write(`bench: ${line}\n`);
}
