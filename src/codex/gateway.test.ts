import { describe, expect, it } from 'vitest';
import { resolveGateway } from './gateway.js';

const models = (status: number, body: unknown) => (async () => new Response(JSON.stringify(body), { status })) as unknown as typeof fetch;
const env = { CODEX_BRIDGE_GATEWAY_TOKEN: 'dev-token-0123456789abcdef' };

describe('resolveGateway', () => {
  it('is nothing without --gateway or CODEX_BRIDGE_GATEWAY: run starts its own bridge', async () => {
    expect(await resolveGateway({}, env)).toBeUndefined();
  });

  it('takes the model the gateway serves, and the token from its variable (removed from the child as a key would be)', async () => {
    const gateway = await resolveGateway({ gateway: 'https://gw.example.com/v1/' }, env, models(200, { object: 'list', data: [{ id: 'team-model' }] }));
    expect(gateway).toEqual({
      url: 'https://gw.example.com/v1',
      selection: { upstream: 'https://gw.example.com/v1', model: 'team-model', apiKey: env.CODEX_BRIDGE_GATEWAY_TOKEN, apiKeyEnv: 'CODEX_BRIDGE_GATEWAY_TOKEN' },
    });
    const named = await resolveGateway({ gatewayTokenEnv: 'MY_GW', model: 'other' }, { CODEX_BRIDGE_GATEWAY: 'http://10.0.0.5:8787/v1', MY_GW: 'x' });
    expect(named?.selection).toMatchObject({ model: 'other', apiKey: 'x', apiKeyEnv: 'MY_GW' });
  });

  it('says in one line what is wrong', async () => {
    await expect(resolveGateway({ gateway: 'https://gw.example.com/v1' }, {})).rejects.toThrow(/^\$CODEX_BRIDGE_GATEWAY_TOKEN is not set — export/);
    await expect(resolveGateway({ gateway: 'https://gw.example.com/v1', provider: 'deepseek' }, env)).rejects.toThrow(/--gateway and --provider both given/);
    await expect(resolveGateway({ gateway: 'https://user:pw@gw.example.com/v1' }, env)).rejects.toThrow(/without credentials or query/);
    await expect(resolveGateway({ gateway: 'gw' }, env)).rejects.toThrow(/is not a URL/);
    await expect(resolveGateway({ gateway: 'https://gw.example.com/v1' }, env, models(401, {}))).rejects.toThrow(/refused the token in \$CODEX_BRIDGE_GATEWAY_TOKEN \(401\)/);
    await expect(resolveGateway({ gateway: 'https://gw.example.com/v1' }, env, models(404, {}))).rejects.toThrow(/did not say which model it serves \(HTTP 404\) — pass --model/);
  });
});
