// The sessions file (its flushes and its loading) and the bridge's memory over many requests.
import { performance } from 'node:perf_hooks';
import { benchSessionsFileWrite } from './sessions-file.mjs';
import { runConcurrently } from './client.mjs';
import { CONFIG, deadline, log } from './options.mjs';
import { details, figure } from './report.mjs';
import { round } from './stats.mjs';
import { NAMES, perWay, startServers } from './ways.mjs';

export async function benchSessionsFile() {
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

export async function benchRss() {
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
