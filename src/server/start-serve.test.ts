import { describe, expect, it } from 'vitest';
import type { BridgeOptions } from './bridge-options.js';
import { startServe } from './start-serve.js';
import { UsageError } from '../output/usage-error.js';

describe('startServe', () => {
  it('hands the --quirk flags to the bridge options, and refuses a bad one as a usage error', async () => {
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
