import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { collectQuirk, QUIRK_FLAG, QUIRK_FLAG_HELP, quirkOverrides } from './quirk-flags.js';
import { startServe } from './serve.js';
import { UsageError } from './usage-error.js';
import type { BridgeOptions } from '../server/bridge-options.js';

describe('--quirk', () => {
  it('is repeatable on the command line', () => {
    const program = new Command().option(QUIRK_FLAG, QUIRK_FLAG_HELP, collectQuirk).exitOverride();
    program.parse(['node', 'x', '--quirk', 'streamOptions=false', '--quirk', 'toolCallIdFormat=alnum9'], { from: 'node' });
    expect(program.opts().quirk).toEqual(['streamOptions=false', 'toolCallIdFormat=alnum9']);
  });

  it('becomes overrides, or a usage error that lists the valid names', () => {
    expect(quirkOverrides(undefined)).toBeUndefined();
    expect(quirkOverrides([])).toBeUndefined();
    expect(quirkOverrides(['streamOptions=false', 'streamOptions=true'])).toEqual({ streamOptions: true });
    expect(() => quirkOverrides(['bogus=1'])).toThrow(UsageError);
    expect(() => quirkOverrides(['bogus=1'])).toThrow(/valid names: reasoningField, reasoningReplay, singleSystemMessage/);
    expect(() => quirkOverrides(['doneMarker=sometimes'])).toThrow(/doneMarker takes optional\|required/);
  });

  it('reaches the bridge options from serve', async () => {
    let seen: BridgeOptions | undefined;
    const running = await startServe(
      { upstream: 'https://api.example.com/v1', model: 'm', quirk: ['parallelToolCalls=false'] },
      { env: {}, out: () => {}, err: () => {}, startServer: async (o) => ((seen = o), { url: 'http://127.0.0.1:1/v1', close: () => {} }) },
    );
    await running.close();
    expect(seen?.quirks).toEqual({ parallelToolCalls: false });
    await expect(startServe({ upstream: 'https://api.example.com/v1', model: 'm', quirk: ['nope=1'] }, { env: {}, out: () => {}, err: () => {} })).rejects.toThrow(UsageError);
  });
});
