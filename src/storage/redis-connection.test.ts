import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startRedisServer, type RedisServer } from '../../test/helpers/redis-server.js';
import { RedisConnection } from './redis-connection.js';
import { StoreUnavailableError } from './store-unavailable.js';
import { parseStoreUrl } from './store-url.js';

// Writes are acknowledged the way Redis clients do it: a write that timed out here but landed
// (Redis was busy, not gone) counts as written; one that did not land, or whose fate cannot be
// learnt, fails. Against a real redis-server, made busy by a script that holds it.

let redis: RedisServer;
let dataDir: string;
const opened: Array<{ close(): unknown }> = [];

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'cb-redis-ack-'));
  redis = await startRedisServer(dataDir);
});
afterAll(async () => {
  await redis.stop();
  rmSync(dataDir, { recursive: true, force: true });
});
afterEach(async () => {
  await redis.start();
  for (const connection of opened.splice(0)) await connection.close();
  const admin = new Redis(redis.url);
  await admin.flushdb();
  admin.disconnect();
});

function connect(commandTimeoutMs?: number): RedisConnection {
  const connection = new RedisConnection(parseStoreUrl(redis.url), { commandTimeoutMs });
  opened.push(connection);
  return connection;
}

/** Holds Redis busy for `ms` (a script runs alone): every other command waits behind it. */
async function holdRedis(ms: number): Promise<{ released: Promise<unknown> }> {
  const holder = new Redis(redis.url);
  opened.push({ close: () => holder.disconnect() });
  await holder.ping();
  const released = holder.eval(
    `local t = redis.call('TIME'); local start = t[1] * 1000000 + t[2]
     while true do local n = redis.call('TIME'); if n[1] * 1000000 + n[2] - start > tonumber(ARGV[1]) * 1000 then break end end
     return 1`,
    0,
    ms,
  );
  return { released };
}

describe('RedisConnection.write', () => {
  it('answers with the replies of a write that landed in time', async () => {
    const connection = connect();
    expect(await connection.write((multi) => multi.set('codex-bridge:t:a', '1').incr('codex-bridge:t:n'))).toEqual(['OK', 1]);
  });

  it('counts a write that timed out but landed as written: it asks, in order, on the same connection', async () => {
    const connection = connect(100);
    await connection.waitReady(2_000);
    const { released } = await holdRedis(250);
    const written = await connection.write((multi) => multi.set('codex-bridge:t:slow', 'kept'));
    await released;
    // Landed, its replies unknown: undefined, not an error.
    expect(written).toBeUndefined();
    const reader = new Redis(redis.url);
    opened.push({ close: () => reader.disconnect() });
    expect(await reader.get('codex-bridge:t:slow')).toBe('kept');
  });

  it('fails a write whose fate cannot be learnt (Redis held longer than it asks), naming the store', async () => {
    const connection = connect(100);
    await connection.waitReady(2_000);
    const { released } = await holdRedis(900);
    const failed = await connection.write((multi) => multi.set('codex-bridge:t:unknown', 'x')).catch((error: unknown) => error);
    expect(failed).toBeInstanceOf(StoreUnavailableError);
    expect((failed as StoreUnavailableError).message).toContain(redis.url);
    await released;
  });

  it('fails a write to a Redis that is down, at once', async () => {
    const connection = connect();
    await connection.waitReady(2_000);
    await redis.stop();
    await expect.poll(() => connection.ready).toBe(false);
    await expect(connection.write((multi) => multi.set('codex-bridge:t:down', 'x'))).rejects.toBeInstanceOf(StoreUnavailableError);
  });
});
