// Errors that will not heal go back at once, as the error Codex shows and does not retry; errors
// that may heal are retried, and per Codex turn the bridge's retries and Codex's add up instead of
// multiplying (src/server/turn-failures.ts).
import { describe, expect, it } from 'vitest';
import { bridgeWithMockPerTest, postResponses } from './bridge-harness.js';
import { MAX_FAILED_ATTEMPTS_PER_TURN } from '../../src/server/call-upstream.js';

const ask = { model: 'mock-model', stream: true, input: 'hi' };
const fast = { maxRetries: 3, maxRetryDelayMs: 5 };
/** The header Codex sends with every request of a turn (trimmed to what the bridge reads). */
const turnHeader = (turnId: string) => ({ 'x-codex-turn-metadata': JSON.stringify({ turn_id: turnId, request_kind: 'turn' }) });

describe('attempts per Codex turn', () => {
  const startHarness = bridgeWithMockPerTest();

  it(`a persistent 5xx: the bridge retries the first request, Codex's retries get one attempt each, and the ${MAX_FAILED_ATTEMPTS_PER_TURN}th failure is final`, async () => {
    const harness = await startHarness({ turns: [{ status: 503 }] }, fast);
    const statuses: number[] = [];
    let last;
    // What Codex does with a 502: ask again (it would go on for 30 requests).
    for (let i = 0; i < 30; i++) {
      last = await postResponses(harness.bridge.url, ask, turnHeader('turn-5xx'));
      statuses.push(last.status);
      if (last.status !== 502) break;
    }
    expect(statuses).toEqual([502, 502, 502, 502, 502, 502, 400]);
    expect(harness.upstream.requests).toHaveLength(MAX_FAILED_ATTEMPTS_PER_TURN);
    expect(JSON.parse(last!.text).error).toMatchObject({
      code: 'invalid_prompt',
      message: `upstream ${new URL(harness.upstream.url).host} answered 503: The server had an error (mock upstream 503). — ${MAX_FAILED_ATTEMPTS_PER_TURN} attempts failed in this turn; try again later, or run codex-bridge doctor`,
    });
  });

  it('a persistent 429 with Retry-After: Codex still gets 429s (it stops after its own 5 retries), and the attempts add up', async () => {
    const harness = await startHarness({ turns: [{ status: 429, headers: { 'retry-after': '0' } }] }, fast);
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await postResponses(harness.bridge.url, ask, turnHeader('turn-429'))).status);
    expect(statuses).toEqual([429, 429, 429, 429, 429, 429]);
    expect(harness.upstream.requests).toHaveLength(4 + 5);
  });

  it(`a persistent 429 from a client that keeps retrying: the request that uses up the turn's ${MAX_FAILED_ATTEMPTS_PER_TURN} attempts gets the final error`, async () => {
    const harness = await startHarness({ turns: [{ status: 429, headers: { 'retry-after': '0' } }] }, fast);
    const statuses: number[] = [];
    let last;
    for (let i = 0; i < 10; i++) {
      last = await postResponses(harness.bridge.url, ask, turnHeader('turn-429-exhausted'));
      statuses.push(last.status);
      if (last.status !== 429) break;
    }
    // 4 attempts for the first request, one for each retry after it.
    expect(statuses).toEqual([429, 429, 429, 429, 429, 429, 400]);
    expect(harness.upstream.requests).toHaveLength(MAX_FAILED_ATTEMPTS_PER_TURN);
    expect(JSON.parse(last!.text).error).toMatchObject({ code: 'invalid_prompt', message: expect.stringMatching(new RegExp(`answered 429: .* — ${MAX_FAILED_ATTEMPTS_PER_TURN} attempts failed in this turn`)) });
  });

  it('an answer starts the count again: the next failing request of the turn gets the bridge\'s retries', async () => {
    const harness = await startHarness({ turns: (_req, n) => (n === 2 || n === 7 ? { content: 'ok' } : { status: 503 }) }, fast);
    const first = await postResponses(harness.bridge.url, ask, turnHeader('turn-heals'));
    expect(first.events.at(-1)?.type).toBe('response.completed');
    expect(harness.upstream.requests).toHaveLength(3);
    const second = await postResponses(harness.bridge.url, ask, turnHeader('turn-heals'));
    expect(second.status).toBe(502);
    expect(harness.upstream.requests).toHaveLength(3 + 4);
  });

  it('other turns, and clients that send no turn, are not held to another turn\'s count', async () => {
    const harness = await startHarness({ turns: [{ status: 503 }] }, fast);
    await postResponses(harness.bridge.url, ask, turnHeader('turn-a'));
    await postResponses(harness.bridge.url, ask, turnHeader('turn-b'));
    await postResponses(harness.bridge.url, ask);
    await postResponses(harness.bridge.url, ask);
    expect(harness.upstream.requests).toHaveLength(4 * 4);
  });

  it('a rejected key: one attempt, and the message names the variable (never the key)', async () => {
    const harness = await startHarness({ turns: [{ content: 'x' }] }, { ...fast, apiKey: 'sk-the-wrong-key-000', apiKeyEnv: 'MY_UPSTREAM_KEY' });
    const reply = await postResponses(harness.bridge.url, ask, turnHeader('turn-401'));
    expect(reply.status).toBe(400);
    const error = JSON.parse(reply.text).error;
    expect(error).toMatchObject({ code: 'invalid_prompt', type: 'upstream_auth_failed' });
    expect(error.message).toMatch(/^upstream 127\.0\.0\.1:\d+ answered 401: .* — check the key in \$MY_UPSTREAM_KEY$/);
    expect(reply.text).not.toContain('sk-the-wrong-key-000');
    expect(harness.upstream.requests).toHaveLength(1);
  });

  it('a 404 (a base URL without /v1): one attempt, and the fix is to check --upstream', async () => {
    const harness = await startHarness({ turns: [{ status: 404, errorBody: '404 page not found' }] }, fast);
    const reply = await postResponses(harness.bridge.url, ask);
    expect(reply.status).toBe(400);
    expect(JSON.parse(reply.text).error).toMatchObject({
      code: 'invalid_prompt',
      type: 'upstream_not_found',
      message: expect.stringMatching(/answered 404: 404 page not found — check --upstream: it is the part before \/chat\/completions, usually ending in \/v1/),
    });
    expect(harness.upstream.requests).toHaveLength(1);
  });
});
