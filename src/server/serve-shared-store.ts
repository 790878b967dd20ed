import type { BridgeOptions } from './bridge-options.js';
import type { BridgeServer } from './create-bridge-server.js';
import type { StoreUrl } from '../storage/store-url.js';

// `serve --store redis://…`: the bridge with all its conversation state in the Redis that its
// replicas share (src/sessions/redis/): stored responses and conversations, chains and reasoning,
// session records with their usage. Loaded only with --store, so that nobody else pays for ioredis.

export interface SharedServeOptions {
  store: StoreUrl;
  apiKeyEnv?: string;
  /** Outage and return of the store. */
  warn: (line: string) => void;
}

/** How long start-up waits for Redis before it serves anyway (what needs the store gets 503 meanwhile). */
const FIRST_CONNECT_MS = 3_000;

export async function startSharedServe(options: BridgeOptions, shared: SharedServeOptions): Promise<BridgeServer> {
  const { startBridgeServer } = await import('./create-bridge-server.js');
  const { openSharedStore } = await import('./open-shared-store.js');
  const { withSharedRecorder } = await import('../sessions/shared-recorder.js');
  const store = openSharedStore(shared.store, { warn: shared.warn, log: options.log });
  await store.connection.waitReady(FIRST_CONNECT_MS);
  try {
    const server = await withSharedRecorder(
      { upstream: options.upstream, provider: options.provider, apiKeyEnv: shared.apiKeyEnv, warn: shared.warn },
      { backend: store.sessions, memory: store.memory },
      (deps) => startBridgeServer(options, { ...deps, state: store.state }),
    );
    const closeServer = server.close.bind(server);
    return Object.assign(server, {
      async close() {
        try {
          await closeServer();
        } finally {
          await store.close();
        }
      },
    });
  } catch (error) {
    await store.close();
    throw error;
  }
}
