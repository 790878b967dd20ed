import { describe, expect, it } from 'vitest';
import { bearerToken, guardRequest, hostnameOfHostHeader, isAllowedHost, isLoopbackHost, tokenMatches } from './guard-request.js';
import { HttpError } from './send-json.js';

const TOKEN = 'tok-0123456789abcdef';
const opts = { token: TOKEN, boundHost: '127.0.0.1' };

function statusOf(fn: () => void): number | 'passed' {
  try {
    fn();
    return 'passed';
  } catch (error) {
    expect(error).toBeInstanceOf(HttpError);
    return (error as HttpError).status;
  }
}

describe('Host checks', () => {
  it.each(['127.0.0.1', '127.0.0.1:8080', 'localhost', 'LOCALHOST:1', '[::1]:9000', '[::1]', '::1', '127.8.9.10:1', 'foo.localhost:3'])(
    'accepts loopback Host %s',
    (host) => {
      expect(isAllowedHost(host, '127.0.0.1')).toBe(true);
    },
  );

  it.each(['evil.example.com', 'evil.example.com:8080', '10.0.0.5:80', '127.0.0.1.evil.com', 'localhost.evil.com', '', '128.0.0.1'])('refuses Host %j', (host) => {
    expect(isAllowedHost(host, '127.0.0.1')).toBe(false);
  });

  it('refuses a missing Host', () => {
    expect(isAllowedHost(undefined, '127.0.0.1')).toBe(false);
  });

  it('accepts the name the server is bound to, with any port', () => {
    expect(isAllowedHost('devbox.lan:7000', 'devbox.lan')).toBe(true);
    expect(isAllowedHost('otherbox.lan:7000', 'devbox.lan')).toBe(false);
  });

  it('on a wildcard bind accepts IP literals (reachable from the LAN) but never DNS names', () => {
    expect(isAllowedHost('192.168.1.20:7000', '0.0.0.0')).toBe(true);
    expect(isAllowedHost('[fe80::1]:7000', '::')).toBe(true);
    expect(isAllowedHost('rebind.attacker.example:7000', '0.0.0.0')).toBe(false);
  });

  it('splits host and port the way the Host header writes them', () => {
    expect(hostnameOfHostHeader('a.b:12')).toBe('a.b');
    expect(hostnameOfHostHeader('[::1]:12')).toBe('::1');
    expect(hostnameOfHostHeader('::1')).toBe('::1');
    expect(isLoopbackHost('::ffff:127.0.0.1')).toBe(true);
  });
});

describe('guardRequest', () => {
  const good = { host: '127.0.0.1:5555', authorization: `Bearer ${TOKEN}` };

  it('passes a loopback request with the right token', () => {
    expect(statusOf(() => guardRequest(good, '/v1/responses', opts))).toBe('passed');
    expect(statusOf(() => guardRequest({ ...good, authorization: `bearer   ${TOKEN} ` }, '/v1/responses', opts))).toBe('passed');
  });

  it('answers 401 for a missing, malformed or wrong token', () => {
    expect(statusOf(() => guardRequest({ host: 'localhost' }, '/v1/responses', opts))).toBe(401);
    expect(statusOf(() => guardRequest({ host: 'localhost', authorization: TOKEN }, '/v1/responses', opts))).toBe(401);
    expect(statusOf(() => guardRequest({ host: 'localhost', authorization: `Bearer ${TOKEN}x` }, '/v1/responses', opts))).toBe(401);
    expect(statusOf(() => guardRequest({ host: 'localhost', authorization: `Bearer ${TOKEN.slice(0, -1)}` }, '/v1/responses', opts))).toBe(401);
    expect(statusOf(() => guardRequest({ host: 'localhost', authorization: `Basic ${TOKEN}` }, '/v1/models', opts))).toBe(401);
  });

  it('says which token problem it is, in the OpenAI error shape', () => {
    try {
      guardRequest({ host: 'localhost', authorization: 'Bearer nope' }, '/v1/responses', opts);
      expect.unreachable();
    } catch (error) {
      expect((error as HttpError).toBody()).toEqual({ message: expect.stringContaining('wrong bearer token'), type: 'authentication_error', code: 'invalid_token' });
      expect((error as HttpError).message).not.toContain(TOKEN);
    }
  });

  it('answers 403 for a foreign Host even with the right token', () => {
    expect(statusOf(() => guardRequest({ ...good, host: 'attacker.example:5555' }, '/v1/responses', opts))).toBe(403);
  });

  it('answers 403 for any Origin header, even a loopback one', () => {
    expect(statusOf(() => guardRequest({ ...good, origin: 'https://attacker.example' }, '/v1/responses', opts))).toBe(403);
    expect(statusOf(() => guardRequest({ ...good, origin: 'http://127.0.0.1:5555' }, '/v1/responses', opts))).toBe(403);
    expect(statusOf(() => guardRequest({ ...good, origin: 'null' }, '/healthz', opts))).toBe(403);
  });

  it('lets /healthz through without a token, but not past the Host check', () => {
    expect(statusOf(() => guardRequest({ host: '127.0.0.1:1' }, '/healthz', opts))).toBe('passed');
    expect(statusOf(() => guardRequest({ host: 'attacker.example' }, '/healthz', opts))).toBe(403);
  });
});

describe('tokens', () => {
  it('compares tokens of any length without throwing', () => {
    expect(tokenMatches(TOKEN, TOKEN)).toBe(true);
    expect(tokenMatches('', TOKEN)).toBe(false);
    expect(tokenMatches(`${TOKEN}${'x'.repeat(1000)}`, TOKEN)).toBe(false);
    expect(tokenMatches(undefined, TOKEN)).toBe(false);
  });

  it('matches only the same bytes: not a prefix, not a longer token, not one cut at a multi-byte character', () => {
    expect(tokenMatches(TOKEN.slice(0, -1), TOKEN)).toBe(false);
    expect(tokenMatches(`${TOKEN}\u0000`, TOKEN)).toBe(false);
    expect(tokenMatches(`${TOKEN.slice(0, -1)}X`, TOKEN)).toBe(false);
    expect(tokenMatches('tok-é', 'tok-é')).toBe(true);
    expect(tokenMatches('tok-e', 'tok-é')).toBe(false);
    expect(tokenMatches('tok-éé', 'tok-é')).toBe(false);
    expect(tokenMatches(TOKEN, 'another-token-entirely')).toBe(false);
    expect(tokenMatches(TOKEN, TOKEN)).toBe(true);
  });

  it('reads the bearer token from Authorization', () => {
    expect(bearerToken({ authorization: 'Bearer abc' })).toBe('abc');
    expect(bearerToken({ authorization: 'Token abc' })).toBeUndefined();
    expect(bearerToken({})).toBeUndefined();
  });
});

describe('isAllowedHost, asked again', () => {
  it('gives the same answers the second time, and keeps bound hosts apart', () => {
    for (let round = 0; round < 2; round++) {
      expect(isAllowedHost('127.0.0.1:8080', '127.0.0.1')).toBe(true);
      expect(isAllowedHost('evil.example:8080', '127.0.0.1')).toBe(false);
      expect(isAllowedHost('192.168.1.5:8080', '0.0.0.0')).toBe(true);
      expect(isAllowedHost('192.168.1.5:8080', '127.0.0.1')).toBe(false);
    }
    for (let i = 0; i < 200; i++) expect(isAllowedHost(`host-${i}.example`, '127.0.0.1')).toBe(false);
    expect(isAllowedHost('localhost:1', '127.0.0.1')).toBe(true);
  });
});
