import type { Warn } from '../sessions/sessions-backend.js';
import { RedisConnection } from '../storage/redis-connection.js';
import { RedisConversationMemory } from '../state/redis/redis-conversation-memory.js';
import { RedisSessionsBackend } from '../sessions/redis-sessions-backend.js';
import { RedisStateStore } from '../state/redis/redis-state-store.js';
import type { StoreUrl } from '../storage/store-url.js';

// Everything `serve --store redis://…` keeps, on one connection: session records (the recorder's
// backend), stored responses and conversations (the server's ResponsesStateStore), and the
// previous_response_id chains and reasoning side channel (its ConversationMemory).

export interface SharedStore {
  connection: RedisConnection;
  sessions: RedisSessionsBackend;
  state: RedisStateStore;
  memory: RedisConversationMemory;
  close(): Promise<void>;
}

export interface OpenSharedStoreOptions {
  /** Outage and return of the store, one line each. */
  warn?: Warn;
  /** --verbose lines. */
  log?: (line: string) => void;
}

export function openSharedStore(store: StoreUrl, options: OpenSharedStoreOptions = {}): SharedStore {
  const connection = new RedisConnection(store, { warn: options.warn });
  const sessions = new RedisSessionsBackend(connection);
  return {
    connection,
    sessions,
    state: new RedisStateStore(connection),
    memory: new RedisConversationMemory(connection, { log: options.log }),
    async close() {
      await sessions.close();
      await connection.close();
    },
  };
}
