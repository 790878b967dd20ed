import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import { tempDirsPerTest } from '../../test/helpers/temp-dirs.js';
import { trustDecisionsHint, trustDecisionsIn } from './profile-trust-decisions.js';

const tempDir = tempDirsPerTest('cb-trust-test-');

describe('trust decisions Codex saved into the temporary profile', () => {
  it('are found and turned into a snippet for config.toml', () => {
    const dir = tempDir();
    const profile = path.join(dir, 'p.config.toml');
    // As Codex 0.169 leaves the profile after "1. Trust and continue".
    writeFileSync(
      profile,
      'model = "m"\n\n[features]\ndaemon_auto_start = false\n\n[tui]\nscreen_reader_detection_done = true\n\n[projects."/home/me/repo"]\ntrust_level = "trusted"\n',
    );
    const projects = trustDecisionsIn(profile);
    expect(projects).toEqual({ '/home/me/repo': { trust_level: 'trusted' } });
    const hint = trustDecisionsHint(projects, '/home/me/.codex/config.toml')!;
    expect(hint).toMatch(/add to \/home\/me\/\.codex\/config\.toml:/);
    const snippet = hint.split('\n').slice(1).join('\n');
    expect(parse(snippet)).toEqual({ projects: { '/home/me/repo': { trust_level: 'trusted' } } });
  });

  it('are nothing when Codex recorded none, or the profile is gone or unreadable', () => {
    const dir = tempDir();
    const profile = path.join(dir, 'p.config.toml');
    writeFileSync(profile, 'model = "m"\n');
    expect(trustDecisionsIn(profile)).toEqual({});
    expect(trustDecisionsIn(path.join(dir, 'missing.toml'))).toEqual({});
    writeFileSync(profile, 'not [toml');
    expect(trustDecisionsIn(profile)).toEqual({});
    expect(trustDecisionsHint({}, '/x')).toBeUndefined();
  });
});
