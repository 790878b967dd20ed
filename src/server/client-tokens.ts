import { readFileSync, statSync } from 'node:fs';
import { UsageError } from '../output/usage-error.js';

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
