// `serve` as the store bench runs it, in its own process with serve's wiring: with BENCH_STORE
// (redis://…) the shared store (startSharedServe: state, chains, reasoning and session records in
// Redis), else the local state (memory, and sessions.json in BENCH_HOME) through the recorder.
import { pathToFileURL } from 'node:url';
import { serveMemoryRequests } from './process-memory.mjs';

const dist = process.env.BENCH_DIST ? pathToFileURL(`${process.env.BENCH_DIST.replace(/\/+$/, '')}/`) : new URL('../../dist/', import.meta.url);
const { normalizeBridgeOptions } = await import(new URL('server/bridge-options.js', dist).href);
const options = normalizeBridgeOptions({
  upstream: process.env.BENCH_UPSTREAM,
  model: 'bench-model',
  token: process.env.BENCH_TOKEN,
  apiKey: process.env.BENCH_UPSTREAM_KEY,
});

let server;
if (process.env.BENCH_STORE) {
  const { parseStoreUrl } = await import(new URL('storage/store-url.js', dist).href);
  const { startSharedServe } = await import(new URL('server/serve-shared-store.js', dist).href);
  server = await startSharedServe(options, { store: parseStoreUrl(process.env.BENCH_STORE), warn: (line) => process.stderr.write(`bench serve: ${line}\n`) });
} else {
  const { startBridgeServer } = await import(new URL('server/create-bridge-server.js', dist).href);
  const { withSessionRecorder } = await import(new URL('sessions/session-recorder.js', dist).href);
  server = await withSessionRecorder({ upstream: options.upstream, env: { CODEX_BRIDGE_HOME: process.env.BENCH_HOME } }, (deps) => startBridgeServer(options, deps));
}
serveMemoryRequests(async () => {
  await server.close();
});
process.send({ type: 'ready', port: server.port });
