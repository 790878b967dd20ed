import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDirsPerTest } from '../../test/helpers/temp-dirs.js';
import { isProcessAlive, sweepStaleProfiles } from './sweep-stale-profiles.js';

const tempDir = tempDirsPerTest('cb-sweep-test-');

/** The pid of a process that has already exited. */
function deadPid(): number {
  const result = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(result.stdout);
}

describe('sweepStaleProfiles', () => {
  it('removes only the files of runs whose process is gone', () => {
    const home = tempDir();
    const dead = deadPid();
    expect(isProcessAlive(dead)).toBe(false);
    const live = process.ppid; // the test runner: alive for the whole test
    const files = {
      deadProfile: `codex-bridge-${dead}-0123456789ab.config.toml`,
      deadCatalog: `codex-bridge-${dead}-0123456789ab.catalog.json`,
      liveProfile: `codex-bridge-${live}-aaaaaaaaaaaa.config.toml`,
      liveCatalog: `codex-bridge-${live}-aaaaaaaaaaaa.catalog.json`,
      ownProfile: `codex-bridge-${process.pid}-bbbbbbbbbbbb.config.toml`,
      userConfig: 'config.toml',
      userProfile: 'work.config.toml',
      lookalike: `codex-bridge-${dead}-notours.config.toml`,
    };
    for (const name of Object.values(files)) writeFileSync(path.join(home, name), '');

    const removed = sweepStaleProfiles(home);

    expect(removed.sort()).toEqual([files.deadCatalog, files.deadProfile].sort());
    expect(readdirSync(home).sort()).toEqual(
      [files.liveProfile, files.liveCatalog, files.ownProfile, files.userConfig, files.userProfile, files.lookalike].sort(),
    );
  });

  it('asks about each owner and treats a missing directory as nothing to do', () => {
    const home = tempDir();
    writeFileSync(path.join(home, 'codex-bridge-111-0123456789ab.config.toml'), '');
    writeFileSync(path.join(home, 'codex-bridge-222-0123456789ab.config.toml'), '');
    const asked: number[] = [];
    sweepStaleProfiles(home, (pid) => {
      asked.push(pid);
      return pid === 222;
    });
    expect(asked.sort()).toEqual([111, 222]);
    expect(existsSync(path.join(home, 'codex-bridge-111-0123456789ab.config.toml'))).toBe(false);
    expect(existsSync(path.join(home, 'codex-bridge-222-0123456789ab.config.toml'))).toBe(true);
    expect(sweepStaleProfiles(path.join(home, 'missing'))).toEqual([]);
  });

  it('knows a live process from a dead one', () => {
    expect(isProcessAlive(process.pid)).toBe(true);
    expect(isProcessAlive(1)).toBe(true); // EPERM or ours: either way alive
    expect(isProcessAlive(0)).toBe(false);
    expect(isProcessAlive(-5)).toBe(false);
  });
});
