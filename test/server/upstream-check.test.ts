// `run` opens the upstream connection while it starts: a dead upstream is known (and, with
// --verbose, said) before the first request.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { normalizeBridgeOptions } from '../../src/server/bridge-options.js';
import { startBridgeServer, type BridgeServer } from '../../src/server/create-bridge-server.js';
import { closedPort } from '../helpers/closed-port.js';

let bridge: BridgeServer | undefined;
afterEach(async () => {
  await bridge?.close();
  bridge = undefined;
});


describe('the upstream check at start-up', () => {
  it('a dead upstream: one line with the fix, logged before any request', async () => {
    const port = await closedPort();
    const lines: string[] = [];
    bridge = await startBridgeServer(
      normalizeBridgeOptions({ upstream: `http://127.0.0.1:${port}/v1`, model: 'm', token: 't', provider: 'ollama', preconnect: true, log: (line) => lines.push(line) }),
    );
    const problem = `cannot reach upstream 127.0.0.1:${port}: connection refused (ECONNREFUSED) — is Ollama running? start it with \`ollama serve\`, and fetch the model with \`ollama pull gpt-oss:20b\``;
    expect(await bridge.upstreamCheck).toBe(problem);
    expect(lines).toEqual([`at start-up: ${problem}`]);
  });

  it('a live upstream: connected, nothing to say', async () => {
    const upstream = createServer((_req, res) => res.end());
    let connections = 0;
    upstream.on('connection', () => connections++);
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    try {
      bridge = await startBridgeServer(
        normalizeBridgeOptions({ upstream: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/v1`, model: 'm', token: 't', preconnect: true }),
      );
      expect(await bridge.upstreamCheck).toBeUndefined();
      await expect.poll(() => connections).toBe(1);
    } finally {
      await bridge?.close();
      bridge = undefined;
      upstream.closeAllConnections();
      await new Promise<void>((resolve) => upstream.close(() => resolve()));
    }
  });

  it('without preconnect (serve): no connection is opened', async () => {
    const upstream = createServer((_req, res) => res.end());
    let connections = 0;
    upstream.on('connection', () => connections++);
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    try {
      bridge = await startBridgeServer(normalizeBridgeOptions({ upstream: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/v1`, model: 'm', token: 't' }));
      expect(await bridge.upstreamCheck).toBeUndefined();
      expect(connections).toBe(0);
    } finally {
      await bridge?.close();
      bridge = undefined;
      await new Promise<void>((resolve) => upstream.close(() => resolve()));
    }
  });
});
