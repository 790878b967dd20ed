import { describe, expect, it } from 'vitest';
import { buildBridgeOptions } from './build-bridge-options.js';
import { UsageError } from '../output/usage-error.js';

const selection = { provider: 'mistral', upstream: 'https://api.mistral.ai/v1/', model: 'mistral-large-latest', apiKeyEnv: 'MISTRAL_API_KEY', apiKey: 'k-1234' };

describe('buildBridgeOptions', () => {
  it('combines the resolved upstream, the --quirk flags and the command’s own options', () => {
    const options = buildBridgeOptions(selection, ['streamOptions=true'], { token: 't', port: 0 });
    expect(options).toMatchObject({
      upstream: 'https://api.mistral.ai/v1',
      model: 'mistral-large-latest',
      apiKey: 'k-1234',
      provider: 'mistral',
      quirks: { streamOptions: true },
      token: 't',
      host: '127.0.0.1',
      port: 0,
    });
  });

  it('reads the --quirk flags in order, the last of a name winning', () => {
    expect(buildBridgeOptions(selection, undefined, { token: 't' }).quirks).toBeUndefined();
    expect(buildBridgeOptions(selection, [], { token: 't' }).quirks).toBeUndefined();
    expect(buildBridgeOptions(selection, ['streamOptions=false', 'streamOptions=true'], { token: 't' }).quirks).toEqual({ streamOptions: true });
  });

  it('turns a bad --quirk into a usage error that lists what is valid', () => {
    expect(() => buildBridgeOptions(selection, ['bogus=1'], { token: 't' })).toThrow(UsageError);
    expect(() => buildBridgeOptions(selection, ['bogus=1'], { token: 't' })).toThrow(/— valid names: reasoningField, reasoningReplay, singleSystemMessage/);
    expect(() => buildBridgeOptions(selection, ['doneMarker=sometimes'], { token: 't' })).toThrow(/not a value of doneMarker — it takes optional\|required/);
  });

  it('turns bad options and bad quirks into usage errors', () => {
    expect(() => buildBridgeOptions({ ...selection, upstream: 'not a url' }, undefined, { token: 't' })).toThrowError(UsageError);
    expect(() => buildBridgeOptions(selection, ['nope=1'], { token: 't' })).toThrowError(UsageError);
    expect(() => buildBridgeOptions(selection, undefined, { token: 't', port: 70000 })).toThrowError(/--port/);
  });
});
