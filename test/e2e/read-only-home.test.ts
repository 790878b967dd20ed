import { chmodSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, repoRoot } from './ensure-built.js';
import { bridgeBin, makeSandbox, type Sandbox } from './sandbox.js';

// A home on a read-only file system (a container's, a locked-down machine's) is named as read-only.
// Node's recursive mkdir reports ENOENT there, which read "does not exist" until the bridge asked
// the file system itself. The file system is a real one: a tmpfs mounted read-only over HOME in a
// mount namespace of the command's own (unshare), so nothing outlives it and nothing needs undoing.
// That takes root (as CI runs) or user namespaces.

let sandbox: Sandbox | undefined;
beforeAll(ensureBuilt, 120_000);
afterEach(() => {
  sandbox?.dispose();
  sandbox = undefined;
});

/** `command` with HOME a read-only tmpfs; output collected, never rejects. */
function withReadOnlyHome(sandbox: Sandbox, command: string[], env: NodeJS.ProcessEnv) {
  const mountHome = 'mount -t tmpfs -o ro tmpfs "$HOME" && cd "$HOME" && exec "$@"';
  return execa('unshare', ['--mount', '--map-root-user', 'sh', '-c', mountHome, 'sh', ...command], {
    env,
    extendEnv: false,
    reject: false,
    stdin: 'ignore',
    timeout: 60_000,
  });
}

async function readOnlySandbox(): Promise<{ sandbox: Sandbox; env: NodeJS.ProcessEnv }> {
  sandbox = makeSandbox();
  // No CODEX_HOME: the Codex home is the one in the read-only HOME, as for a new user.
  const { CODEX_HOME: _unset, ...env } = sandbox.env();
  const probe = await withReadOnlyHome(sandbox, ['touch', 'written'], env);
  if (!/read-only file system/i.test(probe.stderr)) {
    throw new Error(`a read-only HOME needs a mount namespace (unshare --mount --map-root-user): run the tests as root, as CI does, or allow user namespaces — ${probe.stderr || `touch exited ${probe.exitCode}`}`);
  }
  return { sandbox, env };
}

describe('a home on a read-only file system', () => {
  it('the error of each file-system call is described as read-only (the real errors, in the real file system)', async () => {
    const { sandbox, env } = await readOnlySandbox();
    const script = `
      import { mkdirSync, writeFileSync } from 'node:fs';
      import { describePathError, unwritableDirectory } from ${JSON.stringify(path.join(repoRoot, 'dist/output/path-error.js'))};
      const home = process.env.HOME;
      const thrown = (action) => { try { action(); } catch (error) { return error; } };
      const recursive = thrown(() => mkdirSync(home + '/.config/codex-bridge', { recursive: true }));
      const write = thrown(() => writeFileSync(home + '/config.json', '{}'));
      console.log(JSON.stringify({
        recursiveCode: recursive.code,
        recursive: describePathError(recursive),
        write: describePathError(write),
        unwritable: unwritableDirectory(home + '/.codex'),
      }));
    `;
    const result = await withReadOnlyHome(sandbox, [process.execPath, '--input-type=module', '-e', script], env);
    expect(result.stderr).toBe('');
    const home = sandbox.home;
    expect(JSON.parse(result.stdout)).toEqual({
      // What Node reports: the reason the bridge must not take at its word.
      recursiveCode: 'ENOENT',
      recursive: `cannot create the directory ${home}/.config/codex-bridge: the file system is read-only — point HOME at a directory you can write to (it is ${home})`,
      write: `cannot open ${home}/config.json: the file system is read-only — point HOME at a directory you can write to (it is ${home})`,
      unwritable: { code: 'EROFS', syscall: 'mkdir', path: `${home}/.codex` },
    });
  });

  it('config set, trust rm and run say "read-only" in one line, exit 1; doctor fails the config, the Codex home and the sessions', async () => {
    const { sandbox, env } = await readOnlySandbox();
    const codex = path.join(sandbox.root, 'codex');
    writeFileSync(codex, '#!/bin/sh\necho "codex ran"\n');
    chmodSync(codex, 0o755);
    const bridge = (...args: string[]) => withReadOnlyHome(sandbox, [process.execPath, bridgeBin, ...args], env);
    // Port 9 refuses at once: nothing leaves this machine.
    const upstream = ['--upstream', 'http://127.0.0.1:9/v1', '--model', 'm'];
    const home = sandbox.home;
    const readOnly = (directory: string) => `codex-bridge: cannot create the directory ${directory}: the file system is read-only — point HOME at a directory you can write to (it is ${home})`;

    const config = await bridge('config', 'set', 'provider', 'deepseek');
    expect([config.exitCode, config.stderr]).toEqual([1, readOnly(`${home}/.config/codex-bridge`)]);
    const trust = await bridge('trust', 'rm', '.');
    expect([trust.exitCode, trust.stderr]).toEqual([1, readOnly(`${home}/.config/codex-bridge`)]);
    const run = await bridge('run', ...upstream, '--', codex);
    expect([run.exitCode, run.stderr, run.stdout]).toEqual([1, readOnly(`${home}/.codex`), '']);

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
