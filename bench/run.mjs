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
// count and time, and the server processes exit with the bench.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BENCH = path.join(ROOT, 'bench');

// ---------- options ----------

const argv = process.argv.slice(2);
const flag = (name) => argv.includes(name);
const valueOf = (name) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const quick = flag('--quick');
const cpuProf = flag('--cpu-prof');
const only = valueOf('--only')?.split(',');
const compareDist = valueOf('--compare') ? path.resolve(valueOf('--compare')) : undefined;
/** Another build for the bridge under test (the history and sessions figures always use dist/). */
const bridgeDist = valueOf('--dist') ? path.resolve(valueOf('--dist')) : undefined;
const outFile = path.resolve(valueOf('--out') ?? path.join(BENCH, quick ? 'results.local.json' : 'results.json'));
const wants = (section) => !only || only.includes(section);

const CONFIG = quick
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
    };

const deadline = performance.now() + CONFIG.timeLimitMs;
const startLoad = loadavg()[0];
const watchdog = setTimeout(() => {
  process.stderr.write(`bench: gave up after ${CONFIG.timeLimitMs / 1000} s\n`);
  process.exit(1);
}, CONFIG.timeLimitMs);
watchdog.unref();

function log(line) {
  process.stderr.write(`bench: ${line}\n`);
}

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

const { summary, median, percentile, round } = await import('./lib/stats.mjs');
const { startProcess } = await import('./lib/children.mjs');
const { createTarget, runConcurrently } = await import('./lib/client.mjs');
const { codexFirstTurn, codexHistory } = await import('./lib/history.mjs');
const { convertToChatRequest } = await import('../dist/translate/convert-to-chat-request.js');
const { parseJsonBody, ReusedValues } = await import('../dist/server/parse-json-body.js');
const { encodeChatRequest } = await import('../dist/server/encode-chat-request.js');
const { KeptCache } = await import('../dist/server/kept-cache.js');

const TOKEN = 'bench-token-0123456789abcdef';
const UPSTREAM_KEY = 'sk-bench-upstream-key';
const NO_REASONING = { byCallId: () => undefined, byAssistantText: () => undefined };

// ---------- results ----------

const figures = {};
const details = {};

/**
 * One row of the table. `value` is the bridge's figure (overhead or ratio); `floor` the same for
 * the pass-through proxy, or null when a plain proxy has nothing to compare (translation, start-up).
 */
function figure(key, { label, unit, value, floor = null, baseline, target, notMeasured }) {
  figures[key] = {
    label,
    unit,
    value: notMeasured ? null : round(value),
    floor: floor === null ? null : round(floor),
    ...(baseline !== undefined && { baseline: round(baseline) }),
    target,
    within: notMeasured || target === null ? null : value <= target,
    ...(notMeasured && { notMeasured }),
  };
}

function machine() {
  const cpuModel = (() => {
    try {
      return /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim();
    } catch {
      return undefined;
    }
  })();
  const nproc = spawnSync('nproc', { encoding: 'utf8' }).stdout?.trim();
  return {
    nproc: Number(nproc) || cpus().length,
    cpu: cpuModel ?? cpus()[0]?.model ?? 'unknown',
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    /** 1-minute load average when the bench started and ended: other work on the machine skews the figures. */
    loadAverage: { start: round(startLoad, 2), end: round(loadavg()[0], 2) },
  };
}

// ---------- 1. request translation (pure, no servers) ----------

