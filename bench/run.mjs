#!/usr/bin/env node
// npm run bench [-- --quick] [--out <file>] [--only <section,…>] [--cpu-prof] [--compare <dist dir>] [--dist <dist dir>]
//
// What the bridge costs, measured in one run side by side with going direct, against a local mock
// upstream that streams at a fixed pace (bench/lib/mock-upstream.mjs). Three ways to the same mock:
//   direct       client → mock (Chat Completions)
//   pass-through client → plain undici proxy → mock, no translation (the HTTP floor)
//   bridge       client → codex-bridge (Responses) → mock
// The mock, the proxy and the bridge each run in their own process, like in real use. Prints a
// table and writes bench/results.json (--quick: bench/results.local.json, a few seconds, only to
// check that every figure is produced). `--compare <dir>` adds a second bridge built into <dir>
// (e.g. a copy of dist/ from before a change), measured in the same run, interleaved with the
// others, so a change is judged on one machine state. Only 127.0.0.1 is contacted; every loop is bounded in
// count and time, and the server processes exit with the bench. Each section is a module,
// bench/lib/section-*.mjs; bench/lib/ways.mjs starts the processes they measure.

import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { bridgeDist, compareDist, CONFIG, cpuProf, log, outFile, ROOT, wants } from './lib/options.mjs';
import { details, figures, machine, table } from './lib/report.mjs';
import { round } from './lib/stats.mjs';

const watchdog = setTimeout(() => {
  process.stderr.write(`bench: gave up after ${CONFIG.timeLimitMs / 1000} s\n`);
  process.exit(1);
}, CONFIG.timeLimitMs);
watchdog.unref();

// ---------- build ----------

/** dist/ must hold what src/ says: rebuild when a compiled file is missing or older than its source. */
function ensureBuilt() {
  const stale = [];
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(file);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) {
        const built = path.join(ROOT, 'dist', path.relative(path.join(ROOT, 'src'), file)).replace(/\.ts$/, '.js');
        if (!existsSync(built) || statSync(built).mtimeMs < statSync(file).mtimeMs) stale.push(file);
      }
    }
  };
  walk(path.join(ROOT, 'src'));
  if (stale.length === 0) return;
  log(`dist/ is missing or older than ${path.relative(ROOT, stale[0])}${stale.length > 1 ? ` and ${stale.length - 1} more` : ''}: building`);
  const tsc = spawnSync(process.execPath, [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], { cwd: ROOT, stdio: 'inherit' });
  // tsc still emits on a type error elsewhere; only a missing server is fatal.
  if (tsc.status !== 0) log('tsc reported errors (the build was emitted anyway)');
  if (!existsSync(path.join(ROOT, 'dist/server/create-bridge-server.js'))) throw new Error('the build did not produce dist/server/create-bridge-server.js');
}

ensureBuilt();

// The sections import dist/: only now that it is built.
const { benchHistory } = await import('./lib/section-history.mjs');
const { benchFirstToken, benchLongStream, benchParallel } = await import('./lib/section-streams.mjs');
const { benchStartup } = await import('./lib/section-startup.mjs');
const { benchRss, benchSessionsFile } = await import('./lib/section-sessions-memory.mjs');
const { startServers } = await import('./lib/ways.mjs');
const { benchStore } = await import('./lib/section-store.mjs');

// ---------- main ----------

async function main() {
  const started = performance.now();
  log(`${CONFIG.mode} run${cpuProf ? ' (bridge under --cpu-prof)' : ''}`);
  if (wants('history')) await benchHistory();
  if (['firstToken', 'stream', 'parallel', 'startup'].some(wants)) {
    const servers = await startServers();
    try {
      if (wants('firstToken')) await benchFirstToken(servers);
      if (wants('stream')) await benchLongStream(servers);
      if (wants('parallel')) await benchParallel(servers.targets);
      if (wants('startup')) await benchStartup(servers.mock.origin);
    } finally {
      await servers.stop();
    }
  }
  if (wants('sessions')) await benchSessionsFile();
  if (wants('rss')) await benchRss();
  if (wants('store')) await benchStore();

  const results = {
    generatedAt: new Date().toISOString(),
    mode: CONFIG.mode,
    seconds: round((performance.now() - started) / 1000, 1),
    machine: machine(),
    config: { ...CONFIG, ...(compareDist && { compare: compareDist }), ...(bridgeDist && { dist: bridgeDist }) },
    figures,
    details,
  };
  writeFileSync(outFile, `${JSON.stringify(results, null, 2)}\n`);
  const m = results.machine;
  process.stdout.write(`\ncodex-bridge bench (${results.mode}), ${m.nproc} × ${m.cpu}, Node ${m.node}, ${results.seconds} s, load average ${m.loadAverage.start} → ${m.loadAverage.end}\n\n${table(results)}\n\nwritten to ${path.relative(process.cwd(), outFile) || outFile}\n`);
}

try {
  await main();
} finally {
  clearTimeout(watchdog);
}
