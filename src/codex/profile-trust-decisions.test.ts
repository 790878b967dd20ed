import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse, stringify } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import { tempDirsPerTest } from '../../test/helpers/temp-dirs.js';
import { newTrustDecisions, projectsTable, trustDecisionsIn } from './profile-trust-decisions.js';

const tempDir = tempDirsPerTest('cb-trust-test-');
const at = '2026-12-01T00:00:00.000Z';

describe('trust decisions in the temporary profile', () => {
  it('the kept ones are written as the [projects] table Codex reads', () => {
    const table = projectsTable([{ path: '/home/me/repo', trustLevel: 'trusted', decidedAt: at }, { path: '/tmp/x', trustLevel: 'untrusted', decidedAt: at }]);
    expect(parse(stringify({ projects: table }))).toEqual({ projects: { '/home/me/repo': { trust_level: 'trusted' }, '/tmp/x': { trust_level: 'untrusted' } } });
  });

  it("Codex's new answers are found after the run, without those the bridge wrote", () => {
    const dir = tempDir();
    const profile = path.join(dir, 'p.config.toml');
    // As Codex 0.171 leaves the profile after "1. Trust and continue" in a second folder.
    writeFileSync(
      profile,
      'model = "m"\n\n[projects."/home/me/repo"]\ntrust_level = "trusted"\n\n[tui]\nscreen_reader_detection_done = true\n\n[projects."/home/me/other"]\ntrust_level = "trusted"\n\n[projects."/odd"]\ntrust_level = 3\n',
    );
    const found = trustDecisionsIn(profile);
    expect(found).toEqual([
      { path: '/home/me/repo', trustLevel: 'trusted' },
      { path: '/home/me/other', trustLevel: 'trusted' },
    ]);
    expect(newTrustDecisions(found, [{ path: '/home/me/repo', trustLevel: 'trusted', decidedAt: at }])).toEqual([{ path: '/home/me/other', trustLevel: 'trusted' }]);
    expect(newTrustDecisions(found, [{ path: '/home/me/repo', trustLevel: 'untrusted', decidedAt: at }])).toHaveLength(2);
  });

  it('are nothing when Codex recorded none, or the profile is gone or unreadable', () => {
    const dir = tempDir();
    const profile = path.join(dir, 'p.config.toml');
    writeFileSync(profile, 'model = "m"\n');
    expect(trustDecisionsIn(profile)).toEqual([]);
    expect(trustDecisionsIn(path.join(dir, 'missing.toml'))).toEqual([]);
    writeFileSync(profile, 'not [toml');
    expect(trustDecisionsIn(profile)).toEqual([]);
  });
});