async function benchHistory() {
  const { Bench } = await import('tinybench');
  const request = { ...codexHistory(CONFIG.history.items), model: 'bench-model' };
  const text = JSON.stringify(request);
  const bench = new Bench({ time: CONFIG.history.timeMs, warmupTime: CONFIG.history.warmupMs });
  bench.add('convertToChatRequest', () => {
    convertToChatRequest(request, { model: 'bench-model', reasoningLookup: NO_REASONING });
  });
  // The bridge's request path: body bytes → parsed (reusing what an earlier turn had) → translated
  // → upstream body bytes. Every turn of a session resends its history: all but the newest items
  // were seen before, as here.
  const bytes = Buffer.from(text);
  const path = (values, texts) =>
    encodeChatRequest(convertToChatRequest(parseJsonBody(bytes, values), { model: 'bench-model', reasoningLookup: NO_REASONING }).request, texts);
  const [values, texts] = [new ReusedValues(), new KeptCache(4 * 1024 * 1024)];
  bench.add('request path', () => path(values, texts));
  // A session's first request to a bridge: nothing to reuse yet, and what is worth keeping is kept.
  bench.add('request path, nothing reused', () => path(new ReusedValues(), new KeptCache(4 * 1024 * 1024)));
  // What the bridge did before it reused anything: the reference for the two rows above.
  bench.add('request path, plain JSON', () =>
    Buffer.from(JSON.stringify(convertToChatRequest(JSON.parse(bytes.toString('utf8')), { model: 'bench-model', reasoningLookup: NO_REASONING }).request)),
  );
  await bench.run();
  const [convert, full, cold, plain] = bench.tasks.map((task) => task.result);
  details.history = {
    items: request.input.length,
    requestBytes: Buffer.byteLength(text),
    convert: { samples: convert.latency.samples?.length ?? convert.samples?.length, p50: convert.latency.p50, p99: convert.latency.p99, mean: convert.latency.mean },
    requestPath: { p50: full.latency.p50, p99: full.latency.p99, mean: full.latency.mean },
    requestPathNothingReused: { p50: cold.latency.p50, p99: cold.latency.p99, mean: cold.latency.mean },
    requestPathPlainJson: { p50: plain.latency.p50, p99: plain.latency.p99, mean: plain.latency.mean },
  };
  figure('historyRequestPathP50Ms', {
    label: `request path of a ${request.input.length}-item Codex history (${Math.round(Buffer.byteLength(text) / 1024)} KB body → chat body bytes), p50`,
    unit: 'ms',
    value: full.latency.p50,
    target: 5,
  });
  figure('historyRequestPathColdP50Ms', {
    label: '  the same with nothing from an earlier turn (a session\'s first request: parse, and keep what repeats), p50',
    unit: 'ms',
    value: cold.latency.p50,
    target: 5,
  });
  figure('historyRequestPathPlainP50Ms', {
    label: '  the same done plainly (decode, JSON.parse, translate, JSON.stringify, encode: no reuse), p50',
    unit: 'ms',
    value: plain.latency.p50,
    target: null,
  });
  figure('historyTranslationP50Ms', {
    label: '  of which translation alone (convertToChatRequest), p50',
    unit: 'ms',
    value: convert.latency.p50,
    target: null,
  });
  log(`history: request path p50 ${full.latency.p50.toFixed(3)} ms (nothing reused ${cold.latency.p50.toFixed(3)} ms), translation ${convert.latency.p50.toFixed(3)} ms`);
}

// ---------- servers ----------

