import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

// `npm run bench -- --quick` in a child process: every figure is produced and is a finite number.
// Nothing here looks at how large a figure is: machines are noisy, and this is not the place.

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

interface Figure {
  label: string;
  unit: string;
  value: number | null;
  floor: number | null;
  /** null: a figure the issue sets no target for. */
  target: number | null;
  within: boolean | null;
  notMeasured?: string;
}

const EXPECTED = [
  'historyTranslationP50Ms',
  'historyRequestPathP50Ms',
  'historyRequestPathColdP50Ms',
  'historyRequestPathPlainP50Ms',
  'firstTokenOverheadP50Ms',
  'firstTokenOverheadP99Ms',
  'requestCpuMs',
  'longStreamRatio',
  'longStreamFlatOutRatio',
  'longStreamCpuPerChunkUs',
  'parallelAddedP99Ms',
  'parallelFirstTokenAddedP99Ms',
  'parallelSteadyAddedP99Ms',
  'runStartupMs',
  'runStartupWithSessionsMs',
  'sessionsFileWriteP95Ms',
  'sessionsFileBlockP95Ms',
  'sessionsFileRereadBlockP95Ms',
  'sessionsFileOpenMs',
  'rssGrowthMB',
  'rssFirstWindowGrowthMB',
  'rssGrowthCappedStoreMB',
  'storeAddedApiTurnP50Ms',
  'storeAddedApiTurnP99Ms',
  'storeAddedCodexTurnP50Ms',
  'storeRpsOneReplicaLocal',
  'storeRpsOneReplica',
  'storeRpsTwoReplicas',
  'storeEventLoopDelayP99Ms',
  'storeEventLoopDelayIdleP99Ms',
];

describe('npm run bench -- --quick', () => {
  it('produces every figure, each a finite number', { timeout: 240_000 }, async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'codex-bridge-bench-test-'));
    try {
      const out = path.join(dir, 'results.json');
      const { stdout } = await promisify(execFile)(process.execPath, ['bench/run.mjs', '--quick', '--out', out], {
        cwd: ROOT,
        timeout: 230_000,
        maxBuffer: 16 * 1024 * 1024,
      });
      const results = JSON.parse(readFileSync(out, 'utf8')) as { mode: string; machine: Record<string, unknown>; figures: Record<string, Figure> };
      expect(results.mode).toBe('quick');
      expect(Object.keys(results.figures).sort()).toEqual([...EXPECTED].sort());
      for (const [key, figure] of Object.entries(results.figures)) {
        expect(figure.notMeasured, key).toBeUndefined();
        expect(Number.isFinite(figure.value), `${key} = ${figure.value}`).toBe(true);
        expect(figure.floor === null || Number.isFinite(figure.floor), `${key} floor = ${figure.floor}`).toBe(true);
        if (figure.target === null) expect(figure.within, key).toBeNull();
        else {
          expect(Number.isFinite(figure.target), key).toBe(true);
          expect(typeof figure.within, key).toBe('boolean');
        }
        expect(stdout).toContain(figure.label);
      }
      expect(typeof results.machine.cpu).toBe('string');
      expect(Number.isInteger(results.machine.nproc)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
