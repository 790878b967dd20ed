import { spawn, type ChildProcess } from 'node:child_process';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from '../e2e/ensure-built.js';

// `codex-bridge serve --store …` as its own process (what a deployment runs behind a load
// balancer), started from the built CLI, and the other commands run against the same store.

export const BIN = path.join(repoRoot, 'bin/codex-bridge.js');

export interface Replica {
  /** http://127.0.0.1:PORT/v1 */
  url: string;
  child: ChildProcess;
  /** What it printed on stdout and stderr so far. */
  output(): string;
  /** SIGTERM, and wait for it to exit. */
  stop(): Promise<void>;
  /** SIGKILL: no clean-up at all. */
  kill(): Promise<void>;
}

export async function startReplica(args: string[], env: NodeJS.ProcessEnv): Promise<Replica> {
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const check = () => {
      const found = /listening on (http:\/\/\S+\/v1)/.exec(output);
      if (found) {
        child.stdout!.off('data', check);
        resolve(found[1]);
      }
    };
    child.stdout!.on('data', check);
    void exited.then(() => reject(new Error(`serve exited before it listened:\n${output}`)));
  });
  const end = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  return { url, child, output: () => output, stop: () => end('SIGTERM'), kill: () => end('SIGKILL') };
}

const run = promisify(execFile);

/** Runs `codex-bridge <args>`; resolves with its output and exit code, whatever the code. */
export async function cli(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { env, timeout: 20_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof failed.code === 'number' ? failed.code : 1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}
