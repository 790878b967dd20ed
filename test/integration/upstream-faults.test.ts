// How upstream trouble reaches a Responses client through `serve`: mapped errors, failed streams,
// keep-alives while the upstream is silent, and the key never echoed back.
import { describe, expect, it } from 'vitest';
import { postResponses, bridgeWithMockPerTest, UPSTREAM_KEY } from './bridge-harness.js';
import { sseFrame } from '../helpers/mock-upstream.js';

const ask = { model: 'mock-model', stream: true, input: 'hi', tools: [{ type: 'function', name: 'exec_command', parameters: { type: 'object' } }] };

describe('upstream faults through serve', () => {
  const startHarness = bridgeWithMockPerTest();

  it('maps a 402 balance error to insufficient_quota', async () => {
    const harness = await startHarness({ turns: [{ status: 402, errorBody: { error: { message: 'Insufficient Balance', type: 'unknown_error' } } }] });
    const reply = await postResponses(harness.bridge.url, ask);
    expect(reply.status).toBe(429);
    expect(JSON.parse(reply.text).error).toMatchObject({ code: 'insufficient_quota', type: 'insufficient_quota' });
  });

  it('maps a context-length 400 to context_length_exceeded', async () => {
    const harness = await startHarness({ turns: [{ status: 400, errorBody: { error: { message: "This model's maximum context length is 65536 tokens." } } }] });
    const reply = await postResponses(harness.bridge.url, ask);
    expect(reply.status).toBe(400);
    expect(JSON.parse(reply.text).error.code).toBe('context_length_exceeded');
  });

  it('retries a single 429 that says Retry-After, and finishes', async () => {
    const harness = await startHarness({ turns: [{ status: 429, headers: { 'retry-after': '1' } }, { content: 'after the wait' }] });
    const reply = await postResponses(harness.bridge.url, ask);
    expect(reply.events.at(-1)).toMatchObject({ type: 'response.completed', response: { output_text: 'after the wait' } });
    expect(harness.upstream.requests.map((r) => r.status)).toEqual([429, 200]);
  });

  it('turns a persistent 429 into a 429 Codex retries, with Retry-After', async () => {
    const harness = await startHarness({ turns: [{ status: 429, headers: { 'retry-after': '0' } }] }, { maxRetries: 2, maxRetryDelayMs: 10 });
    const reply = await postResponses(harness.bridge.url, ask);
    expect(reply.status).toBe(429);
    expect(reply.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(JSON.parse(reply.text).error.code).toBe('rate_limit_exceeded');
    expect(harness.upstream.requests).toHaveLength(3);
  });

  it('answers 5xx with 502 JSON after retrying', async () => {
    const harness = await startHarness({ turns: [{ status: 503 }] }, { maxRetries: 1, maxRetryDelayMs: 10 });
    const reply = await postResponses(harness.bridge.url, ask);
    expect(reply.status).toBe(502);
    expect(JSON.parse(reply.text).error).toMatchObject({ type: 'server_error', code: 'upstream_error' });
  });

  it('ends a stream cut mid-text with response.failed', async () => {
    const harness = await startHarness({ turns: [{ content: 'a long answer that will be cut', cutAfterFrames: 3 }] });
    const reply = await postResponses(harness.bridge.url, ask);
    expect(reply.status).toBe(200);
    expect(reply.events.at(-1)?.type).toBe('response.failed');
  });

  it('never emits a tool call cut inside its arguments', async () => {
    const frames = [
      sseFrame({ choices: [{ index: 0, delta: { role: 'assistant', tool_calls: [{ index: 0, id: 'c1', type: 'function', function: { name: 'exec_command', arguments: '{"cmd":"rm -rf /tmp/x' } }] } }] }),
    ];
    const harness = await startHarness({ turns: [{ rawFrames: frames, omitDone: true }] });
    const reply = await postResponses(harness.bridge.url, ask);
    expect(reply.events.filter((e) => e.type === 'response.output_item.done')).toEqual([]);
    expect(reply.events.at(-1)?.type).toBe('response.failed');
  });

  it('maps an {"error":…} inside a 200 stream, and skips malformed lines', async () => {
    const harness = await startHarness({ turns: [{ rawFrames: ['data: {not json\n\n', sseFrame({ error: { message: 'Internal error, please retry' } })] }] });
    const reply = await postResponses(harness.bridge.url, ask);
    expect(reply.events.at(-1)).toMatchObject({ type: 'response.failed', response: { error: { code: 'upstream_error' } } });
  });

  it('keeps a silent upstream alive with JSON in_progress events', async () => {
    const harness = await startHarness({ turns: [{ content: 'slow', delayMs: 0, frameDelayMs: 250 }] }, { keepAliveMs: 60 });
    const reply = await postResponses(harness.bridge.url, ask);
    const keepAlives = reply.events.filter((e, i) => e.type === 'response.in_progress' && i > 1);
    expect(keepAlives.length).toBeGreaterThan(0);
    expect(reply.events.at(-1)?.type).toBe('response.completed');
  });

  it('gives up on an upstream silent past the idle limit with a clear failure, one Codex does not retry (it would wait the limit again)', async () => {
    const harness = await startHarness({ turns: [{ content: 'never', frameDelayMs: 5_000 }] }, { keepAliveMs: 50, upstreamIdleTimeoutMs: 300 });
    const reply = await postResponses(harness.bridge.url, ask);
    // The bridge's own idle check says this; undici's body timeout (a backstop further out) would
    // end the stream as upstream_disconnected instead.
    expect(reply.events.at(-1)).toMatchObject({
      type: 'response.failed',
      response: { error: { code: 'invalid_prompt', message: expect.stringMatching(/^upstream sent nothing for \d+s; gave up — raise --upstream-timeout if the model thinks longer$/) } },
    });
  });

  it('with a log, says every waitingNoticeMs that it is still waiting, counting from the last thing the upstream sent', async () => {
    const lines: string[] = [];
    const harness = await startHarness(
      { turns: [{ content: 'slow but there', contentDeltas: 2, frameDelayMs: 700 }] },
      { keepAliveMs: 60, waitingNoticeMs: 250, log: (line) => lines.push(line) },
    );
    const reply = await postResponses(harness.bridge.url, ask);
    expect(reply.events.at(-1)?.type).toBe('response.completed');
    const waits = lines.filter((line) => line.startsWith('still waiting'));
    expect(waits.length).toBeGreaterThanOrEqual(2);
    for (const line of waits) {
      expect(line).toMatch(/^still waiting for 127\.0\.0\.1:\d+: nothing for \d+s \(gives up after 600s; --upstream-timeout sets that\)$/);
    }
  });

  it('with a log, says it is still waiting for an answer that has not started', async () => {
    const lines: string[] = [];
    const harness = await startHarness({ turns: [{ content: 'late', delayMs: 900 }] }, { waitingNoticeMs: 250, upstreamIdleTimeoutMs: 5_000, log: (line) => lines.push(line) });
    const reply = await postResponses(harness.bridge.url, ask);
    expect(reply.events.at(-1)?.type).toBe('response.completed');
    expect(lines.filter((line) => line.startsWith('still waiting')).length).toBeGreaterThanOrEqual(2);
    expect(lines.filter((line) => line.startsWith('still waiting'))[0]).toMatch(/\(gives up after 5s; --upstream-timeout sets that\)$/);
  });

  it('never echoes the upstream key, even when the upstream error does', async () => {
    const harness = await startHarness({ turns: [{ status: 400, errorBody: { error: { message: `bad request from key ${UPSTREAM_KEY}` } } }] });
    const reply = await postResponses(harness.bridge.url, ask);
    expect(reply.status).toBe(400);
    expect(reply.text).not.toContain(UPSTREAM_KEY);
    expect(reply.text).toContain('[redacted]');
  });

  it('names an unreachable upstream and the fix, as an error Codex does not retry', async () => {
    const harness = await startHarness({ turns: [{ content: 'x' }] }, { upstream: 'http://127.0.0.1:9/v1', maxRetries: 0 });
    const reply = await postResponses(harness.bridge.url, ask);
    expect(reply.status).toBe(400);
    expect(JSON.parse(reply.text).error).toEqual({
      message: 'cannot reach upstream 127.0.0.1:9: connection refused (ECONNREFUSED) — nothing listens on 127.0.0.1:9: check --upstream, or start the server',
      type: 'upstream_unreachable',
      code: 'invalid_prompt',
    });
  });
});
