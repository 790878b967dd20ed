import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, realpathSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { tempDirsPerTest } from '../helpers/temp-dirs.js';

// What `npm publish` would ship, installed as a user installs it. A clean checkout has no dist/
// (it is built, and ignored by git): `npm pack` must build it (the prepack script), or the package
// is a bin/ that imports files it does not have. The checkout is copied from the files git knows,
// so the build here never touches this worktree's dist/, which other tests run.

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const tempDir = tempDirsPerTest('cb-pack-');
const { version } = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string };

/** The environment for npm, without what an outer `npm test` set for its own package. */
function npmEnv(): NodeJS.ProcessEnv {
  const outer = /^npm_(package_|lifecycle_|command$|config_(local_prefix|global_prefix|prefix)$)/;
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !outer.test(name)));
}

/**
 * A copy of the checkout as git has it (tracked files, and new ones not ignored), sharing
 * node_modules. A tree that is not a git checkout gives what the build and npm pack read.
 */
function cleanCheckout(into: string): string {
  const listed = existsSync(path.join(repoRoot, '.git'))
    ? execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: repoRoot }).toString().split('\0')
    : ['package.json', 'package-lock.json', 'tsconfig.json', 'README.md', 'bin', 'src'];
  for (const file of listed.filter((name) => name && existsSync(path.join(repoRoot, name)))) {
    mkdirSync(path.dirname(path.join(into, file)), { recursive: true });
    cpSync(path.join(repoRoot, file), path.join(into, file), { recursive: true });
  }
  symlinkSync(realpathSync(path.join(repoRoot, 'node_modules')), path.join(into, 'node_modules'));
  return into;
}

describe('the published package', () => {
  it('npm pack from a clean checkout ships dist/, and installed globally it runs --version and doctor', async () => {
    const root = tempDir();
    const checkout = cleanCheckout(path.join(root, 'checkout'));
    expect(existsSync(path.join(checkout, 'dist'))).toBe(false);

    const pack = await execa('npm', ['pack', '--json', '--pack-destination', root], { cwd: checkout, env: npmEnv(), extendEnv: false });
    const [packed] = JSON.parse(pack.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
    const shipped = packed.files.map((file) => file.path);
    expect(shipped).toContain('dist/cli/main.js');
    expect(shipped).toContain('bin/codex-bridge.js');
    expect(shipped.filter((file) => /^(src|test)\//.test(file) || file.endsWith('.test.js'))).toEqual([]);

    // From npm's cache where it can: the registry only for what the cache lacks.
    const prefix = path.join(root, 'prefix');
    await execa('npm', ['install', '--global', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', path.join(root, packed.filename)], { env: npmEnv(), extendEnv: false });

    // As a user would run it: from the prefix's bin, with node on PATH and nothing else of ours.
    const home = path.join(root, 'home');
    mkdirSync(home);
    const env = { PATH: [path.join(prefix, 'bin'), path.dirname(process.execPath), '/usr/bin', '/bin'].join(path.delimiter), HOME: home, LANG: 'C.UTF-8' };
    const bin = path.join(prefix, 'bin', 'codex-bridge');
    const versionRun = await execa(bin, ['--version'], { env, extendEnv: false, cwd: home, reject: false });
    expect([versionRun.exitCode, versionRun.stdout, versionRun.stderr]).toEqual([0, version, '']);
    // No upstream is given, so doctor fails: it runs every check and ends with its verdict, not a crash.
    const doctor = await execa(bin, ['doctor'], { env, extendEnv: false, cwd: home, reject: false });
    expect(doctor.stderr).toBe('');
    expect(doctor.exitCode).toBe(1);
    expect(doctor.stdout).toMatch(/^✓ node — v\d+\.\d+\.\d+$/m);
    expect(doctor.stdout).toContain('✗ upstream — no upstream given');
    expect(doctor.stdout.trimEnd().split('\n').at(-1)).toMatch(/^\d+ checks? failed$/);
  }, 180_000);
});
