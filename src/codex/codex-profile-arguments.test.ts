import { describe, expect, it } from 'vitest';
import { UsageError } from '../output/usage-error.js';
import { codexCommandUsesProfile, withProfileArguments } from './codex-profile-arguments.js';

const P = 'codex-bridge-1-abcdef';

describe('withProfileArguments', () => {
  it('puts --profile first, before any subcommand (it is a global flag)', () => {
    expect(withProfileArguments([], P)).toEqual(['--profile', P]);
    expect(withProfileArguments(['fix the bug'], P)).toEqual(['--profile', P, 'fix the bug']);
    expect(withProfileArguments(['exec', '--skip-git-repo-check', 'hi'], P)).toEqual(['--profile', P, 'exec', '--skip-git-repo-check', 'hi']);
    expect(withProfileArguments(['exec', '-s', 'danger-full-access', 'resume', '--last', 'go on'], P)).toEqual([
      '--profile', P, 'exec', '-s', 'danger-full-access', 'resume', '--last', 'go on',
    ]);
    expect(withProfileArguments(['resume', '--last'], P)).toEqual(['--profile', P, 'resume', '--last']);
    expect(withProfileArguments(['-c', 'model_reasoning_effort="high"', 'e', 'hi'], P)).toEqual([
      '--profile', P, '-c', 'model_reasoning_effort="high"', 'e', 'hi',
    ]);
  });

  it('leaves alone subcommands that reject a profile or would write into it', () => {
    for (const args of [['login'], ['logout'], ['features', 'list'], ['mcp', 'add', 'x', '--', 'y'], ['completion', 'bash'], ['debug', 'models'], ['-c', 'a=b', 'doctor']]) {
      expect(withProfileArguments(args, P), args.join(' ')).toEqual(args);
      expect(codexCommandUsesProfile(args)).toBe(false);
    }
    expect(withProfileArguments(['debug', 'prompt-input', 'hi'], P)).toEqual(['--profile', P, 'debug', 'prompt-input', 'hi']);
  });

  it('does not take an option value for the subcommand', () => {
    // "login" here is the value of -m, and "help me" the prompt.
    expect(codexCommandUsesProfile(['-m', 'login', 'help me'])).toBe(true);
    expect(codexCommandUsesProfile(['--', 'login'])).toBe(true);
  });

  it('refuses a --profile of the user\'s own', () => {
    for (const args of [['-p', 'work'], ['--profile', 'work', 'exec', 'hi'], ['--profile=work'], ['exec', '-pwork', 'hi']]) {
      expect(() => withProfileArguments(args, P)).toThrow(UsageError);
    }
    expect(() => withProfileArguments(['exec', '--', '-p'], P)).not.toThrow();
  });
});
