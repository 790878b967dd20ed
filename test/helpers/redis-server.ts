import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

// A real redis-server (Debian's `redis-server` package, which .ci/run installs) for one test file:
// on a free loopback port, with its data in a temporary directory (append-only file, fsync on every
// write, so a stop and a start lose nothing). No mock: the shared store is tested against Redis.

export interface RedisServer {
  url: string;
  port: number;
  /** Stops it (SIGTERM: it finishes writing first); start() brings it back on the same port and data. */
  stop(): Promise<void>;
  /** SIGKILL: what it had not written to its append-only file is lost (with fsync always: nothing it acknowledged). */
  kill(): Promise<void>;
  start(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function launch(port: number, dir: string): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'always', '--protected-mode', 'no', '--daemonize', 'no'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return new Promise((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) {
        child.stdout!.off('data', onData);
        child.stdout!.resume();
        resolve(child);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', (error) => reject(new Error(`cannot start redis-server (${error.message}); install it: apt-get install redis-server`)));
    child.once('exit', (code) => reject(new Error(`redis-server exited (${code}) before it was ready:\n${output}`)));
  });
}

/** Starts redis-server with its data in `dir` (a temporary directory the caller removes). */
export async function startRedisServer(dir: string): Promise<RedisServer> {
  let port = 0;
  let child: ChildProcess | undefined;
  for (let attempt = 0; !child; attempt++) {
    port = await freePort();
    try {
      child = await launch(port, dir);
    } catch (error) {
      // The port was taken between finding it and binding it: another one.
      if (attempt >= 4 || !/Address already in use/.test((error as Error).message)) throw error;
    }
  }
  const end = async (signal: NodeJS.Signals) => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
    running.kill(signal);
    await exited;
  };
  const stop = () => end('SIGTERM');
  return {
    url: `redis://127.0.0.1:${port}/0`,
    port,
    stop,
    kill: () => end('SIGKILL'),
    async start() {
      if (!child) child = await launch(port, dir);
    },
  };
}
