import { performance } from 'node:perf_hooks';
import type { Redis } from 'ioredis';
import { newestFirst, SESSIONS_SCHEMA_VERSION, type SessionRecord } from './session-records.js';
import { NewerSchemaError, type BackendCheck, type SessionChanges, type SessionsBackend } from './sessions-backend.js';
import type { SessionStoreData } from '../state/session-store.js';
import { parseRecord } from './sessions-file-format.js';
import { BoundedKind, KEY_PREFIX, type KindLimits } from '../storage/bounded-kinds.js';
import type { RedisConnection } from '../storage/redis-connection.js';
import { StoreUnavailableError } from '../storage/store-unavailable.js';

// Session records (with their usage by hour, model and client) shared by every replica, in Redis:
//   codex-bridge:session:<id>   one record (JSON, without SessionStore data: chains and reasoning
//                               are keys of their own, redis-conversation-memory.ts)
//   codex-bridge:schema         the records' schema version: a newer one is left untouched
// A bounded kind (bounded-kinds.ts). Writers read, merge and write under WATCH: a record changed by
// another replica meanwhile makes the transaction fail, and the merge is done again on what it
// wrote, so no request is counted twice or lost. WATCH belongs to a connection, so writes go
// through a connection of their own, one at a time.

const SCHEMA_KEY = `${KEY_PREFIX}schema`;
/** Records read per MGET. */
const PAGE = 500;
/** Transactions retried against other writers before giving up (the recorder tries again later). */
const MAX_ATTEMPTS = 20;

export class RedisSessionsBackend implements SessionsBackend {
  readonly location: string;
  private readonly sessions: BoundedKind;
  /** The connection that WATCHes, opened on the first write. */
  private writer: Redis | undefined;
  /** Writes one after another (WATCH is per connection). */
  private queue: Promise<unknown> = Promise.resolve();
  private schemaChecked = false;

  constructor(
    private readonly redis: RedisConnection,
    limits?: KindLimits,
    /** close() closes the connection too (a command's own). */
    private readonly ownsConnection = false,
  ) {
    this.location = redis.store.display;
    this.sessions = new BoundedKind('sessions', limits);
  }

  /** Chains and reasoning stay in the store, read per request: nothing to load. */
  async load(): Promise<SessionStoreData> {
    await this.checkSchema();
    return { v: 1, responses: [], reasoning: {} };
  }

  async list(): Promise<SessionRecord[]> {
    return this.read(await this.redis.run((client) => client.zrange(this.sessions.index, 0, -1)));
  }

  async recent(sinceMs: number): Promise<SessionRecord[]> {
    return this.read(await this.redis.run((client) => client.zrangebyscore(this.sessions.index, sinceMs, '+inf')));
  }

  /** The records of `ids` that are still there, newest first. */
  private async read(ids: string[]): Promise<SessionRecord[]> {
    await this.checkSchema();
    const records: SessionRecord[] = [];
    for (let start = 0; start < ids.length; start += PAGE) {
      const page = ids.slice(start, start + PAGE);
      const values = await this.redis.run((client) => client.mget(...page.map((id) => this.sessions.key(id))));
      for (const value of values) {
        const record = value === null ? undefined : parseRecord(safeParse(value));
        if (record) records.push(record);
      }
    }
    return newestFirst(records);
  }