async function startServers({ exposeGc = false, cappedStore = false } = {}) {
  const execArgv = exposeGc ? ['--expose-gc'] : [];
  const profArgv = cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${path.join(BENCH, 'profiles')}`] : [];
  const mock = await startProcess(path.join(BENCH, 'lib/mock-upstream.mjs'));
  const env = { BENCH_UPSTREAM: `${mock.origin}/v1`, BENCH_TOKEN: TOKEN, BENCH_UPSTREAM_KEY: UPSTREAM_KEY };
  const [bridge, passThrough, baseline, capped] = await Promise.all([
    startProcess(path.join(BENCH, 'lib/bridge-process.mjs'), { env: { ...env, ...(bridgeDist && { BENCH_DIST: bridgeDist }) }, execArgv: [...execArgv, ...profArgv] }),
    startProcess(path.join(BENCH, 'lib/passthrough-process.mjs'), { env, execArgv: [...execArgv, ...profArgv] }),
    compareDist ? startProcess(path.join(BENCH, 'lib/bridge-process.mjs'), { env: { ...env, BENCH_DIST: compareDist }, execArgv }) : undefined,
    cappedStore
      ? startProcess(path.join(BENCH, 'lib/bridge-process.mjs'), { env: { ...env, ...(bridgeDist && { BENCH_DIST: bridgeDist }), BENCH_MAX_RESPONSES: '10' }, execArgv })
      : undefined,
  ]);

  const codexRequest = codexFirstTurn();
  const chatBody = (model) => JSON.stringify(convertToChatRequest({ ...codexRequest, model }, { model, reasoningLookup: NO_REASONING }).request);
  const chatHeaders = { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${UPSTREAM_KEY}` };
  const chat = { path: '/v1/chat/completions', headers: chatHeaders, bodyFor: chatBody, first: '"delta":{"content":"', end: 'data: [DONE]' };
  const responses = (name, origin) =>
    createTarget({
      name,
      origin,
      path: '/v1/responses',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${TOKEN}` },
      bodyFor: (model) => JSON.stringify({ ...codexRequest, model, stream: true }),
      first: 'event: response.output_text.delta',
      end: 'event: response.completed',
      fail: 'event: response.failed',
    });
  if (cpuProf) log(`profiling the bridge (pid ${bridge.pid}) and the pass-through (pid ${passThrough.pid}) into bench/profiles/`);
  const targets = {
    direct: createTarget({ name: 'direct', origin: mock.origin, ...chat }),
    passThrough: createTarget({ name: 'pass-through', origin: passThrough.origin, ...chat }),
    bridge: responses('bridge', bridge.origin),
    ...(baseline && { baseline: responses('baseline bridge', baseline.origin) }),
    ...(capped && { capped: responses('bridge, store capped', capped.origin) }),
  };
  return {
    mock,
    bridge,
    passThrough,
    baseline,
    capped,
    targets,
    async stop() {
      await Promise.all(Object.values(targets).map((t) => t.close()));
      await Promise.all([bridge.stop(), passThrough.stop(), baseline?.stop(), capped?.stop()]);
      await mock.stop();
    },
  };
}

/** The ways to the mock, measured in turn: with --compare, the other build of the bridge as well. */
const NAMES = compareDist ? ['direct', 'passThrough', 'bridge', 'baseline'] : ['direct', 'passThrough', 'bridge'];
const perName = () => Object.fromEntries(NAMES.map((name) => [name, []]));
/** The baseline build's figure, when there is one. */
const ifCompared = (fn) => (compareDist ? fn() : undefined);
/** A row's bridge value, the pass-through's as its floor, and the compared build's: `of(way)` for each. */
const perWay = (of) => ({ value: of('bridge'), floor: of('passThrough'), baseline: ifCompared(() => of('baseline')) });
/** perWay of a percentile of per-way stats, minus going direct's. */
const overDirect = (stats, p) => perWay((name) => stats[name][p] - stats.direct[p]);

// ---------- 2. first token ----------

async function benchFirstToken(servers) {
  const { targets } = servers;
  const { model, warmup, requests } = CONFIG.firstToken;
  const first = perName();
  const cpu = perName();
  for (let i = 0; i < warmup; i++) for (const name of NAMES) await targets[name].stream(model);
  // Interleaved, in a rotating order, so that drift on the machine hits all alike.
  for (let i = 0; i < requests && performance.now() < deadline; i++) {
    for (let k = 0; k < NAMES.length; k++) {
      const name = NAMES[(i + k) % NAMES.length];
      const proxy = name === 'direct' ? undefined : servers[name];
      const cpuBefore = await proxy?.cpuMs();
      first[name].push((await targets[name].stream(model)).firstMs);
      if (proxy) cpu[name].push((await proxy.cpuMs()) - cpuBefore);
    }
  }
  const s = Object.fromEntries(NAMES.map((name) => [name, summary(first[name])]));
  const cpuPerRequest = Object.fromEntries(NAMES.filter((name) => name !== 'direct').map((name) => [name, median(cpu[name])]));
  details.firstToken = { model, requestsPerTarget: first.bridge.length, ms: s, proxyCpuMsPerRequest: cpuPerRequest };
  figure('firstTokenOverheadP50Ms', {
    label: `first-token overhead vs direct, p50 (${first.bridge.length} streamed requests each)`,
    unit: 'ms',
    ...overDirect(s, 'p50'),
    target: 1,
  });
  figure('firstTokenOverheadP99Ms', {
    label: 'first-token overhead vs direct, p99',
    unit: 'ms',
    ...overDirect(s, 'p99'),
    target: 5,
  });
  figure('requestCpuMs', {
    label: '  CPU time of the proxy process per request (a 40 KB Codex first turn, 6 chunks back), median',
    unit: 'ms',
    ...perWay((name) => cpuPerRequest[name]),
    target: null,
  });
  log(`first token p50 ${NAMES.map((n) => `${n} ${s[n].p50.toFixed(3)}`).join(' / ')} ms`);
}

// ---------- 3. one long stream ----------

async function benchLongStream(servers) {
  const { targets } = servers;
  const { chunks, paced, flat, repeats } = CONFIG.stream;
  const out = {};
  for (const [kind, model] of [['paced', paced], ['flat', flat]]) {
    const wall = perName();
    // CPU time the proxy process spent on each stream: steadier than wall time on a busy machine.
    const cpu = perName();
    for (const name of NAMES) await targets[name].stream(model); // warm-up
    for (let i = 0; i < repeats && performance.now() < deadline; i++) {
      for (const name of NAMES) {
        const proxy = name === 'direct' ? undefined : servers[name];
        const cpuBefore = await proxy?.cpuMs();
        wall[name].push((await targets[name].stream(model)).totalMs);
        if (proxy) cpu[name].push((await proxy.cpuMs()) - cpuBefore);
      }
    }
    out[kind] = {
      model,
      ms: Object.fromEntries(NAMES.map((name) => [name, median(wall[name])])),
      cpuMs: Object.fromEntries(NAMES.filter((name) => name !== 'direct').map((name) => [name, median(cpu[name])])),
      samples: wall,
    };
  }
  details.longStream = { chunks, ...out };
  const ratio = (kind, name) => out[kind].ms[name] / out[kind].ms.direct;
  figure('longStreamRatio', {
    label: `${chunks}-chunk stream at a fixed pace (20 chunks/ms), wall time bridge/direct`,
    unit: '×',
    ...perWay((name) => ratio('paced', name)),
    target: 1.5,
  });
  figure('longStreamFlatOutRatio', {
    label: `  the same with the upstream sending as fast as it can`,
    unit: '×',
    ...perWay((name) => ratio('flat', name)),
    target: 1.5,
  });
  const perChunk = (name) => (out.flat.cpuMs[name] * 1000) / chunks;
  figure('longStreamCpuPerChunkUs', {
    label: '  CPU time of the proxy process per chunk of that stream',
    unit: 'µs',
    ...perWay(perChunk),
    target: null,
  });
  log(`long stream paced ${NAMES.map((n) => out.paced.ms[n].toFixed(1)).join(' / ')} ms, flat out ${NAMES.map((n) => out.flat.ms[n].toFixed(1)).join(' / ')} ms`);
}

// ---------- 4. parallel streams ----------

async function benchParallel(targets) {
  const { streams, rounds, model } = CONFIG.parallel;
  const total = perName();
  const first = perName();
  for (const name of NAMES) await Promise.all(Array.from({ length: streams }, () => targets[name].stream(model))); // warm-up: open the connections
  for (let round = 0; round < rounds && performance.now() < deadline; round++) {
    for (let k = 0; k < NAMES.length; k++) {
      const name = NAMES[(round + k) % NAMES.length];
      const results = await Promise.all(Array.from({ length: streams }, () => targets[name].stream(model)));
      for (const r of results) {
        total[name].push(r.totalMs);
        first[name].push(r.firstMs);
      }
    }
  }
  const t = Object.fromEntries(NAMES.map((name) => [name, summary(total[name])]));
  const f = Object.fromEntries(NAMES.map((name) => [name, summary(first[name])]));
  details.parallel = { streams, rounds, model, totalMs: t, firstTokenMs: f };
  figure('parallelAddedP99Ms', {
    label: `${streams} parallel streams, p99 added latency (whole stream, ${total.bridge.length} streams each)`,
    unit: 'ms',
    ...overDirect(t, 'p99'),
    target: 10,
  });
  figure('parallelFirstTokenAddedP99Ms', {
    label: `  the same, p99 added time to the first token`,
    unit: 'ms',
    ...overDirect(f, 'p99'),
    target: 10,
  });
  log(`parallel p99 whole stream ${NAMES.map((n) => t[n].p99.toFixed(1)).join(' / ')} ms`);

  // The same number of streams in flight, but not started at one instant: each of `streams` slots
  // starts one stream after another, the slots' first starts spread over one stream's length. This
  // is many clients streaming at once; the rows above are all of them starting together.
  const steady = perName();
  const streamMs = t.direct.p50;
  const spacingMs = streamMs / streams;
  for (let block = 0; block < rounds && performance.now() < deadline; block++) {
    for (let k = 0; k < NAMES.length; k++) {
      const name = NAMES[(block + k) % NAMES.length];
      await Promise.all(
        Array.from({ length: streams }, async (_, slot) => {
          await new Promise((resolve) => setTimeout(resolve, slot * spacingMs));
          for (let i = 0; i < 2; i++) steady[name].push((await targets[name].stream(model)).totalMs);
        }),
      );
    }
  }
  const st = Object.fromEntries(NAMES.map((name) => [name, summary(steady[name])]));
  details.parallel.steadyTotalMs = st;
  figure('parallelSteadyAddedP99Ms', {
    label: `${streams} streams in flight, started one after another (not at once), p99 added latency (${steady.bridge.length} streams each)`,
    unit: 'ms',
    ...overDirect(st, 'p99'),
    target: 10,
  });
  log(`parallel, staggered: p99 whole stream ${NAMES.map((n) => st[n].p99.toFixed(1)).join(' / ')} ms`);
}

// ---------- 5. run start-up ----------

/** Spawn → first byte on stdout, in ms; also the child's stderr. */
function timeToFirstOutput(command, args, env) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let firstMs;
    let stderr = '';
    child.stdout.once('data', () => {
      firstMs = performance.now() - started;
    });
    child.stdout.resume();
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0 && firstMs !== undefined) resolve({ ms: firstMs, stderr });
      else reject(new Error(`${path.basename(command)} ${args.slice(0, 2).join(' ')} exited with ${code}: ${stderr.slice(0, 500)}`));
    });
  });
}

async function benchStartup(mockOrigin) {
  const script = 'process.stdout.write("ready\\n")';
  const { sessionsFixture } = await import('./lib/sessions-file.mjs');
  // Its own CODEX_BRIDGE_HOME: no saved config or sessions.json of the user's is read (or written).
  const emptyHome = mkdtempSync(path.join(tmpdir(), 'codex-bridge-bench-home-'));
  const fullHome = await sessionsFixture(CONFIG.sessions.sessions);
  try {
    return await timeStartup(mockOrigin, script, emptyHome, fullHome.home);
  } finally {
    rmSync(emptyHome, { recursive: true, force: true });
    fullHome.remove();
  }
}

async function timeStartup(mockOrigin, script, emptyHome, fullHome) {
  const baseEnv = { PATH: process.env.PATH, HOME: process.env.HOME, LANG: process.env.LANG ?? 'C.UTF-8' };
  const env = { ...baseEnv, CODEX_BRIDGE_HOME: emptyHome };
  const fullEnv = { ...baseEnv, CODEX_BRIDGE_HOME: fullHome };
  // With --compare both builds start through the same launcher, so only the builds differ.
  const launcher = path.join(BENCH, 'lib/launch-cli.mjs');
  if (compareDist) {
    env.BENCH_CLI_MAIN = pathToFileURL(path.join(bridgeDist ?? path.join(ROOT, 'dist'), 'cli/main.js')).href;
    fullEnv.BENCH_CLI_MAIN = env.BENCH_CLI_MAIN;
  }
  const runArgs = (extra = [], bin = compareDist ? launcher : path.join(ROOT, 'bin/codex-bridge.js')) => [
    bin,
    'run',
    '--upstream',
    `${mockOrigin}/v1`,
    '--model',
    'bench-model',
    ...extra,
    '--',
    process.execPath,
    '-e',
    script,
  ];
  const direct = [];
  const viaRun = [];
  const viaRunWithSessions = [];
  const viaBaseline = [];
  const baselineArgs = () => runArgs([], launcher);
  const baselineEnv = compareDist && { ...env, BENCH_CLI_MAIN: pathToFileURL(path.join(compareDist, 'cli/main.js')).href };
  await timeToFirstOutput(process.execPath, ['-e', script], env); // warm the file cache
  await timeToFirstOutput(process.execPath, runArgs(), env);
  if (compareDist) await timeToFirstOutput(process.execPath, baselineArgs(), baselineEnv);
  for (let i = 0; i < CONFIG.startup.runs && performance.now() < deadline; i++) {
    direct.push((await timeToFirstOutput(process.execPath, ['-e', script], env)).ms);
    viaRun.push((await timeToFirstOutput(process.execPath, runArgs(), env)).ms);
    viaRunWithSessions.push((await timeToFirstOutput(process.execPath, runArgs(), fullEnv)).ms);
    if (compareDist) viaBaseline.push((await timeToFirstOutput(process.execPath, baselineArgs(), baselineEnv)).ms);
  }
  // One more with --verbose, for where the time goes (the bridge logs it as it spawns the child).
  const verbose = await timeToFirstOutput(process.execPath, runArgs(['--verbose']), env);
  const said = /starting \S+ (\d+) ms after the run began, (\d+) ms after node did/.exec(verbose.stderr);
  details.startup = {
    runs: viaRun.length,
    directNodeMs: summary(direct),
    runThenNodeMs: summary(viaRun),
    withSessionsFileRunThenNodeMs: summary(viaRunWithSessions),
    ...(compareDist && { baselineRunThenNodeMs: summary(viaBaseline) }),
    ...(said && { lastVerboseRun: { runCommandMs: Number(said[1]), sinceNodeStartMs: Number(said[2]) } }),
  };
  figure('runStartupMs', {
    label: '`run` start-up until the command is spawned (median, minus a direct `node -e`)',
    unit: 'ms',
    value: median(viaRun) - median(direct),
    baseline: ifCompared(() => median(viaBaseline) - median(direct)),
    target: 150,
  });
  figure('runStartupWithSessionsMs', {
    label: `  the same with a sessions.json of ${CONFIG.sessions.sessions} sessions to load`,
    unit: 'ms',
    value: median(viaRunWithSessions) - median(direct),
    target: 150,
  });
  log(`run start-up: node -e ${median(direct).toFixed(1)} ms, via run ${median(viaRun).toFixed(1)} ms, with ${CONFIG.sessions.sessions} sessions ${median(viaRunWithSessions).toFixed(1)} ms`);
}

// ---------- 6. sessions file ----------

async function benchSessionsFile() {
  const { benchSessionsFileWrite } = await import('./lib/sessions-file.mjs');
  const result = await benchSessionsFileWrite(CONFIG.sessions);
  details.sessionsFile = result;
  figure('sessionsFileWriteP95Ms', {
    label: `sessions file write with ${result.sessions} sessions (${Math.round(result.fileBytes / 1024)} KB), p95 of ${result.writes} flushes`,
    unit: 'ms',
    value: result.ms.p95,
    // Off the response path, mostly fsync: the target is what the event loop feels (next row).
    target: null,
  });
  figure('sessionsFileBlockP95Ms', {
    label: '  of which the event loop was kept busy (longest stretch per flush), p95',
    unit: 'ms',
    value: result.eventLoopBlockedMs.p95,
    target: 5,
  });
  figure('sessionsFileRereadBlockP95Ms', {
    label: `  the same right after another bridge wrote (sessions.json read and parsed again), p95 of ${result.rereads}`,
    unit: 'ms',
    value: result.rereadEventLoopBlockedMs.p95,
    target: null,
  });
  figure('sessionsFileOpenMs', {
    label: `  loading that sessions.json (what \`run\` and \`serve\` do on start-up)`,
    unit: 'ms',
    value: result.openMs,
    target: 150,
  });
  log(
    `sessions file write p50 ${result.ms.p50.toFixed(3)} ms, p95 ${result.ms.p95.toFixed(3)} ms, event loop busy p95 ${result.eventLoopBlockedMs.p95.toFixed(3)} ms; ` +
      `after another bridge's write, event loop busy p95 ${result.rereadEventLoopBlockedMs.p95.toFixed(3)} ms`,
  );
}

