import { describe, expect, it } from 'vitest';
import { normalizeBridgeOptions } from './bridge-options.js';
import { MAX_FAILED_ATTEMPTS_PER_TURN } from './call-upstream.js';
import { answerForStatus } from './upstream-failure.js';

// The exhausted-turn check: once a Codex turn has used up its attempts, a failure Codex would retry
// (a 429 rate limit, a 5xx) goes back as the error it shows and does not retry. Before that, the
// same failure keeps the form Codex retries.

const options = normalizeBridgeOptions({ upstream: 'https://api.example.com/v1', model: 'm', token: 't', apiKeyEnv: 'EXAMPLE_KEY' });
const host = 'api.example.com';
const rateLimited = { status: 429, bodyText: JSON.stringify({ error: { message: 'Rate limit reached' } }), retryAfterMs: 3_000 };
const exhausted = `${MAX_FAILED_ATTEMPTS_PER_TURN} attempts failed in this turn; try again later, or run codex-bridge doctor`;

describe('answerForStatus and the turn', () => {
  it('a 429 while the turn has attempts left: a 429 with Retry-After, which Codex retries', () => {
    expect(answerForStatus(rateLimited, options, host)).toMatchObject({ status: 429, error: { code: 'rate_limit_exceeded' }, headers: { 'retry-after': '3' } });
  });

  it('a 429 once the turn is exhausted: the final error, which Codex shows and does not retry', () => {
    expect(answerForStatus(rateLimited, options, host, MAX_FAILED_ATTEMPTS_PER_TURN)).toEqual({
      status: 400,
      error: { code: 'invalid_prompt', type: 'rate_limit_error', message: `upstream ${host} answered 429: Rate limit reached — ${exhausted}` },
    });
  });

  it('a 5xx the same; an error Codex does not retry anyway keeps its own words', () => {
    expect(answerForStatus({ status: 503, bodyText: 'overloaded' }, options, host, MAX_FAILED_ATTEMPTS_PER_TURN)).toMatchObject({
      status: 400,
      error: { code: 'invalid_prompt', message: `upstream ${host} answered 503: overloaded — ${exhausted}` },
    });
    const refused = answerForStatus({ status: 400, bodyText: 'bad request' }, options, host, MAX_FAILED_ATTEMPTS_PER_TURN);
    expect(refused).toMatchObject({ status: 400, error: { code: 'upstream_rejected' } });
    expect(refused.error.message).not.toContain('attempts failed');
  });
});
