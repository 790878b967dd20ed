import { timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { ClientToken } from './client-tokens.js';
import { HttpError } from './send-json.js';

// Who may talk to the bridge. It listens on loopback and holds an API key that costs money, so:
// - Host must name loopback (or the address it was bound to): a web page that rebinds its own DNS
//   name to 127.0.0.1 still sends its own name as Host, and is refused (DNS rebinding).
// - Any Origin header is refused: browsers send one on cross-site requests, while Codex and the
//   openai SDK for Node send none (CSRF from a web page).
// - Everything except /healthz needs `Authorization: Bearer <token>`: the bridge's one token, or
//   with named clients (`serve --tokens`, client-tokens.ts) any of theirs, whose name the request keeps.

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

/** Answers for the Host headers seen (a client sends the same one every time); bounded. */
const allowedHostCache = new Map<string, boolean>();

export function isAllowedHost(hostHeader: string | undefined, boundHost: string): boolean {
  if (!hostHeader) return false;
  const key = `${boundHost}\u0000${hostHeader}`;
  let allowed = allowedHostCache.get(key);
  if (allowed === undefined) {
    allowed = hostIsAllowed(hostHeader, boundHost);
    if (allowedHostCache.size >= 64) allowedHostCache.clear();
    allowedHostCache.set(key, allowed);
  }
  return allowed;
}

function hostIsAllowed(hostHeader: string, boundHost: string): boolean {
  const hostname = hostnameOfHostHeader(hostHeader);
  if (hostname === '') return false;
  if (isLoopbackHost(hostname)) return true;
  const bound = stripBrackets(boundHost.trim().toLowerCase());
  if (hostname === bound) return true;
  // Bound to every interface (only allowed with an explicit token): other machines reach it by IP
  // address. DNS rebinding needs a name, so IP literals stay safe to accept.
  return WILDCARD_HOSTS.has(bound) && isIP(hostname) !== 0;
}

/** The expected token's bytes, and a buffer of that size for the presented one. */
let expectedBytes: { token: string; bytes: Buffer; presented: Buffer } | undefined;

/**
 * Constant-time token comparison. The presented token is written into a buffer the size of the
 * expected one (cut short or padded with zeros), compared with timingSafeEqual, and its byte length
 * compared apart: how long it takes depends on the two lengths, never on the expected token's
 * content. (A SHA-256 of each side first, as before, cost 55 µs per request on the first-token path.)
 */
export function tokenMatches(presented: string | undefined, expected: string): boolean {
  if (presented === undefined) return false;
  if (expectedBytes?.token !== expected) {
    const bytes = Buffer.from(expected, 'utf8');
    expectedBytes = { token: expected, bytes, presented: Buffer.alloc(bytes.length) };
  }
  const { bytes, presented: buffer } = expectedBytes;
  buffer.fill(0);
  buffer.write(presented, 'utf8');
  const sameBytes = timingSafeEqual(buffer, bytes);
  const sameLength = Buffer.byteLength(presented, 'utf8') === bytes.length;
  return sameBytes && sameLength;
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

// ---------- named clients ----------

/** Each client's token as bytes, made once per list. */
const tokenBytes = new WeakMap<readonly ClientToken[], Array<{ name: string; bytes: Buffer }>>();

/**
 * The name of the client whose token was presented, or undefined. Every token is compared, in
 * constant time over each one's length (see tokenMatches), so the time tells nothing of which.
 */
export function clientOfToken(presented: string, clients: readonly ClientToken[]): string | undefined {
  let list = tokenBytes.get(clients);
  if (!list) tokenBytes.set(clients, (list = clients.map(({ name, token }) => ({ name, bytes: Buffer.from(token, 'utf8') }))));
  const length = Buffer.byteLength(presented, 'utf8');
  let found: string | undefined;
  for (const { name, bytes } of list) {
    const buffer = Buffer.alloc(bytes.length);
    buffer.write(presented, 'utf8');
    const same = timingSafeEqual(buffer, bytes) && length === bytes.length;
    if (same) found = name;
  }
  return found;
}

/** The client name of each request that presented a named token. */
const names = new WeakMap<IncomingMessage, string>();

export const clientNameOf = (req: IncomingMessage): string | undefined => names.get(req);

/**
 * guardRequest with named clients: Host and Origin always; then, but for /healthz, one of the
 * clients' tokens (its name is kept for the request), or without clients the bridge's one token.
 */
export function guardClient(req: IncomingMessage, pathname: string, options: GuardOptions & { clients?: readonly ClientToken[] }): void {
  if (!options.clients || options.clients.length === 0) return guardRequest(req.headers, pathname, options);
  guardOrigin(req.headers, options);
  if (pathname === '/healthz') return;
  const name = presentedClient(req.headers, options.clients);
  names.set(req, name);
}

function presentedClient(headers: IncomingHttpHeaders, clients: readonly ClientToken[]): string {
  const presented = bearerToken(headers);
  if (presented === undefined) {
    throw new HttpError(401, 'missing bearer token: send "Authorization: Bearer <token>" with your token from the gateway\'s token file', {
      type: 'authentication_error',
      code: 'missing_token',
      headers: { 'www-authenticate': 'Bearer' },
    });
  }
  const name = clientOfToken(presented, clients);
  if (name === undefined) {
    throw new HttpError(401, 'wrong bearer token for this codex-bridge', {
      type: 'authentication_error',
      code: 'invalid_token',
      headers: { 'www-authenticate': 'Bearer error="invalid_token"' },
    });
  }
  return name;
}