// ---------- 7. memory ----------

async function benchRss() {
  const { model, warmup, requests, concurrency } = CONFIG.rss;
  const servers = await startServers({ exposeGc: true, cappedStore: true });
  try {
    const growth = {};
    for (const name of [...NAMES.filter((n) => n !== 'direct'), 'capped']) {
      const target = servers.targets[name];
      const proc = servers[name];
      await runConcurrently(warmup, concurrency, () => target.stream(model));
      // Two windows of `requests`: the first also fills the allocator's and the heap's pools (RSS
      // climbs to a plateau there); growth over the second is what keeps growing: a leak.
      const start = await proc.memory();
      const first = await runConcurrently(requests, concurrency, () => target.stream(model), deadline);
      const before = await proc.memory();
      const started = performance.now();
      const done = await runConcurrently(requests, concurrency, () => target.stream(model), deadline);
      const elapsed = performance.now() - started;
      const after = await proc.memory();
      growth[name] = {
        requests: done,
        firstWindowRequests: first,
        seconds: round(elapsed / 1000),
        rssStartMB: round(start.rss / 2 ** 20),
        rssBeforeMB: round(before.rss / 2 ** 20),
        rssAfterMB: round(after.rss / 2 ** 20),
        heapStartMB: round(start.heapUsed / 2 ** 20),
        heapBeforeMB: round(before.heapUsed / 2 ** 20),
        heapAfterMB: round(after.heapUsed / 2 ** 20),
        externalBeforeMB: round(before.external / 2 ** 20),
        externalAfterMB: round(after.external / 2 ** 20),
        rssFirstWindowGrowthMB: (before.rss - start.rss) / 2 ** 20,
        rssGrowthMB: (after.rss - before.rss) / 2 ** 20,
      };
    }
    details.rss = { model, warmup, concurrency, ...growth };
    figure('rssGrowthMB', {
      label: `RSS growth over ${growth.bridge.requests} requests, after as many before them (after GC; each a Codex first turn, store:false)`,
      unit: 'MB',
      ...perWay((name) => growth[name].rssGrowthMB),
      target: 10,
    });
    figure('rssFirstWindowGrowthMB', {
      label: `  the same over the first ${growth.bridge.firstWindowRequests} (the allocator's and the heap's pools filling up)`,
      unit: 'MB',
      ...perWay((name) => growth[name].rssFirstWindowGrowthMB),
      target: null,
    });
    figure('rssGrowthCappedStoreMB', {
      label: '  the same with the SessionStore capped at 10 responses (what is not the store)',
      unit: 'MB',
      value: growth.capped.rssGrowthMB,
      target: 10,
    });
    log(`RSS growth pass-through ${growth.passThrough.rssGrowthMB.toFixed(1)} MB, bridge ${growth.bridge.rssGrowthMB.toFixed(1)} MB (heap ${growth.bridge.heapBeforeMB} → ${growth.bridge.heapAfterMB} MB)`);
  } finally {
    await servers.stop();
  }
}

// ---------- table ----------

function formatValue(value, unit) {
  if (value === null || value === undefined) return '—';
  if (!Number.isFinite(value)) return String(value);
  if (unit === '×') return `${value.toFixed(2)}×`;
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  return `${value.toFixed(digits)} ${unit}`;
}

export function table(results) {
  const compared = Object.values(results.figures).some((f) => f.baseline !== undefined);
  const rows = Object.values(results.figures).map((f) => [
    f.label,
    f.notMeasured ? `n/a (${f.notMeasured})` : formatValue(f.value, f.unit),
    formatValue(f.floor, f.unit),
    ...(compared ? [formatValue(f.baseline, f.unit)] : []),
    f.target === null ? '' : `≤ ${formatValue(f.target, f.unit)}`,
    f.within === null ? '' : f.within ? 'yes' : '**no**',
  ]);
  const header = ['measure', 'bridge', 'pass-through floor', ...(compared ? ['baseline bridge'] : []), 'target', 'met'];
  const lines = [header, header.map(() => '---'), ...rows].map((cells) => `| ${cells.join(' | ')} |`);
  return lines.join('\n');
}

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
