import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { tempDirsPerTest } from '../../test/helpers/temp-dirs.js';
import { checkCodex, compareVersions } from './check-codex.js';

const tempDir = tempDirsPerTest('cb-doctor-codex-');
let root: string;
let bin: string;
beforeEach(() => {
  root = tempDir();
  bin = path.join(root, 'bin');
  mkdirSync(bin);
});

function fakeCodex(body: string): void {
  writeFileSync(path.join(bin, 'codex'), `#!${process.execPath}\n${body}\n`);
  chmodSync(path.join(bin, 'codex'), 0o755);
}
const env = () => ({ PATH: bin });

describe('checkCodex', () => {
  it('compares versions numerically', () => {
    expect(compareVersions('0.169.0', '0.169.0')).toBe(0);
    expect(compareVersions('0.99.0', '0.169.0')).toBe(-1);
    expect(compareVersions('1.0.0', '0.169.0')).toBe(1);
  });

  it('passes the tested version and newer ones', async () => {
    fakeCodex('console.log("codex-cli 0.171.0")');
    expect(await checkCodex(env(), root)).toEqual({ name: 'codex', ok: true, level: 'ok', detail: `0.171.0 (${path.join(bin, 'codex')})` });
    fakeCodex('console.log("codex-cli 0.201.3")');
    expect((await checkCodex(env(), root)).level).toBe('ok');
  });

  it('warns (without failing) about an older Codex', async () => {
    fakeCodex('console.log("codex-cli 0.120.1")');
    const check = await checkCodex(env(), root);
    expect(check).toMatchObject({ ok: true, level: 'warn' });
    expect(check.detail).toMatch(/^0\.120\.1 \(.*\) is older than 0\.171\.0, the version codex-bridge is tested with$/);
    expect(check.fix).toBe('update it: npm i -g @openai/codex@latest');
  });

  it('fails when Codex is missing, says how to install it', async () => {
    expect(await checkCodex({ PATH: path.join(root, 'empty') }, root)).toEqual({
      name: 'codex',
      ok: false,
      level: 'fail',
      detail: 'codex is not on PATH',
      fix: 'install the Codex CLI: npm i -g @openai/codex',
    });
  });

  it('fails when `codex --version` hangs or errors', async () => {
    fakeCodex('setTimeout(() => {}, 60_000)');
    const hung = await checkCodex(env(), root, undefined, 300);
    expect(hung).toMatchObject({ ok: false, detail: `${path.join(bin, 'codex')} --version did not answer within 0.3 s` });
    fakeCodex('process.exit(3)');
    expect((await checkCodex(env(), root)).detail).toMatch(/--version failed \(exit code 3\)$/);
  });
});
