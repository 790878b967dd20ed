// IPC for the bench's server processes: report memory on request (after a full GC when the process
// runs with --expose-gc) and CPU time used so far, exit when told to or when the bench goes away.

export function serveMemoryRequests(close) {
  let exiting = false;
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
