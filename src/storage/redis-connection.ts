import { randomUUID } from 'node:crypto';
import { Redis, type ChainableCommander } from 'ioredis';
import { StoreUnavailableError } from './store-unavailable.js';
import { KEY_PREFIX, type BoundedKind, type BoundedMode } from './bounded-kinds.js';
import { SCRIPTS, type ScriptName } from './redis-scripts.js';
import type { StoreUrl } from './store-url.js';

/** A one-line warning, said to the user (a store's outage and return). */
type Warn = (line: string) => void;

// One connection to the shared store, through ioredis. A command never waits for a Redis that is
// down: the offline queue is off and every command has a timeout, so whatever needs the store
// fails at once (StoreUnavailableError, a 503 naming the store) while ioredis keeps reconnecting in
// the background. Commands caught mid-flight by a disconnect are not resent (a counter would count
// twice). The outage and the return are each told once, not once per request.
//
// A write that times out here may still land (Redis was slow, not gone): like a Redis client that
// acknowledges writes, `write` then asks on the same connection, which Redis answers in order,
// whether it did, by a marker the write set with its data. Only a write that did not land, or whose
// fate cannot be learnt, fails.

export interface RedisConnectionOptions {
  warn?: Warn;
  /** Per-command limit (default 2 s): a Redis that hangs is as good as down. */
  commandTimeoutMs?: number;
}

type ScriptArgument = string | number;

/** ioredis's reason for a command that got no answer within commandTimeout. */
const TIMED_OUT = 'Command timed out';
/** How long a write's marker lives: long enough to be asked about after any timeout. */
const ACK_MARKER_MS = 60_000;
/** Times a timed-out write's marker is asked about (each within the command timeout) before its fate counts as unknown. */
const LANDED_QUESTIONS = 3;

/** Queues one of SCRIPTS (defined on every connection) in a MULTI. */
export function queueScript(multi: ChainableCommander, name: ScriptName, ...args: ScriptArgument[]): ChainableCommander {
  (multi as unknown as Record<ScriptName, (...args: ScriptArgument[]) => unknown>)[name](...args);
  return multi;
}

/** Runs one of SCRIPTS on the client. */
export function runScript(client: Redis, name: ScriptName, ...args: ScriptArgument[]): Promise<unknown> {
  return (client as unknown as Record<ScriptName, (...args: ScriptArgument[]) => Promise<unknown>>)[name](...args);
}

export class RedisConnection {
  readonly client: Redis;
  /** Set once close() was called. */
  private closed = false;
  private down = false;
  private everReady = false;
  private lastTime = 0;
  /** Why the last connection attempt failed, for messages. */
  private lastError: string | undefined;
  private firstReady: Promise<boolean>;

  constructor(
    readonly store: StoreUrl,
    options: RedisConnectionOptions = {},
  ) {
    const warn = options.warn;
    this.client = new Redis(store.url, {
      enableOfflineQueue: false,
      autoResendUnfulfilledCommands: false,
      maxRetriesPerRequest: 0,
      commandTimeout: options.commandTimeoutMs ?? 2_000,
      connectTimeout: 2_000,
      // Forever, backing off to one attempt a second: the store may come back at any time.
      retryStrategy: (times) => Math.min(50 * times, 1_000),
      ...(store.tls && { tls: {} }),
      // As an option, so that duplicate() connections have them too.
      scripts: SCRIPTS,
    });
    this.firstReady = new Promise<boolean>((resolve) => {
      this.client.once('ready', () => resolve(true));
      this.client.once('end', () => resolve(false));
    });
    const wentDown = (reason: string) => {
      if (this.closed || this.down) return;
      this.down = true;
      warn?.(`the state store ${store.display} is unreachable (${reason}): requests that need stored state get 503 until it is back`);
    };
    this.client.on('error', (error: Error & { code?: string }) => {
      this.lastError = error.code ?? error.message;
      wentDown(this.lastError);
    });
    // A connection that was up and closed (Redis stopped, the network went): ioredis reconnects.
    this.client.on('close', () => {
      if (this.everReady) wentDown(this.lastError ?? 'connection closed');
    });
    this.client.on('ready', () => {
      this.everReady = true;
      this.lastError = undefined;
      if (!this.down) return;
      this.down = false;
      warn?.(`the state store ${store.display} is reachable again`);
    });
  }

