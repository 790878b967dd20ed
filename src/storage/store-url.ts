import { UsageError } from '../output/usage-error.js';

// `--store redis://[user:password@]host[:port][/db]` (or rediss:// for TLS), also CODEX_BRIDGE_STORE.
// What is shown (logs, doctor, errors) is `display`: never the password.

export interface StoreUrl {
  /** The URL as given, credentials included: only for the client. */
  url: string;
  /** redis://host:port/db, without credentials. */
  display: string;
  host: string;
  port: number;
  db: number;
  tls: boolean;
}

export function parseStoreUrl(text: string, from = '--store'): StoreUrl {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    throw new UsageError(`${from} is not a URL — pass e.g. ${from === '--store' ? '--store ' : `${from}=`}redis://127.0.0.1:6379/0`);
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new UsageError(`${from} must be a redis:// or rediss:// URL, got ${url.protocol}// — e.g. redis://127.0.0.1:6379/0`);
  }
  if (!url.hostname) throw new UsageError(`${from} names no host — e.g. redis://127.0.0.1:6379/0`);
  const port = url.port === '' ? 6379 : Number(url.port);
  const dbText = url.pathname.replace(/^\/+|\/+$/g, '');
  if (dbText !== '' && !/^\d{1,2}$/.test(dbText)) throw new UsageError(`${from}: the database must be a number such as /0, got /${dbText}`);
  if (url.search || url.hash) throw new UsageError(`${from} takes no query or fragment — only redis://host:port/db`);
  const db = dbText === '' ? 0 : Number(dbText);
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  return { url: url.toString(), display: `${url.protocol}//${url.host}/${db}`, host, port, db, tls: url.protocol === 'rediss:' };
}
