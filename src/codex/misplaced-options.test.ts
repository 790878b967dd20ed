import { describe, expect, it } from 'vitest';
import { UsageError } from '../output/usage-error.js';
import { checkForMisplacedOptions, misplacedOptionsInstead } from './misplaced-options.js';

const messageOf = (action: () => unknown): string => {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).exitCode).toBe(2);
    return (error as Error).message;
  }
  throw new Error('expected a usage error');
};

describe('bridge options placed after the command', () => {
  it('Codex given options only the bridge has: refused before anything starts, with the command line that works', () => {
    expect(messageOf(() => checkForMisplacedOptions(['codex', '--provider', 'ollama']))).toBe(
      'options after the command are passed to it (--provider ollama) — put bridge options before `--`: codex-bridge run --provider ollama -- codex',
    );
    expect(messageOf(() => checkForMisplacedOptions(['codex', 'exec', '--verbose', '--upstream=http://h/v1', 'fix it']))).toBe(
      "options after the command are passed to it (--verbose --upstream=http://h/v1) — put bridge options before `--`: codex-bridge run --verbose --upstream=http://h/v1 -- codex exec 'fix it'",
    );
  });

  it("leaves Codex's own options, what follows its `--`, and other commands alone", () => {
    expect(() => checkForMisplacedOptions(['codex', 'exec', '--model', 'x', '-s', 'danger-full-access', 'hi'])).not.toThrow();
    expect(() => checkForMisplacedOptions(['codex', 'exec', '--', '--verbose'])).not.toThrow();
    expect(() => checkForMisplacedOptions(['node', 'server.js', '--port', '3000'])).not.toThrow();
    expect(() => checkForMisplacedOptions([])).not.toThrow();
  });

  it('a run that cannot start because of them says so instead of "no upstream given"', () => {
    const noUpstream = new UsageError('no upstream given — pass --upstream <url>');
    expect(messageOf(() => misplacedOptionsInstead(['node', 'agent.mjs', '--model', 'm', '--upstream', 'http://h/v1'])(noUpstream))).toBe(
      'options after the command are passed to it (--model m --upstream http://h/v1) — put bridge options before `--`: codex-bridge run --model m --upstream http://h/v1 -- node agent.mjs',
    );
    // Nothing misplaced: the original error.
    expect(() => misplacedOptionsInstead(['codex'])(noUpstream)).toThrow(noUpstream);
    const other = new Error('boom');
    expect(() => misplacedOptionsInstead(['codex', '--model', 'x'])(other)).toThrow(other);
  });
});
