import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { addQuirkFlag, addUpstreamFlags } from './upstream-flags.js';

describe('upstream flags', () => {
  it('--quirk is repeatable on the command line', () => {
    const program = addQuirkFlag(new Command()).exitOverride();
    program.parse(['node', 'x', '--quirk', 'streamOptions=false', '--quirk', 'toolCallIdFormat=alnum9'], { from: 'node' });
    expect(program.opts().quirk).toEqual(['streamOptions=false', 'toolCallIdFormat=alnum9']);
  });

  it('--provider, --upstream, --model and --api-key-env land under their camel-case names', () => {
    const program = addUpstreamFlags(new Command()).exitOverride();
    program.parse(['node', 'x', '--provider', 'kimi', '--upstream', 'https://u/v1', '--model', 'm', '--api-key-env', 'K'], { from: 'node' });
    expect(program.opts()).toEqual({ provider: 'kimi', upstream: 'https://u/v1', model: 'm', apiKeyEnv: 'K' });
  });
});
