import { readdirSync, readFileSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { beforeEach, describe, expect, it } from 'vitest';
import { tempDirsPerTest } from '../../test/helpers/temp-dirs.js';
import { UsageError } from '../output/usage-error.js';
import { registerTrust } from '../cli/trust.js';
import { JsonFileTrustStore, openTrustStore } from './trust-store.js';

const tempDir = tempDirsPerTest('cb-trust-store-');
let home: string;
let file: string;
beforeEach(() => {
  home = path.join(tempDir(), 'home');
  file = path.join(home, 'trust.json');
});

describe('the trust store (trust.json)', () => {
  it('keeps answers in a 0600 file in a 0700 folder; a new answer for a folder replaces the old one', async () => {
    const store = new JsonFileTrustStore(file);
    expect(await store.list()).toEqual([]);
    expect(readdirSync(path.dirname(home))).toEqual([]);
    const first = await store.record([{ path: '/work/b', trustLevel: 'trusted' }, { path: '/work/a', trustLevel: 'untrusted' }]);
    expect(first.map((d) => d.path)).toEqual(['/work/b', '/work/a']);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(home).mode & 0o777).toBe(0o700);
    // The same answer again changes nothing; a changed one is reported.
    expect(await store.record([{ path: '/work/b', trustLevel: 'trusted' }])).toEqual([]);
    expect((await store.record([{ path: '/work/a', trustLevel: 'trusted' }])).map((d) => [d.path, d.trustLevel])).toEqual([['/work/a', 'trusted']]);
    expect((await store.list()).map((d) => [d.path, d.trustLevel])).toEqual([
      ['/work/a', 'trusted'],
      ['/work/b', 'trusted'],
    ]);
    expect(readdirSync(home)).toEqual(['trust.json']);
  });

  it('ignores what is not an answer (a relative path, an unknown level), and forgets on request', async () => {
    const store = new JsonFileTrustStore(file);
    expect(await store.record([{ path: 'relative', trustLevel: 'trusted' }, { path: '/x', trustLevel: 'maybe' }])).toEqual([]);
    await store.record([{ path: '/x', trustLevel: 'trusted' }, { path: '/y', trustLevel: 'trusted' }]);
    expect(await store.remove(['/x', '/nope'])).toEqual(['/x']);
    expect((await store.list()).map((d) => d.path)).toEqual(['/y']);
  });

  it('a damaged or newer file is one clear error, never overwritten', async () => {
    mkdirSync(home, { recursive: true });
    writeFileSync(file, '{not json');
    const store = new JsonFileTrustStore(file);
    await expect(store.list()).rejects.toThrow(`${file} is not valid JSON; fix or delete it`);
    await expect(store.record([{ path: '/x', trustLevel: 'trusted' }])).rejects.toThrow('not valid JSON');
    expect(readFileSync(file, 'utf8')).toBe('{not json');
    writeFileSync(file, '{"version":9,"folders":[]}');
    await expect(store.list()).rejects.toThrow('newer codex-bridge');
  });

  it('lives beside sessions.json', () => {
    expect(openTrustStore({ CODEX_BRIDGE_HOME: home }).location).toBe(file);
  });
});

describe('codex-bridge trust list|rm', () => {
  async function cli(args: string[], cwd = '/work') {
    let out = '';
    const program = new Command('codex-bridge').exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
    registerTrust(program, { env: { CODEX_BRIDGE_HOME: home }, cwd, out: (text) => void (out += text) });
    try {
      await program.parseAsync(['node', 'codex-bridge', 'trust', ...args]);
      return { code: 0, out };
    } catch (error) {
      if (error instanceof UsageError) return { code: error.exitCode, out, error: error.message };
      throw error;
    }
  }

  it('lists the answers, and rm forgets one by a path relative to here', async () => {
    expect((await cli(['list'])).out).toBe(`no folder trust answers kept yet (${file})\n`);
    await new JsonFileTrustStore(file).record([{ path: '/work/repo', trustLevel: 'trusted' }, { path: '/srv/app', trustLevel: 'untrusted' }]);
    const listed = (await cli(['list'])).out.trimEnd().split('\n');
    expect(listed.map((line) => line.split(/\s{2,}/))).toEqual([
      ['untrusted', expect.stringMatching(/^\d{4}-\d\d-\d\d$/), '/srv/app'],
      ['trusted', expect.stringMatching(/^\d{4}-\d\d-\d\d$/), '/work/repo'],
    ]);
    expect(JSON.parse((await cli(['list', '--json'])).out)).toEqual([
      { path: '/srv/app', trustLevel: 'untrusted', decidedAt: expect.any(String) },
      { path: '/work/repo', trustLevel: 'trusted', decidedAt: expect.any(String) },
    ]);
    expect(await cli(['rm', 'repo'])).toEqual({ code: 0, out: 'forgot the trust answer for /work/repo; Codex will ask again there\n' });
    expect(await cli(['rm', 'repo'])).toEqual({ code: 1, out: '', error: 'no trust answer kept for /work/repo — codex-bridge trust list shows them' });
    expect((await new JsonFileTrustStore(file).list()).map((d) => d.path)).toEqual(['/srv/app']);
  });
});
