// `serve --store redis://…`: what sharing the state in Redis costs, and what replicas serve.
// A real redis-server (append-only file, fsync every second, as a durable deployment would run it)
// on a free port with its data in a temporary directory; `serve` processes with serve's own wiring
// (bench/lib/serve-process.mjs); the mock upstream answering at once. Measured:
// - the latency a request gains with the store on: the same turns, one at a time, interleaved
//   between a replica with the local state and one with the store, for an API client's turn
//   (store: true, continuing its previous_response_id chain) and a Codex turn (store: false, its
//   40 KB first request, a thread-id);
// - requests per second, API-client turns with 16 conversations in flight, for one replica with the
//   local state, one with the store, and two with the store, each turn of a conversation sent to
//   the next replica in turn (every other turn continues on the other replica);
// - the event-loop delay of two replicas with the store while 200 Codex streams are in flight (100
//   on each): what every other request, and every timer of the replica, waits on top of its own.
// Everything (client, mock, Redis, replicas) shares this machine's cores.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { startProcess } from './children.mjs';
import { codexFirstTurn } from './history.mjs';
import { BENCH, CONFIG, deadline, log } from './options.mjs';
import { details, figure } from './report.mjs';
import { summary } from './stats.mjs';

const TOKEN = 'bench-token-0123456789abcdef';
const UPSTREAM_KEY = 'sk-bench-upstream-key';
/** Ten content deltas, written at once: the upstream costs next to nothing. */
const MODEL = 'bench-10x10@0';
/** Turns of one API-client conversation before it starts over (its chain stays short). */
const TURNS_PER_CONVERSATION = 8;
/** A stream a model takes its time over: 40 deltas, one every 50 ms (2 s). */
const PACED_MODEL = 'bench-40x1@50';
const PACED_STREAM_MS = 2_000;

/** CPU time a process has used so far, in ms (Linux: /proc/<pid>/stat, in clock ticks of 10 ms). */
function cpuMsOf(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

async function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function startRedis(dir) {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'everysec'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise((resolve, reject) => {
    let output = '';
    child.once('error', (error) => reject(new Error(`cannot start redis-server (${error.message}); apt-get install redis-server`)));
    child.once('exit', (code) => reject(new Error(`redis-server exited (${code}): ${output}`)));
    child.stdout.on('data', (chunk) => {
      output += chunk;
      if (output.includes('Ready to accept connections')) resolve();
    });
  });
  child.stdout.resume();
  return {
    url: `redis://127.0.0.1:${port}/0`,
    pid: child.pid,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', resolve);
        child.kill('SIGTERM');
      }),
  };
}

