import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDirsPerTest } from '../../test/helpers/temp-dirs.js';
import { exitCodeFor, launchChild } from './launch-child.js';

const node = process.execPath;

const tempDir = tempDirsPerTest('cb-launch-test-');

/** Waits until the child has created `file` (it does once its handlers are installed). */
async function waitForFile(file: string): Promise<void> {
  for (let i = 0; i < 200 && !existsSync(file); i++) await new Promise((resolve) => setTimeout(resolve, 50));
}

/** Launches a node child that runs `handlers`, then says it is ready and idles; sends it `signal` once ready; gives its exit code. */
async function exitCodeAfter(signal: NodeJS.Signals, handlers: string): Promise<number> {
  const ready = path.join(tempDir(), 'ready');
  const child = launchChild({
    file: node,
    args: ['-e', `${handlers}require("fs").writeFileSync(process.env.READY, ""); setInterval(() => {}, 1000)`],
    env: { READY: ready },
  });
  await waitForFile(ready);
  child.kill(signal);
  return child.exitCode;
}

describe('exitCodeFor', () => {
  it('follows the shell convention', () => {
    expect(exitCodeFor({ exitCode: 0 })).toBe(0);
    expect(exitCodeFor({ exitCode: 3 })).toBe(3);
    expect(exitCodeFor({ signal: 'SIGINT' })).toBe(130);
    expect(exitCodeFor({ signal: 'SIGTERM' })).toBe(143);
    expect(exitCodeFor({ signal: 'SIGHUP' })).toBe(129);
    expect(exitCodeFor({ signal: 'SIGKILL' })).toBe(137);
    expect(exitCodeFor({})).toBe(1);
  });
});

describe('launchChild', () => {
  it('resolves with the exit code and passes the given environment only', async () => {
    const child = launchChild({
      file: node,
      args: ['-e', 'process.exit(process.env.ONLY === "yes" && process.env.HOME === undefined ? 7 : 1)'],
      env: { ONLY: 'yes' },
    });
    expect(await child.exitCode).toBe(7);
  });

  it('passes signals on and reports death by signal as 128 + n', async () => {
    // A child that handles nothing: SIGTERM kills it.
    expect(await exitCodeAfter('SIGTERM', '')).toBe(143);
  });

  it('lets a child that handles the signal choose its exit code', async () => {
    expect(await exitCodeAfter('SIGINT', 'process.on("SIGINT", () => process.exit(42)); ')).toBe(42);
  });

  it('reports a program that cannot be started like a shell does', async () => {
    const child = launchChild({ file: '/nonexistent/program', args: [], env: {} });
    expect(await child.exitCode).toBe(127);
  });
});