  /** Whether commands can be sent now. */
  get ready(): boolean {
    return this.client.status === 'ready';
  }

  /** Resolves true once connected, false if that takes longer than `ms`. */
  async waitReady(ms: number): Promise<boolean> {
    if (this.ready) return true;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), ms);
      timer.unref();
    });
    try {
      return await Promise.race([this.firstReady, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** `action` against the client; any failure of the store becomes a StoreUnavailableError. */
  async run<T>(action: (client: Redis) => Promise<T>): Promise<T> {
    // The first connection is waited for (a command, doctor, a replica's first request); after
    // that a store that is down fails at once.
    if (!this.ready && !this.everReady && !this.closed) await this.waitReady(2_000);
    if (!this.ready) throw new StoreUnavailableError(this.store.display, this.lastError ?? 'not connected');
    try {
      return await action(this.client);
    } catch (error) {
      throw this.unavailable(error);
    }
  }

  /** A MULTI…EXEC; its first failed command is the error. */
  async exec(build: (multi: ChainableCommander) => ChainableCommander): Promise<unknown[]> {
    return this.run(async (client) => {
      const replies = (await build(client.multi()).exec()) ?? [];
      const failed = replies.find(([error]) => error);
      if (failed) throw failed[0];
      return replies.map(([, value]) => value);
    });
  }

  /**
   * A MULTI…EXEC that writes: its replies, or undefined when it timed out but landed (its replies
   * are then unknown). Fails with StoreUnavailableError when it did not land, or nobody can tell.
   */
  async write(build: (multi: ChainableCommander) => ChainableCommander): Promise<unknown[] | undefined> {
    const marker = `${KEY_PREFIX}ack:${randomUUID()}`;
    try {
      const replies = await this.exec((multi) => build(multi).set(marker, '1', 'PX', ACK_MARKER_MS));
      return replies.slice(0, -1);
    } catch (error) {
      if (!(error instanceof StoreUnavailableError) || error.reason !== TIMED_OUT) throw error;
      for (let asked = 0; asked < LANDED_QUESTIONS; asked++) {
        let landed: number;
        try {
          landed = await this.run((client) => client.exists(marker));
        } catch (question) {
          // Still slow: ask again; gone: the write's fate is unknown.
          if (question instanceof StoreUnavailableError && question.reason === TIMED_OUT) continue;
          throw error;
        }
        if (landed === 1) return undefined;
        throw error;
      }
      throw error;
    }
  }

  /** Appends to `multi` the bookkeeping of `kind` for entry `id` (see bounded-kinds.ts). */
  bounded(multi: ChainableCommander, kind: BoundedKind, mode: BoundedMode, id: string, bytes = 0, at = Date.now()): ChainableCommander {
    // Two writes in one millisecond still have an order (the index is sorted by this time).
    const time = at > this.lastTime ? at : this.lastTime + 0.001;
    this.lastTime = Math.max(this.lastTime, time);
    return queueScript(multi, 'cbBounded', ...kind.scriptArguments(mode, id, bytes, time));
  }

  unavailable(error: unknown): StoreUnavailableError {
    if (error instanceof StoreUnavailableError) return error;
    const { code, message } = error as { code?: string; message?: string };
    return new StoreUnavailableError(this.store.display, code ?? message ?? String(error));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      if (this.ready) await this.client.quit();
      else this.client.disconnect();
    } catch {
      this.client.disconnect();
    }
  }
}
