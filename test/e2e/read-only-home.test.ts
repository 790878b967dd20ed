import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, repoRoot } from './ensure-built.js';
import { bridgeBin, makeSandbox, type Sandbox } from './sandbox.js';

// A home on a read-only file system (a container's, a locked-down machine's) is named as read-only.
// Node's recursive mkdir reports ENOENT there, which read "does not exist" until the bridge asked
// the file system itself. The file system is a real one: a tmpfs mounted read-only over HOME in a
// mount namespace of the command's own (unshare: root, as CI runs, or user namespaces), so nothing
// outlives it. Where no namespace may be made (a container without privileges), a home below a
// read-only mount the machine already has (/sys, /proc/sys in a container).

let sandbox: Sandbox | undefined;
beforeAll(ensureBuilt, 120_000);
afterEach(() => {
  sandbox?.dispose();
  sandbox = undefined;
});

interface ReadOnlyHome {
  /** HOME for the command: on the read-only file system, or (in a mount the machine has) below it. */
  home: string;
  /** A directory that exists on the read-only file system. */
  readOnly: string;
  env: NodeJS.ProcessEnv;
  /** Runs `command` with that HOME; output collected, never rejects. */
  run(command: string[]): ReturnType<typeof execa>;
}

const collect = { reject: false, stdin: 'ignore', timeout: 60_000, extendEnv: false } as const;

/** A tmpfs mounted read-only over HOME, in a mount namespace of the command's own. */
function inNamespace(env: NodeJS.ProcessEnv, command: string[]) {
  const mountHome = 'mount -t tmpfs -o ro tmpfs "$HOME" && cd "$HOME" && exec "$@"';
  return execa('unshare', ['--mount', '--map-root-user', 'sh', '-c', mountHome, 'sh', ...command], { ...collect, env });
}

/** Read-only mounts the machine has, that a container's processes cannot write whoever they are. */
function systemReadOnlyMount(): string | undefined {
  const mounts = readFileSync('/proc/self/mounts', 'utf8').split('\n').map((line) => line.split(' '));
  return ['/sys', '/proc/sys'].find((dir) => {
    if (!mounts.some(([, target, , options]) => target === dir && options?.split(',').includes('ro'))) return false;
    try {
      mkdirSync(path.join(dir, 'codex-bridge-probe'));
      return false;
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === 'EROFS';
    }
  });
}

async function readOnlyHome(): Promise<ReadOnlyHome> {
  sandbox = makeSandbox();
  const box = sandbox;
  // No CODEX_HOME: the Codex home is the one in the read-only HOME, as for a new user.
  const { CODEX_HOME: _unset, ...env } = box.env();
  const probe = await inNamespace(env, ['touch', 'written']);
  if (/read-only file system/i.test(String(probe.stderr))) {
    return { home: box.home, readOnly: box.home, env, run: (command) => inNamespace(env, command) };
  }
  const mount = systemReadOnlyMount();
  if (mount) {
    const home = path.join(mount, `codex-bridge-home-${process.pid}`);
    const homeEnv = { ...env, HOME: home };
    return { home, readOnly: mount, env: homeEnv, run: ([file, ...args]) => execa(file, args, { ...collect, env: homeEnv, cwd: box.cwd }) };
  }
  throw new Error(
    `no read-only file system to test with: unshare --mount --map-root-user failed (${String(probe.stderr).trim() || `exit ${probe.exitCode}`}) and neither /sys nor /proc/sys is mounted read-only — run the tests as root, as CI does, or allow user namespaces`,
  );
}

describe('a home on a read-only file system', () => {
  it('the error of each file-system call is described as read-only (the real errors, in the real file system)', async () => {
    const { home, readOnly, run } = await readOnlyHome();
    const script = `
      import { mkdirSync, writeFileSync } from 'node:fs';
      import { describePathError, unwritableDirectory } from ${JSON.stringify(path.join(repoRoot, 'dist/output/path-error.js'))};
      const home = process.env.HOME;
      const thrown = (action) => { try { action(); } catch (error) { return error; } };
      const recursive = thrown(() => mkdirSync(home + '/.config/codex-bridge', { recursive: true }));
      const write = thrown(() => writeFileSync(${JSON.stringify(path.join(readOnly, 'config.json'))}, '{}'));
      console.log(JSON.stringify({
        recursiveCode: recursive.code,
        recursive: describePathError(recursive),
        writeCode: write.code,
        write: describePathError(write),
        unwritable: unwritableDirectory(home + '/.codex'),
      }));
    `;
    const result = await run([process.execPath, '--input-type=module', '-e', script]);
    expect(result.stderr).toBe('');
    expect(JSON.parse(String(result.stdout))).toEqual({
      // What Node reports: the reason the bridge must not take at its word.
      recursiveCode: 'ENOENT',
      recursive: `cannot create the directory ${home}/.config/codex-bridge: the file system is read-only — point HOME at a directory you can write to (it is ${home})`,
      writeCode: 'EROFS',
      write: expect.stringMatching(new RegExp(`^cannot open ${path.join(readOnly, 'config.json')}: the file system is read-only — `)),
      unwritable: { code: 'EROFS', syscall: 'mkdir', path: `${home}/.codex` },
    });
  });

  it('config set, trust rm and run say "read-only" in one line, exit 1; doctor fails the config, the Codex home and the sessions', async () => {
    const { home, run } = await readOnlyHome();
    const codex = path.join(sandbox!.root, 'codex');
    writeFileSync(codex, '#!/bin/sh\necho "codex ran"\n');
    chmodSync(codex, 0o755);
    const bridge = (...args: string[]) => run([process.execPath, bridgeBin, ...args]);
    // Port 9 refuses at once: nothing leaves this machine.
    const upstream = ['--upstream', 'http://127.0.0.1:9/v1', '--model', 'm'];
    const readOnly = (directory: string) => `codex-bridge: cannot create the directory ${directory}: the file system is read-only — point HOME at a directory you can write to (it is ${home})`;

    const config = await bridge('config', 'set', 'provider', 'deepseek');
    expect([config.exitCode, config.stderr]).toEqual([1, readOnly(`${home}/.config/codex-bridge`)]);
    const trust = await bridge('trust', 'rm', '.');
    expect([trust.exitCode, trust.stderr]).toEqual([1, readOnly(`${home}/.config/codex-bridge`)]);
    const started = await bridge('run', ...upstream, '--', codex);
    expect([started.exitCode, started.stderr, started.stdout]).toEqual([1, readOnly(`${home}/.codex`), '']);

    const doctor = await bridge('doctor', ...upstream);
    expect(doctor.exitCode).toBe(1);
    const failed = (name: string, directory: string) =>
      `✗ ${name} — cannot create the directory ${directory}: the file system is read-only\n  fix: point HOME at a directory you can write to (it is ${home})`;
    expect(doctor.stdout).toContain(failed('saved config', `${home}/.config/codex-bridge`));
    expect(doctor.stdout).toContain(failed('CODEX_HOME', `${home}/.codex`));
    expect(doctor.stdout).toContain(failed('sessions file', `${home}/.config/codex-bridge`));
    expect(doctor.stdout).not.toMatch(/does not exist/);
  });
});
