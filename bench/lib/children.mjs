// Server processes for the bench: started with IPC, asked for their memory, stopped by message
// (and, should the bench die, they exit when the IPC channel closes).
import { fork } from 'node:child_process';

export async function startProcess(file, { env = {}, execArgv = [], timeoutMs = 20_000 } = {}) {
  const child = fork(file, [], {
    env: { ...process.env, ...env },
    execArgv,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${file} did not start within ${timeoutMs} ms`)), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${file} exited with ${code} before it was ready`));
    });
    child.on('message', (message) => {
      if (message?.type === 'ready') {
        clearTimeout(timer);
        resolve(message.port);
      }
    });
  });
  let nextId = 0;
  const ask = (type) => {
    const id = nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${type} report within 10 s`)), 10_000);
      const onMessage = (message) => {
        if (message?.type === type && message.id === id) {
          clearTimeout(timer);
          child.off('message', onMessage);
          resolve(message);
        }
      };
      child.on('message', onMessage);
      child.send({ type, id });
    });
  };
  return {
    port,
    origin: `http://127.0.0.1:${port}`,
    pid: child.pid,
    /** Memory after a full GC (the process needs --expose-gc for the GC). */
    memory() {
      return ask('memory');
    },
    /** Event-loop delay from now until delay() (which resolves with its p50, p99 and max, in ms). */
    async delayStart() {
      await ask('delay-start');
    },
    async delay() {
      const { p50, p99, max, samples, gc } = await ask('delay');
      return { p50, p99, max, samples, gc };
    },
    /** CPU time (user + system) the process has used so far, in ms. */
    async cpuMs() {
      return (await ask('cpu')).micros / 1000;
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      if (child.connected) child.send({ type: 'exit' });
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
