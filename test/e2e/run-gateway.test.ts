import { mkdtempSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockUpstream, type MockUpstream } from '../helpers/mock-upstream.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { cli, startReplica, type Replica } from '../store/replica-process.js';
import { ensureBuilt } from './ensure-built.js';
import { makeSandbox, runBridge, type Sandbox } from './sandbox.js';

// A developer's `codex-bridge run --gateway <url> -- codex exec …` (the real Codex) against a team's
// gateway: a `serve --store --tokens` replica in front of the mock provider. Codex goes to the
// gateway with the developer's own token; no bridge runs on the developer's side, the provider key
// never reaches it, and the gateway records the usage under the token's name.

const UPSTREAM_KEY = 'sk-provider-key-only-the-gateway-has';
const CAROL = 'carol-gateway-token-0123456789';

let sandbox: Sandbox;
let redis: RedisServer;
let mock: MockUpstream;
let gateway: Replica;
let gatewayEnv: NodeJS.ProcessEnv;

beforeAll(async () => {
  await ensureBuilt();
  sandbox = makeSandbox();
  redis = await startRedisServer(mkdtempSync(path.join(sandbox.root, 'redis-')));
  mock = await startMockUpstream({ apiKey: UPSTREAM_KEY, turns: [{ content: 'GATEWAY-ANSWER-4c1: hello from the team gateway.' }] });
  const tokens = path.join(sandbox.root, 'tokens');
  writeFileSync(tokens, `carol ${CAROL}\n`, { mode: 0o600 });
  gatewayEnv = { PATH: process.env.PATH, HOME: path.join(sandbox.root, 'gateway-home'), CODEX_BRIDGE_HOME: path.join(sandbox.root, 'gateway-home'), UPSTREAM_KEY };
  gateway = await startReplica(['--upstream', mock.url, '--model', 'team-model', '--api-key-env', 'UPSTREAM_KEY', '--store', redis.url, '--tokens', tokens], gatewayEnv);
}, 120_000);

afterAll(async () => {
  await gateway?.stop();
  await mock?.close();
  await redis?.stop();
  sandbox?.dispose();
});

describe('codex-bridge run --gateway (real Codex)', () => {
  it('sends Codex to the gateway with the developer token; the gateway records it under that name', async () => {
    const result = await runBridge(sandbox, ['run', '--gateway', gateway.url, '--', 'codex', 'exec', '--strict-config', '--skip-git-repo-check', 'Say hello.'], {
      env: sandbox.env({ CODEX_BRIDGE_GATEWAY_TOKEN: CAROL, CODEX_BRIDGE_HOME: path.join(sandbox.root, 'dev-home') }),
    });
    expect(result.exitCode, result.all).toBe(0);
    expect(result.stdout).toContain('GATEWAY-ANSWER-4c1');
    // The model the gateway serves, asked of it; Codex's request reached the provider through it.
    expect(mock.requests.at(-1)?.body.model).toBe('team-model');
    expect(sandbox.leftovers()).toEqual([]);
    expect(result.all).not.toContain(CAROL);

    await expect
      .poll(async () => JSON.parse((await cli(['usage', '--by', 'client', '--json', '--store', redis.url], gatewayEnv)).stdout).rows, { timeout: 10_000 })
      .toEqual([expect.objectContaining({ key: 'carol', requests: 1 })]);
    const sessions = JSON.parse((await cli(['sessions', 'list', '--json', '--store', redis.url], gatewayEnv)).stdout) as Array<{ id: string; client: string; title: string; requests: number }>;
    expect(sessions).toEqual([expect.objectContaining({ client: 'codex', title: 'Say hello.' })]);

    // The last line continues that conversation through the gateway (no bridge here knows it).
    const lastLine = result.stderr.trim().split('\n').at(-1);
    expect(lastLine).toBe(`codex-bridge run --gateway ${gateway.url} -- codex resume ${sessions[0].id}`);
    const resumed = await runBridge(sandbox, ['run', '--gateway', gateway.url, '--', 'codex', 'exec', '--skip-git-repo-check', 'resume', sessions[0].id, 'Say it again.'], {
      env: sandbox.env({ CODEX_BRIDGE_GATEWAY_TOKEN: CAROL, CODEX_BRIDGE_HOME: path.join(sandbox.root, 'dev-home') }),
    });
    expect(resumed.exitCode, resumed.all).toBe(0);
    expect(resumed.stderr.trim().split('\n').at(-1)).toBe(lastLine);
    await expect
      .poll(async () => (JSON.parse((await cli(['sessions', 'list', '--json', '--store', redis.url], gatewayEnv)).stdout) as typeof sessions).map((s) => [s.id, s.requests]), { timeout: 10_000 })
      .toEqual([[sessions[0].id, 2]]);
  });

  it('refuses a token the gateway does not know, in one line', async () => {
    const result = await runBridge(sandbox, ['run', '--gateway', gateway.url, '--', 'codex', 'exec', '--skip-git-repo-check', 'Hi.'], {
      env: sandbox.env({ CODEX_BRIDGE_GATEWAY_TOKEN: 'not-a-token-of-the-gateway-000' }),
    });
    expect(result.exitCode).toBe(1);
    expect(result.stderr.trim()).toBe(`codex-bridge: the gateway ${gateway.url} refused the token in $CODEX_BRIDGE_GATEWAY_TOKEN (401) — ask for a token in its token file`);
  });
});

