import { timingSafeEqual } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { UsageError } from '../output/usage-error.js';
import { bearerToken, guardOrigin, guardRequest, type GuardOptions } from './guard-request.js';
import { HttpError } from './send-json.js';

// Several clients of one gateway, each with a token of its own and a name (`serve --tokens FILE`):
// the name is what usage is recorded under (`codex-bridge usage --by client`). The file is read
// once at start; a token is never printed, logged or stored, and an error about the file names
// the line, never what is on it.
//
//   # name   token
//   alice    3mI…(at least 16 characters)
//   ci-bot   Qx9…

export interface ClientToken {
  name: string;
  token: string;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;
const MIN_TOKEN_CHARS = 16;

/** The clients of a token file's text; a bad line is a UsageError naming its number. */
export function parseTokenFile(text: string, file: string): ClientToken[] {
  const clients: ClientToken[] = [];
  const names = new Set<string>();
  const tokens = new Set<string>();
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const where = `${file} line ${index + 1}`;
    const fields = line.split(/\s+/);
    if (fields.length !== 2) throw new UsageError(`${where}: expected "<name> <token>" — one client per line, # for comments`);
    const [name, token] = fields;
    if (!NAME.test(name)) throw new UsageError(`${where}: a client name is 1-64 letters, digits, . _ @ or -, starting with a letter or digit`);
    if (token.length < MIN_TOKEN_CHARS) throw new UsageError(`${where}: the token of ${name} is shorter than ${MIN_TOKEN_CHARS} characters — make one with: openssl rand -base64 32`);
    if (names.has(name)) throw new UsageError(`${where}: ${name} is named twice`);
    if (tokens.has(token)) throw new UsageError(`${where}: the token of ${name} is already another client's`);
    names.add(name);
    tokens.add(token);
    clients.push({ name, token });
  });
  if (clients.length === 0) throw new UsageError(`${file} names no client — write "<name> <token>" lines`);
  return clients;
}

/** Reads and checks a token file; `warn` is told if others may read it. */
export function readTokenFile(file: string, warn: (line: string) => void): ClientToken[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read the token file ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}) — check the path given to --tokens`);
  }
  if (process.platform !== 'win32' && (statSync(file).mode & 0o077) !== 0) warn(`${file} can be read by other users of this machine — chmod 600 ${file}`);
  return parseTokenFile(text, file);
}

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
