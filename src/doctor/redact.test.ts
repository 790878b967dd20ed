import { describe, expect, it } from 'vitest';
import { errorGist, makeRedactor } from './redact.js';

describe('makeRedactor', () => {
  const key = 'sk-canary-0123456789abcdef';
  const redact = makeRedactor(key);

  it('removes the key, and masked or partial forms of it', () => {
    expect(redact(`bad key ${key}.`)).toBe('bad key [redacted].');
    expect(redact('Incorrect API key provided: sk-can*************cdef.')).toBe('Incorrect API key provided: [redacted]');
    expect(redact('key ending in cdef is wrong')).toBe('key ending in [redacted] is wrong');
    expect(redact('token "sk-canary-01" expired')).toBe('token "[redacted]" expired');
  });

  it('leaves other text alone, and does nothing without a key', () => {
    expect(redact('model deepseek-v4-flash not found')).toBe('model deepseek-v4-flash not found');
    expect(makeRedactor(undefined)('anything sk-***')).toBe('anything sk-***');
  });
});

describe('errorGist', () => {
  it('takes error.message from OpenAI-style, Gemini-style and plain bodies, on one capped line', () => {
    expect(errorGist('{"error":{"message":"Model not found","type":"x"}}')).toBe('Model not found');
    expect(errorGist('[{"error":{"code":400,"message":"bad\\nrequest"}}]')).toBe('bad request');
    expect(errorGist('{"message":"nope"}')).toBe('nope');
    expect(errorGist('<html>\n  Bad Gateway\n</html>')).toBe('<html> Bad Gateway </html>');
    expect(errorGist('x'.repeat(300))).toHaveLength(200);
  });
});
