// IPC for the bench's server processes: report memory on request (after a full GC when the process
// runs with --expose-gc), CPU time used so far and event-loop delay over a window, exit when told
// to or when the bench goes away.
import { constants, monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';

/** The delay histogram's timer period: each sample is the time between two of its ticks. */
const DELAY_RESOLUTION_MS = 10;

export function serveMemoryRequests(close) {
  let exiting = false;
  let delay;
  // The GC pauses over the same window: how much of the delay is the collector's.
  let pauses = [];
  const gc = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) pauses.push({ ms: entry.duration, major: entry.detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR });
  });
  const exit = async () => {
    if (exiting) return;
    exiting = true;
    const timer = setTimeout(() => process.exit(0), 2_000);
    timer.unref();
    try {
      await close();
    } finally {
      // process.exit (not a signal) so that --cpu-prof writes its profile.
      process.exit(0);
    }
  };
  process.on('disconnect', exit);
  process.on('message', async (message) => {
    if (message?.type === 'exit') return exit();
    if (message?.type === 'delay-start') {
      delay?.disable();
      delay = monitorEventLoopDelay({ resolution: DELAY_RESOLUTION_MS });
      delay.enable();
      pauses = [];
      gc.observe({ entryTypes: ['gc'] });
      process.send({ type: 'delay-start', id: message.id });
      return;
    }
    if (message?.type === 'delay') {
      delay?.disable();
      gc.disconnect();
      // A sample is a whole period between two ticks; what the loop added is the part past the period.
      const late = (ns) => Math.max(0, ns / 1e6 - DELAY_RESOLUTION_MS);
      const longest = (list) => list.reduce((max, pause) => Math.max(max, pause.ms), 0);
      const report = delay && {
        p50: late(delay.percentile(50)),
        p99: late(delay.percentile(99)),
        max: late(delay.max),
        samples: delay.count,
        gc: { pauses: pauses.length, totalMs: pauses.reduce((sum, pause) => sum + pause.ms, 0), longestMs: longest(pauses), major: pauses.filter((pause) => pause.major).length, longestMajorMs: longest(pauses.filter((pause) => pause.major)) },
      };
      process.send({ type: 'delay', id: message.id, ...report });
      return;
    }
    if (message?.type === 'cpu') {
      const { user, system } = process.cpuUsage();
      process.send({ type: 'cpu', id: message.id, micros: user + system });
      return;
    }
    if (message?.type === 'memory') {
      if (typeof globalThis.gc === 'function') {
        for (let i = 0; i < 3; i++) {
          globalThis.gc();
          await new Promise((resolve) => setImmediate(resolve));
        }
      }
      const { rss, heapUsed, external, arrayBuffers } = process.memoryUsage();
      process.send({ type: 'memory', id: message.id, rss, heapUsed, external, arrayBuffers });
    }
  });
}
