import { describe, expect, it } from 'vitest';
import { parseTokenFile } from './client-tokens.js';
import { clientOfToken } from './guard-request.js';

describe('parseTokenFile', () => {
  it('reads "<name> <token>" lines, skipping comments and blank lines', () => {
    const text = '# the team\n\nalice   aaaaaaaaaaaaaaaa1\n  bob\tbbbbbbbbbbbbbbbb2  \n';
    expect(parseTokenFile(text, 'tokens')).toEqual([
      { name: 'alice', token: 'aaaaaaaaaaaaaaaa1' },
      { name: 'bob', token: 'bbbbbbbbbbbbbbbb2' },
    ]);
  });

  it('names the line of a mistake, never the token on it', () => {
    const secret = 'short-secret';
    const cases: Array<[string, RegExp]> = [
      [`alice ${secret}`, /tokens line 1: the token of alice is shorter than 16 characters/],
      ['alice', /tokens line 1: expected "<name> <token>"/],
      [`al/ice ${secret}-0123456789`, /tokens line 1: a client name is/],
      [`a ${secret}-0123456789\na ${secret}-9876543210`, /tokens line 2: a is named twice/],
      [`a ${secret}-0123456789\nb ${secret}-0123456789`, /tokens line 2: the token of b is already another client's/],
      ['# nobody', /tokens names no client/],
    ];
    for (const [text, message] of cases) {
      const error = (() => {
        try {
          parseTokenFile(text, 'tokens');
        } catch (caught) {
          return caught as Error;
        }
      })();
      expect(error?.message).toMatch(message);
      expect(error?.message).not.toContain(secret);
    }
  });
});

describe('clientOfToken', () => {
  const clients = [
    { name: 'alice', token: 'aaaaaaaaaaaaaaaa1' },
    { name: 'bob', token: 'bbbbbbbbbbbbbbbb2' },
  ];
  it('names the client whose token it is, and nobody for anything else', () => {
    expect(clientOfToken('bbbbbbbbbbbbbbbb2', clients)).toBe('bob');
    expect(clientOfToken('aaaaaaaaaaaaaaaa1', clients)).toBe('alice');
    expect(clientOfToken('aaaaaaaaaaaaaaaa', clients)).toBeUndefined();
    expect(clientOfToken('aaaaaaaaaaaaaaaa12', clients)).toBeUndefined();
    expect(clientOfToken('', clients)).toBeUndefined();
  });
});
