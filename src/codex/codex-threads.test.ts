import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDirsPerTest } from '../../test/helpers/temp-dirs.js';
import { latestCodexThread } from './codex-threads.js';

// The thread a `run --gateway` worked in, from the rollout files Codex writes: only threads of the
// bridge's provider, started by the user, written since the run began; the run's folder first.

const tempDir = tempDirsPerTest('cb-threads-');
const NOW = Date.parse('2026-12-08T12:00:00Z');

function rollout(home: string, id: string, meta: Record<string, unknown>, modifiedMs: number): void {
  const at = new Date(modifiedMs);
  const day = path.join(home, 'sessions', String(at.getFullYear()), String(at.getMonth() + 1).padStart(2, '0'), String(at.getDate()).padStart(2, '0'));
  mkdirSync(day, { recursive: true });
  const file = path.join(day, `rollout-2026-12-08T11-00-00-${id}.jsonl`);
  const first = { type: 'session_meta', payload: { id, cwd: '/work', model_provider: 'codex-bridge', thread_source: 'user', base_instructions: { text: 'x'.repeat(100_000) }, ...meta } };
  writeFileSync(file, `${JSON.stringify(first)}\n{"type":"event"}\n`);
  utimesSync(file, modifiedMs / 1000, modifiedMs / 1000);
}

describe('latestCodexThread', () => {
  it('the newest thread of the bridge since the run began, in its folder first; not sub-agents, not other providers', () => {
    const home = tempDir();
    const since = NOW - 60_000;
    rollout(home, 'before-the-run', {}, since - 10_000);
    rollout(home, 'this-run', {}, NOW - 20_000);
    rollout(home, 'a-sub-agent', { thread_source: 'subagent' }, NOW - 10_000);
    rollout(home, 'openai-direct', { model_provider: 'openai' }, NOW - 5_000);
    rollout(home, 'another-folder', { cwd: '/elsewhere' }, NOW - 1_000);
    expect(latestCodexThread(home, since, '/work', NOW)).toBe('this-run');
    expect(latestCodexThread(home, since, '/nowhere', NOW)).toBe('another-folder');
    expect(latestCodexThread(home, NOW, '/work', NOW)).toBeUndefined();
  });

  it('none when Codex wrote nothing', () => {
    expect(latestCodexThread(tempDir(), NOW - 60_000, '/work', NOW)).toBeUndefined();
  });
});
