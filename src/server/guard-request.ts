import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import type { IncomingHttpHeaders } from 'node:http';
import { HttpError } from './send-json.js';

// Who may talk to the bridge. It listens on loopback and holds an API key that costs money, so:
// - Host must name loopback (or the address it was bound to): a web page that rebinds its own DNS
//   name to 127.0.0.1 still sends its own name as Host, and is refused (DNS rebinding).
// - Any Origin header is refused: browsers send one on cross-site requests, while Codex and the
//   openai SDK for Node send none (CSRF from a web page).
// - Everything except /healthz needs `Authorization: Bearer <token>`.

export interface GuardOptions {
  token: string;
  /** The host the server is bound to (the --host value). */
  boundHost: string;
}

const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '[::]', '']);

/** 127.0.0.0/8, ::1, localhost (and *.localhost, which resolvers must map to loopback). */
export function isLoopbackHost(hostname: string): boolean {
  const h = stripBrackets(hostname.trim().toLowerCase()).replace(/\.$/, '');
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  if (h.startsWith('::ffff:')) return isLoopbackHost(h.slice(7));
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

function stripBrackets(h: string): string {
  return h.startsWith('[') && h.endsWith(']') ? h.slice(1, -1) : h;
}

/** The host name part of a Host header: `a:1` → `a`, `[::1]:1` → `::1`, bare `::1` → `::1`. */
export function hostnameOfHostHeader(value: string): string {
  const v = value.trim().toLowerCase();
  if (v.startsWith('[')) {
    const close = v.indexOf(']');
    return close === -1 ? v : v.slice(1, close);
  }
  const colons = v.split(':').length - 1;
  if (colons === 1) return v.slice(0, v.indexOf(':'));
  return v; // no port, or an unbracketed IPv6 literal
}

export function isAllowedHost(hostHeader: string | undefined, boundHost: string): boolean {
  if (!hostHeader) return false;
  const hostname = hostnameOfHostHeader(hostHeader);
  if (hostname === '') return false;
  if (isLoopbackHost(hostname)) return true;
  const bound = stripBrackets(boundHost.trim().toLowerCase());
  if (hostname === bound) return true;
  // Bound to every interface (only allowed with an explicit token): other machines reach it by IP
  // address. DNS rebinding needs a name, so IP literals stay safe to accept.
  return WILDCARD_HOSTS.has(bound) && isIP(hostname) !== 0;
}

function sha256(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/** The expected token's digest, computed once rather than on every request. */
let expectedDigest: { token: string; digest: Buffer } | undefined;

/** Constant-time token comparison; hashing first keeps the token's length from leaking too. */
export function tokenMatches(presented: string | undefined, expected: string): boolean {
  if (presented === undefined) return false;
  if (expectedDigest?.token !== expected) expectedDigest = { token: expected, digest: sha256(expected) };
  return timingSafeEqual(sha256(presented), expectedDigest.digest);
}

export function bearerToken(headers: IncomingHttpHeaders): string | undefined {
  const value = headers.authorization;
  if (!value) return undefined;
  const match = /^\s*bearer\s+(.+?)\s*$/i.exec(value);
  return match ? match[1] : undefined;
}

/** Host and Origin checks, for every route. Throws a 403 HttpError. */
export function guardOrigin(headers: IncomingHttpHeaders, options: Pick<GuardOptions, 'boundHost'>): void {
  if (!isAllowedHost(headers.host, options.boundHost)) {
    throw new HttpError(403, `Host "${headers.host ?? ''}" is not allowed: the bridge only answers requests addressed to loopback or ${options.boundHost}`, {
      type: 'permission_error',
      code: 'forbidden_host',
    });
  }
  if (headers.origin !== undefined) {
    throw new HttpError(403, 'requests from web pages (with an Origin header) are not allowed', { type: 'permission_error', code: 'forbidden_origin' });
  }
}

/** Bearer token check. Throws a 401 HttpError. */
export function guardToken(headers: IncomingHttpHeaders, options: Pick<GuardOptions, 'token'>): void {
  const presented = bearerToken(headers);
  if (presented === undefined) {
    throw new HttpError(401, 'missing bearer token: send "Authorization: Bearer <token>" with the token codex-bridge printed (or CODEX_BRIDGE_TOKEN)', {
      type: 'authentication_error',
      code: 'missing_token',
      headers: { 'www-authenticate': 'Bearer' },
    });
  }
  if (!tokenMatches(presented, options.token)) {
    throw new HttpError(401, 'wrong bearer token for this codex-bridge', {
      type: 'authentication_error',
      code: 'invalid_token',
      headers: { 'www-authenticate': 'Bearer error="invalid_token"' },
    });
  }
}

/** Every check for one request: Host and Origin always, the token unless the path is public. */
export function guardRequest(headers: IncomingHttpHeaders, pathname: string, options: GuardOptions): void {
  guardOrigin(headers, options);
  if (pathname === '/healthz') return;
  guardToken(headers, options);
}
