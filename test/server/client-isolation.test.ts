// `serve --tokens` with the state in this process's memory: each client sees only its own stored
// responses, conversations, items, chains, reasoning and sessions; another's ids answer exactly as
// ids that never existed. Without --tokens, one token sees everything, as it always did.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startServe } from '../../src/server/start-serve.js';
import { context, list } from '../../src/sessions/sessions-command.js';
import { scriptedModel } from '../clients/scripted-model.js';
import { startMockUpstream, type MockUpstream } from '../helpers/mock-upstream.js';
import {
  aliceKeepsState,
  aliceThinksOnAThread,
  bobLearnsNothing,
  call,
  expectSessionsApart,
  type GatewayClient,
  type ListedSession,
} from '../helpers/client-isolation-probes.js';

const UPSTREAM_KEY = 'sk-mock-upstream-key-isolation';
const ALICE = 'alice-token-0123456789abcdef';
const BOB = 'bob-token-0123456789abcdefgh';
const THOUGHT = 'alice private thoughts about the files';

let cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

async function gateway(withTokens: boolean) {
  const home = mkdtempSync(path.join(os.tmpdir(), 'cb-isolation-'));
  cleanup.push(() => rmSync(home, { recursive: true, force: true }));
  const upstream: MockUpstream = await startMockUpstream({ apiKey: UPSTREAM_KEY, turns: scriptedModel({ reasoning: THOUGHT }) });
  cleanup.push(() => upstream.close());
  const tokens = path.join(home, 'tokens');
  writeFileSync(tokens, `alice ${ALICE}\nbob ${BOB}\n`, { mode: 0o600 });
  const env = { MOCK_KEY: UPSTREAM_KEY, CODEX_BRIDGE_HOME: home, ...(!withTokens && { CODEX_BRIDGE_TOKEN: ALICE }) };
  const running = await startServe(
    { upstream: upstream.url, model: 'mock-model', apiKeyEnv: 'MOCK_KEY', port: 0, ...(withTokens && { tokens }) },
    { env, out: () => {}, err: () => {} },
  );
  cleanup.push(() => running.close());
  const sessions = async (json: boolean) => {
    let out = '';
    const ctx = await context({ env: { CODEX_BRIDGE_HOME: home, NO_COLOR: '1' }, out: (text) => (out += text), columns: 200 });
    await list(ctx, { json });
    return out;
  };
  return { upstream, url: running.url, sessions };
}

describe('serve --tokens, state in memory', () => {
  it('answers another client about ids it does not own exactly as about ids that never existed, on every route', async () => {
    const { upstream, url } = await gateway(true);
    const alice: GatewayClient = { url, token: ALICE };
    const bob: GatewayClient = { url, token: BOB };
    const state = await aliceKeepsState(alice);
    await bobLearnsNothing(bob, alice, alice, state, upstream);
  });

  it("gives no client another's reasoning, and keeps its requests out of another's session", async () => {
    const { upstream, url, sessions } = await gateway(true);
    const { thread, replay } = await aliceThinksOnAThread({ url, token: ALICE }, upstream);
    expect(await replay({ url, token: BOB }, 'thread-id')).toBeUndefined();
    expect(await replay({ url, token: BOB }, 'prompt_cache_key')).toBeUndefined();
    // The channel is there for its owner.
    expect(await replay({ url, token: ALICE }, 'thread-id')).toBe(THOUGHT);
    await expect.poll(async () => (JSON.parse(await sessions(true)) as ListedSession[]).filter((s) => s.id === thread).length, { timeout: 10_000 }).toBe(2);
    expectSessionsApart(JSON.parse(await sessions(true)), thread);
    const table = await sessions(false);
    expect(table).toMatch(/^ID\s+CLIENT\s+AGE/);
    expect(table).toMatch(new RegExp(`\\n${thread.slice(0, 4)}\\S*\\s+alice\\s`));
    expect(table).toMatch(new RegExp(`\\n${thread.slice(0, 4)}\\S*\\s+bob\\s`));
  });
});

describe('serve without --tokens', () => {
  it('lets its one token see and continue everything, and records sessions under their ids, as before', async () => {
    const { upstream, url, sessions } = await gateway(false);
    const first: GatewayClient = { url, token: ALICE };
    const state = await aliceKeepsState(first);
    // Another program with the same token is the same client.
    const other: GatewayClient = { url, token: ALICE };
    expect(await call(other, 'GET', `/responses/${state.responseId}`)).toEqual(state.before.response);
    expect((await call(other, 'GET', `/conversations/${state.conversationId}/items`)).body).toBe(state.before.items.body);
    expect((await call(other, 'POST', '/responses', { model: 'mock-model', input: [{ id: state.outputItemId }, { type: 'message', role: 'user', content: 'more' }] })).status).toBe(200);

    const { thread, replay } = await aliceThinksOnAThread(first, upstream);
    expect(await replay(other, 'thread-id')).toBe(THOUGHT);
    await expect.poll(async () => (JSON.parse(await sessions(true)) as ListedSession[]).find((s) => s.id === thread)?.requests, { timeout: 10_000 }).toBe(2);
    expect((JSON.parse(await sessions(true)) as ListedSession[]).find((s) => s.id === thread)).not.toHaveProperty('clientName');
    expect(await sessions(false)).toMatch(/^ID\s+AGE\s+MODEL/);
  });
});
