import { describe, expect, it } from 'vitest';
import { UsageError } from '../output/usage-error.js';
import { parseDuration, resolveUpstreamTimeout } from './upstream-timeout.js';

describe('--upstream-timeout', () => {
  it('reads durations, plain numbers as seconds', () => {
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('10m')).toBe(600_000);
    expect(parseDuration('1.5h')).toBe(5_400_000);
    expect(parseDuration('2500ms')).toBe(2_500);
    expect(parseDuration(' 120 ')).toBe(120_000);
    expect(parseDuration('ten minutes')).toBeUndefined();
    expect(parseDuration('-5s')).toBeUndefined();
  });

  it('the flag wins over the variable; neither: undefined (the default stays)', () => {
    expect(resolveUpstreamTimeout('30s', { CODEX_BRIDGE_UPSTREAM_TIMEOUT: '5m' })).toBe(30_000);
    expect(resolveUpstreamTimeout(undefined, { CODEX_BRIDGE_UPSTREAM_TIMEOUT: '5m' })).toBe(300_000);
    expect(resolveUpstreamTimeout(undefined, { CODEX_BRIDGE_UPSTREAM_TIMEOUT: '' })).toBeUndefined();
    expect(resolveUpstreamTimeout(undefined, {})).toBeUndefined();
  });

  it('refuses what is not a duration, or out of range, as a usage error naming where it came from', () => {
    const refused = (flag: string | undefined, env: NodeJS.ProcessEnv = {}) => {
      try {
        resolveUpstreamTimeout(flag, env);
      } catch (error) {
        expect(error).toBeInstanceOf(UsageError);
        expect((error as UsageError).exitCode).toBe(2);
        return (error as Error).message;
      }
      throw new Error('expected a usage error');
    };
    expect(refused('soon')).toBe('--upstream-timeout "soon" is not a duration from 1s to 24h — pass e.g. 90s, 10m or 1h (plain numbers are seconds)');
    expect(refused('100ms')).toMatch(/^--upstream-timeout "100ms" is not a duration from 1s to 24h/);
    expect(refused('25h')).toMatch(/^--upstream-timeout "25h"/);
    expect(refused(undefined, { CODEX_BRIDGE_UPSTREAM_TIMEOUT: 'x' })).toMatch(/^CODEX_BRIDGE_UPSTREAM_TIMEOUT "x" is not a duration/);
  });
});
