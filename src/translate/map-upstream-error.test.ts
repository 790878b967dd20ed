import { describe, expect, it } from 'vitest';
import { mapUpstreamError, mapInStreamError, upstreamMessageOf } from './map-upstream-error.js';

describe('mapUpstreamError', () => {
  it('recognises context-length messages', () => {
    const mapped = mapUpstreamError(400, JSON.stringify({ error: { message: "This model's maximum context length is 131072 tokens. However, you requested 140000 tokens" } }), 'api.deepseek.com');
    expect(mapped).toMatchObject({ status: 400, error: { code: 'context_length_exceeded' } });
    expect(mapped.error.message).toContain('api.deepseek.com');
    expect(mapUpstreamError(400, '{"error":{"message":"prompt is too long: 210000 tokens > 200000 maximum"}}', 'h').error.code).toBe('context_length_exceeded');
  });
  it("maps DeepSeek's 402 Insufficient Balance to insufficient_quota", () => {
    expect(mapUpstreamError(402, '{"error":{"message":"Insufficient Balance","type":"unknown_error"}}', 'h')).toMatchObject({ status: 429, error: { code: 'insufficient_quota' } });
  });
  it('keeps a persistent 429 retryable, with a delay', () => {
    expect(mapUpstreamError(429, '{"error":{"message":"Rate limit reached"}}', 'h', 3000)).toMatchObject({ status: 429, retryAfterSeconds: 3, error: { code: 'rate_limit_exceeded' } });
  });
  it('turns 5xx into 502 JSON (Codex hides a 500 body)', () => {
    expect(mapUpstreamError(503, 'Service Unavailable', 'h')).toMatchObject({ status: 502, error: { type: 'server_error', message: 'upstream h answered 503: Service Unavailable' } });
  });
  it('names auth failures and unknown models, as a 400 with invalid_prompt: the one error Codex shows and does not retry', () => {
    expect(mapUpstreamError(401, '{"error":{"message":"Invalid API key"}}', 'h', undefined, { auth: 'check the key in $MY_KEY' })).toEqual({
      status: 400,
      error: { message: 'upstream h answered 401: Invalid API key — check the key in $MY_KEY', type: 'upstream_auth_failed', code: 'invalid_prompt' },
    });
    expect(mapUpstreamError(403, 'Forbidden', 'h')).toMatchObject({ status: 400, error: { type: 'upstream_auth_failed', code: 'invalid_prompt' } });
    expect(mapUpstreamError(404, '{"error":{"message":"model not found"}}', 'h', undefined, { notFound: 'check --model' })).toEqual({
      status: 400,
      error: { message: 'upstream h answered 404: model not found — check --model', type: 'upstream_not_found', code: 'invalid_prompt' },
    });
    // A 403 about money is still a quota error (Codex: "Quota exceeded", no retry).
    expect(mapUpstreamError(403, '{"error":{"message":"insufficient balance"}}', 'h')).toMatchObject({ status: 429, error: { code: 'insufficient_quota' } });
    expect(mapUpstreamError(422, '{"detail":"bad field"}', 'h')).toMatchObject({ status: 400, error: { code: 'upstream_rejected', message: 'upstream h answered 422: bad field' } });
  });
  it('caps long bodies', () => {
    expect(upstreamMessageOf('x'.repeat(5000)).length).toBeLessThan(700);
  });
  it('maps errors that arrive inside a 200 stream', () => {
    expect(mapInStreamError({ message: 'Insufficient Balance' }, 'h').code).toBe('insufficient_quota');
    expect(mapInStreamError('internal failure', 'h').code).toBe('upstream_error');
  });
});
