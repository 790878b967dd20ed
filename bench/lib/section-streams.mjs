// Streams through each way to the mock: time to the first token, one long stream, and 64 at once.
import { performance } from 'node:perf_hooks';
import { CONFIG, deadline, log } from './options.mjs';
import { details, figure } from './report.mjs';
import { median, summary } from './stats.mjs';
import { NAMES, overDirect, perName, perWay } from './ways.mjs';

// ---------- 2. first token ----------

export async function benchFirstToken(servers) {
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

export async function benchLongStream(servers) {
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

export async function benchParallel(targets) {
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