  update(changes: SessionChanges, _writeId: string): Promise<void> {
    if (changes.size === 0) return Promise.resolve();
    return this.serially(async (writer) => {
      const ids = [...changes.keys()];
      const keys = ids.map((id) => this.sessions.key(id));
      for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        await writer.watch(...keys);
        const stored = await writer.mget(...keys);
        const multi = writer.multi();
        ids.forEach((id, i) => {
          const current = stored[i] === null ? undefined : parseRecord(safeParse(stored[i]!));
          const changed = changes.get(id)!(current);
          if (!changed) return;
          const { store: _notShared, ...record } = changed;
          const json = JSON.stringify(record);
          multi.set(keys[i], json, 'PX', this.sessions.limits.retentionMs);
          this.redis.bounded(multi, this.sessions, 'set', id, Buffer.byteLength(json));
        });
        // null: a watched record changed meanwhile; merge again onto what the other writer left.
        if ((await multi.exec()) !== null) return;
      }
      throw new Error(`other replicas kept changing the same sessions (${MAX_ATTEMPTS} attempts)`);
    });
  }

  async remove(select: (sessions: readonly SessionRecord[]) => Iterable<string>): Promise<{ removed: number; left: number }> {
    const all = await this.list();
    const ids = new Set(select(all));
    const gone = all.filter((session) => ids.has(session.id));
    if (gone.length > 0) {
      await this.redis.exec((multi) => {
        for (const session of gone) this.redis.bounded(multi, this.sessions, 'drop', session.id);
        return multi;
      });
    }
    return { removed: gone.length, left: all.length - gone.length };
  }

  /** Reachable, how fast (the median of a few PINGs), which Redis, and how many sessions. */
  async check(): Promise<BackendCheck> {
    try {
      await this.checkSchema();
      const times: number[] = [];
      for (let i = 0; i < 5; i++) {
        const started = performance.now();
        await this.redis.run((client) => client.ping());
        times.push(performance.now() - started);
      }
      const latency = times.sort((a, b) => a - b)[2];
      const info = await this.redis.run((client) => client.info('server'));
      const version = /redis_version:(\S+)/.exec(info)?.[1];
      const count = await this.redis.run((client) => client.zcard(this.sessions.index));
      return {
        level: 'ok',
        detail: `${this.location} reachable, ${latency.toFixed(latency < 10 ? 2 : 0)} ms a round trip${version ? ` (Redis ${version})` : ''}; ${count} session${count === 1 ? '' : 's'}`,
      };
    } catch (error) {
      if (error instanceof NewerSchemaError) return { level: 'fail', detail: error.message, fix: 'upgrade codex-bridge (this one leaves the store untouched)' };
      if (error instanceof StoreUnavailableError) {
        return { level: 'fail', detail: `${this.location} is unreachable (${error.reason})`, fix: `check that Redis runs at ${this.location} and that this machine reaches it` };
      }
      return { level: 'fail', detail: (error as Error).message, fix: `check that Redis runs at ${this.location} and that this machine reaches it` };
    }
  }

  async close(): Promise<void> {
    await this.queue.catch(() => {});
    this.writer?.disconnect();
    this.writer = undefined;
    if (this.ownsConnection) await this.redis.close();
  }

  /** The store's schema: set to ours if none; a newer one is refused (NewerSchemaError). */
  private async checkSchema(): Promise<void> {
    if (this.schemaChecked) return;
    const [, version] = await this.redis.exec((multi) => multi.set(SCHEMA_KEY, String(SESSIONS_SCHEMA_VERSION), 'NX').get(SCHEMA_KEY));
    const found = Number(version);
    if (Number.isInteger(found) && found > SESSIONS_SCHEMA_VERSION) throw new NewerSchemaError(this.location, found, SESSIONS_SCHEMA_VERSION);
    this.schemaChecked = true;
  }

  private serially(write: (writer: Redis) => Promise<void>): Promise<void> {
    const run = this.queue.then(async () => {
      await this.checkSchema();
      const writer = await this.writerConnection();
      try {
        await write(writer);
      } catch (error) {
        await writer.unwatch().catch(() => {});
        throw this.redis.unavailable(error);
      }
    });
    this.queue = run.catch(() => {});
    return run;
  }

  private async writerConnection(): Promise<Redis> {
    if (!this.writer) {
      const writer = this.redis.client.duplicate();
      writer.on('error', () => {}); // told once by the main connection
      this.writer = writer;
    }
    if (this.writer.status !== 'ready') {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('not connected')), 2_000);
        this.writer!.once('ready', () => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.writer;
  }
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
