// The bridge under test, in its own process as it is in real use, built from dist/ (or from the
// build named by BENCH_DIST, for `--compare`). BENCH_MAX_RESPONSES caps its SessionStore, to tell
// what the store keeps by design from anything else that grows.
import { pathToFileURL } from 'node:url';
import { serveMemoryRequests } from './process-memory.mjs';

const dist = process.env.BENCH_DIST ? pathToFileURL(`${process.env.BENCH_DIST.replace(/\/+$/, '')}/`) : new URL('../../dist/', import.meta.url);
const { normalizeBridgeOptions } = await import(new URL('server/bridge-options.js', dist).href);
const { startBridgeServer } = await import(new URL('server/create-bridge-server.js', dist).href);

const deps = {};
if (process.env.BENCH_MAX_RESPONSES) {
  const { SessionStore } = await import(new URL('state/session-store.js', dist).href);
  deps.store = new SessionStore({ maxResponses: Number(process.env.BENCH_MAX_RESPONSES) });
}
const server = await startBridgeServer(
  normalizeBridgeOptions({
    upstream: process.env.BENCH_UPSTREAM,
    model: 'bench-model',
    token: process.env.BENCH_TOKEN,
    apiKey: process.env.BENCH_UPSTREAM_KEY,
  }),
  deps,
);
serveMemoryRequests(async () => {
  await server.close();
});
process.send({ type: 'ready', port: server.port });