/** A client of one replica: streamed turns, the new response's id read from response.created. */
function replicaClient(origin, connections = 32) {
  const pool = new Pool(origin, { connections, keepAliveTimeout: 60_000 });
  const headers = { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${TOKEN}` };
  const send = async (body, extraHeaders = {}) => {
    const started = performance.now();
    const response = await pool.request({ path: '/v1/responses', method: 'POST', headers: { ...headers, ...extraHeaders }, body });
    const text = await response.body.text();
    const ms = performance.now() - started;
    if (response.statusCode !== 200 || !text.includes('event: response.completed')) throw new Error(`${origin}: HTTP ${response.statusCode}: ${text.slice(0, 300)}`);
    return { ms, id: /"response":\{"id":"(resp_[0-9a-f]+)"/.exec(text)?.[1] };
  };
  const codexBodies = new Map();
  const codexBody = (model) => codexBodies.get(model) ?? codexBodies.set(model, JSON.stringify({ ...codexFirstTurn(), model, stream: true, store: false })).get(model);
  let thread = 0;
  return {
    /** One API-client turn continuing `previousId` (none: a new conversation). */
    turn: (previousId, i) => send(JSON.stringify({ model: MODEL, stream: true, input: `turn ${i}: what next?`, ...(previousId && { previous_response_id: previousId }) })),
    /** One Codex turn (a new thread each time, as many developers would send). */
    codex: (model = MODEL) => send(codexBody(model), { 'thread-id': `0197d6f2-0000-7000-8000-${String(thread++).padStart(12, '0')}` }),
    close: () => pool.destroy(),
  };
}

/** Requests per second: `conversations` API-client conversations in flight for `ms`, each turn to the next client in turn. */
async function throughput(clients, conversations, ms) {
  let done = 0;
  let next = 0;
  const until = Math.min(performance.now() + ms, deadline);
  const started = performance.now();
  const conversation = async () => {
    while (performance.now() < until) {
      let previous;
      for (let i = 0; i < TURNS_PER_CONVERSATION && performance.now() < until; i++) {
        previous = (await clients[next++ % clients.length].turn(previous, i)).id;
        done++;
      }
    }
  };
  await Promise.all(Array.from({ length: conversations }, conversation));
  return done / ((performance.now() - started) / 1000);
}

/**
 * `streams` slots, each sending one paced Codex turn after another to the replicas in turn, their
 * first starts spread over one stream's length; once all are in flight, the event-loop delay of
 * each replica, and of an idle process alongside, over `ms`. Resolves with those delays, the CPU
 * each process used meanwhile (% of one core), and the streams that completed.
 */
async function delayUnderStreams(clients, replicas, idle, processes, streams, ms) {
  let measuring = true;
  let completed = 0;
  const failures = [];
  const slot = async (i) => {
    await new Promise((resolve) => setTimeout(resolve, (i * PACED_STREAM_MS) / streams));
    while (measuring && performance.now() < deadline) {
      try {
        await clients[i % clients.length].codex(PACED_MODEL);
        completed++;
      } catch (error) {
        failures.push(error.message);
      }
    }
  };
  const slots = Array.from({ length: streams }, (_, i) => slot(i));
  await new Promise((resolve) => setTimeout(resolve, PACED_STREAM_MS));
  await Promise.all([...replicas, idle].map((child) => child.delayStart()));
  const before = completed;
  const cpuBefore = processes.map(([, pid]) => cpuMsOf(pid));
  const clientBefore = process.cpuUsage();
  const started = performance.now();
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, Math.min(ms, deadline - performance.now()))));
  const [idleDelay, ...delays] = await Promise.all([idle, ...replicas].map((child) => child.delay()));
  const wall = performance.now() - started;
  const clientUsed = process.cpuUsage(clientBefore);
  const cpuPercent = Object.fromEntries([
    ...processes.map(([label, pid], i) => [label, Math.round(((cpuMsOf(pid) - cpuBefore[i]) / wall) * 100)]),
    ['client', Math.round(((clientUsed.user + clientUsed.system) / 1000 / wall) * 100)],
  ]);
  const during = completed - before;
  measuring = false;
  await Promise.all(slots);
  if (failures.length) throw new Error(`${failures.length} of the ${streams} streams failed, e.g. ${failures[0]}`);
  return { delays, idleDelay, cpuPercent, completed: during };
}

export async function benchStore() {
  const { requests, seconds, conversations, streams } = CONFIG.store;
  const dir = mkdtempSync(path.join(tmpdir(), 'codex-bridge-bench-store-'));
  const redis = await startRedis(dir);
  const mock = await startProcess(path.join(BENCH, 'lib/mock-upstream.mjs'));
  const env = { BENCH_UPSTREAM: `${mock.origin}/v1`, BENCH_TOKEN: TOKEN, BENCH_UPSTREAM_KEY: UPSTREAM_KEY };
  const serve = (extra) => startProcess(path.join(BENCH, 'lib/serve-process.mjs'), { env: { ...env, ...extra } });
  const [local, shared, second] = await Promise.all([serve({ BENCH_HOME: path.join(dir, 'home') }), serve({ BENCH_STORE: redis.url }), serve({ BENCH_STORE: redis.url })]);
  const clients = { local: replicaClient(local.origin), shared: replicaClient(shared.origin), second: replicaClient(second.origin) };
  try {
    // Warm-up: the handlers load, the connections open, the scripts are cached.
    for (const client of Object.values(clients)) {
      let previous;
      for (let i = 0; i < 20; i++) previous = (await client.turn(i % TURNS_PER_CONVERSATION ? previous : undefined, i)).id;
      await client.codex();
    }

    // Added latency: the same turns, interleaved, one at a time.
    const ms = { local: { api: [], codex: [] }, shared: { api: [], codex: [] } };
    const previous = { local: undefined, shared: undefined };
    for (let i = 0; i < requests && performance.now() < deadline; i++) {
      for (const name of i % 2 ? ['shared', 'local'] : ['local', 'shared']) {
        const turn = await clients[name].turn(i % TURNS_PER_CONVERSATION ? previous[name] : undefined, i);
        previous[name] = turn.id;
        ms[name].api.push(turn.ms);
        ms[name].codex.push((await clients[name].codex()).ms);
      }
    }
    const s = Object.fromEntries(Object.entries(ms).map(([name, kinds]) => [name, { api: summary(kinds.api), codex: summary(kinds.codex) }]));
    figure('storeAddedApiTurnP50Ms', {
      label: `serve --store: latency added to an API client's turn (store: true, previous_response_id), p50 (${s.shared.api.n} each)`,
      unit: 'ms',
      value: s.shared.api.p50 - s.local.api.p50,
      target: null,
    });
    figure('storeAddedApiTurnP99Ms', { label: '  the same, p99', unit: 'ms', value: s.shared.api.p99 - s.local.api.p99, target: null });
    figure('storeAddedCodexTurnP50Ms', {
      label: 'serve --store: latency added to a Codex turn (store: false, 40 KB request), p50',
      unit: 'ms',
      value: s.shared.codex.p50 - s.local.codex.p50,
      target: null,
    });

    // Throughput, and where the two cores went meanwhile (each process's CPU time over the wall time).
    const cpu = {};
    const measured = async (name, targets, processes) => {
      const clientBefore = process.cpuUsage();
      const before = await Promise.all(processes.map(([, cpuMs]) => cpuMs()));
      const started = performance.now();
      const rate = await throughput(targets, conversations, seconds * 1000);
      const wall = performance.now() - started;
      const after = await Promise.all(processes.map(([, cpuMs]) => cpuMs()));
      const used = process.cpuUsage(clientBefore);
      cpu[name] = Object.fromEntries([
        ...processes.map(([label], i) => [label, Math.round(((after[i] - before[i]) / wall) * 100)]),
        ['client', Math.round(((used.user + used.system) / 1000 / wall) * 100)],
      ]);
      return rate;
    };
    const of = (label, pid) => [label, async () => cpuMsOf(pid)];
    const rps = {
      local: await measured('local', [clients.local], [of('replica', local.pid), of('mock', mock.pid)]),
      one: await measured('one', [clients.shared], [of('replica', shared.pid), of('redis', redis.pid), of('mock', mock.pid)]),
      two: await measured('two', [clients.shared, clients.second], [of('replica 1', shared.pid), of('replica 2', second.pid), of('redis', redis.pid), of('mock', mock.pid)]),
    };
    figure('storeRpsOneReplicaLocal', {
      label: `requests per second, one replica, local state (API-client turns, ${conversations} conversations at once)`,
      unit: 'req/s',
      value: rps.local,
      target: null,
    });
    figure('storeRpsOneReplica', { label: '  one replica with --store', unit: 'req/s', value: rps.one, target: null });
    figure('storeRpsTwoReplicas', { label: '  two replicas with --store (turns alternate between them)', unit: 'req/s', value: rps.two, target: null });

    // Event-loop delay with many streams in flight, through pools that can hold them all.
    const wide = [replicaClient(shared.origin, streams), replicaClient(second.origin, streams)];
    const idle = await startProcess(path.join(BENCH, 'lib/idle-process.mjs'));
    const processes = [
      ['replica 1', shared.pid],
      ['replica 2', second.pid],
      ['redis', redis.pid],
      ['mock', mock.pid],
    ];
    let inFlight;
    try {
      inFlight = await delayUnderStreams(wide, [shared, second], idle, processes, streams, seconds * 1000);
    } finally {
      await Promise.all(wide.map((client) => client.close()));
      await idle.stop();
    }
    figure('storeEventLoopDelayP99Ms', {
      label: `event-loop delay p99, two replicas with --store, ${streams} Codex streams in flight (the worse replica)`,
      unit: 'ms',
      value: Math.max(...inFlight.delays.map((delay) => delay.p99)),
      target: null,
    });
    figure('storeEventLoopDelayIdleP99Ms', {
      label: '  the same, of an idle process alongside (what the machine adds: other processes on the cores)',
      unit: 'ms',
      value: inFlight.idleDelay.p99,
      target: null,
    });
    details.store = {
      requestsEach: s.shared.api.n,
      ms: s,
      rps,
      cpuPercent: cpu,
      conversations,
      seconds,
      model: MODEL,
      redis: 'appendonly yes, appendfsync everysec',
      streamsInFlight: {
        streams,
        model: PACED_MODEL,
        completed: inFlight.completed,
        eventLoopDelayMs: { replicas: inFlight.delays, idle: inFlight.idleDelay },
        cpuPercent: inFlight.cpuPercent,
      },
    };
    log(`store: API turn p50 local ${s.local.api.p50.toFixed(2)} / store ${s.shared.api.p50.toFixed(2)} ms; rps local ${rps.local.toFixed(0)}, one ${rps.one.toFixed(0)}, two ${rps.two.toFixed(0)}`);
    log(`store: CPU % of one core during each: ${JSON.stringify(cpu)}`);
    log(`store: ${streams} streams in flight, ${inFlight.completed} completed in ${seconds} s; event-loop delay per replica ${JSON.stringify(inFlight.delays)}, idle process ${JSON.stringify(inFlight.idleDelay)}; CPU % ${JSON.stringify(inFlight.cpuPercent)}`);
  } finally {
    await Promise.all(Object.values(clients).map((client) => client.close()));
    await Promise.all([local.stop(), shared.stop(), second.stop()]);
    await mock.stop();
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
