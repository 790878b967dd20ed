import { chmodSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDirsPerTest } from '../../test/helpers/temp-dirs.js';
import { checkCodexHome, checkStaleProfiles } from './check-codex-home.js';

const tempDir = tempDirsPerTest('cb-doctor-home-');
let root: string;
let home: string;
beforeEach(() => {
  root = tempDir();
  home = path.join(root, 'codex');
});
// Registered after tempDirsPerTest's hook, so it runs first: rm needs the folder writable again.
afterEach(() => {
  if (existsSync(home)) chmodSync(home, 0o700);
});

describe('checkCodexHome', () => {
  it('passes a writable folder, or a missing one that can be created', () => {
    expect(checkCodexHome({ CODEX_HOME: home })).toMatchObject({ ok: true, detail: `${home} does not exist yet; run creates it (0700)` });
    mkdirSync(home);
    expect(checkCodexHome({ CODEX_HOME: home })).toMatchObject({ ok: true, detail: `${home} is writable` });
  });

  it('fails a file in its place', () => {
    writeFileSync(home, '');
    expect(checkCodexHome({ CODEX_HOME: home })).toMatchObject({
      ok: false,
      detail: `cannot create the directory ${home}: it is a file, not a directory`,
      fix: `point CODEX_HOME at a directory you can write to (it is ${home})`,
    });
  });

  it('fails a file further up (ENOTDIR), naming that file, instead of stopping doctor', () => {
    const file = path.join(root, 'home-file');
    writeFileSync(file, '');
    const below = path.join(file, '.codex');
    expect(checkCodexHome({ CODEX_HOME: below })).toMatchObject({
      ok: false,
      detail: `cannot create the directory ${below}: ${file} is a file, not a directory`,
      fix: `point CODEX_HOME at a directory you can write to (it is ${below})`,
    });
  });
});

describe('checkStaleProfiles', () => {
  it('reports files of dead runs with how to remove them, and removes nothing', () => {
    mkdirSync(home);
    const dead = 'codex-bridge-4000000-0123456789ab';
    const live = `codex-bridge-${process.pid}-abcdefabcdef`;
    for (const name of [`${dead}.config.toml`, `${dead}.catalog.json`, `${live}.config.toml`, 'config.toml']) writeFileSync(path.join(home, name), '');
    const check = checkStaleProfiles({ CODEX_HOME: home }, (pid) => pid !== 4000000);
    expect(check).toMatchObject({ ok: true, level: 'warn' });
    expect(check.detail).toBe(`2 files left in ${home} by runs that died: ${dead}.catalog.json, ${dead}.config.toml; 1 file of running codex-bridge runs`);
    expect(check.fix).toContain('the next codex-bridge run removes them; or now: rm ');
    expect(check.fix).toContain(JSON.stringify(path.join(home, `${dead}.config.toml`)));
    expect(readdirSync(home)).toHaveLength(4);
  });

  it('passes when there are none', () => {
    expect(checkStaleProfiles({ CODEX_HOME: home })).toMatchObject({ ok: true, level: 'ok', detail: 'none' });
    mkdirSync(home);
    writeFileSync(path.join(home, 'config.toml'), '');
    expect(checkStaleProfiles({ CODEX_HOME: home })).toMatchObject({ ok: true, level: 'ok', detail: 'none left behind' });
  });
});
