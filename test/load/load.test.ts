// Load through the server as `serve` runs it: 200 concurrent streamed requests all complete with
// bounded memory, and a few seconds of the nightly soak (`npm run soak`, test/soak/soak.mjs) run in
// every CI pass so the driver itself stays working.
import { Agent } from 'node:http';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startBridgeServer, type BridgeServer } from '../../src/server/create-bridge-server.js';
import { normalizeBridgeOptions } from '../../src/server/bridge-options.js';
// @ts-expect-error plain JavaScript, shared with the soak script
import { runWave, soak, startStreamingUpstream } from '../soak/load-core.mjs';

const TOKEN = 'load-token-0123456789abcdef';
const MiB = 1024 * 1024;

let bridge: BridgeServer | undefined;
let upstream: Awaited<ReturnType<typeof startStreamingUpstream>> | undefined;
let agent: Agent | undefined;
afterEach(async () => {
  agent?.destroy();
  await bridge?.close();
  await upstream?.close();
  agent = undefined;
  bridge = undefined;
  upstream = undefined;
});

describe('load through serve', () => {
  it('200 concurrent streamed requests: all complete, no errors, RSS growth under 150 MB, no upstream socket left', async () => {
    upstream = await startStreamingUpstream({ deltas: 40, frameDelayMs: 10 });
    bridge = await startBridgeServer(normalizeBridgeOptions({ upstream: upstream.url, model: 'load-model', token: TOKEN, apiKey: 'sk-load-key-0123456789' }));
    agent = new Agent({ keepAlive: false, maxSockets: Infinity });

    // Warm up (JIT, the upstream pool), then measure one burst of 200.
    const warm = await runWave({ port: bridge.port, token: TOKEN, concurrency: 20, agent });
    expect(warm.errors).toEqual([]);
    const before = process.memoryUsage().rss;
    const burst = await runWave({ port: bridge.port, token: TOKEN, concurrency: 200, agent, timeoutMs: 90_000 });
    const grownMb = (process.memoryUsage().rss - before) / MiB;

    expect(burst.errors).toEqual([]);
    expect(burst.completed).toBe(200);
    expect(upstream!.stats.completed).toBe(220);
    expect(upstream!.stats.abandoned).toBe(0);
    // A sanity bound (the whole test process, clients included), not a benchmark.
    expect(grownMb).toBeLessThan(150);

    await bridge.close();
    // The upstream sees the pool's sockets close a moment later. Well under the upstream's own 5 s
    // keep-alive timeout, which would close a leaked idle socket too.
    const up = upstream!;
    await vi.waitFor(() => expect(up.openSockets()).toBe(0), { timeout: 2_000 });
  }, 120_000);

  it('the soak driver, for a few seconds: no failed request, RSS does not run away', async () => {
    const result = await soak({ startBridgeServer, normalizeBridgeOptions, durationMs: Number(process.env.SOAK_CI_MS ?? 4_000), concurrency: 20, deltas: 10, frameDelayMs: 2 });
    expect(result.errors).toEqual([]);
    expect(result.failed).toBe(0);
    expect(result.waves).toBeGreaterThan(3);
    expect(result.upstreamAbandoned).toBe(0);
    expect(result.rssGrowthMb).toBeLessThan(100);
  }, 60_000);
});
