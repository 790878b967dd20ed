import { describe, expect, it } from 'vitest';
import { makeSecretRedactor } from './redact-secrets.js';

describe('makeSecretRedactor', () => {
  it('cuts every occurrence of every secret', () => {
    const redact = makeSecretRedactor('sk-secret-1', undefined, 'tok-2222');
    expect(redact('a sk-secret-1 b sk-secret-1 c tok-2222')).toBe('a [redacted] b [redacted] c [redacted]');
  });
  it('leaves text alone without secrets, and ignores secrets too short to be safe to cut', () => {
    expect(makeSecretRedactor()('sk-x')).toBe('sk-x');
    expect(makeSecretRedactor('abc')('abcabc')).toBe('abcabc');
  });
});
