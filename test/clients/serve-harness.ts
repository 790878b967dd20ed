// `codex-bridge serve` (startServe, what the command runs: session recorder included) in front of a
// strict mock chat upstream, for driving the bridge with the real client libraries.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach } from 'vitest';
import { startServe, type ServeFlags } from '../../src/server/start-serve.js';
import { startMockUpstream, type MockUpstream, type MockUpstreamOptions } from '../helpers/mock-upstream.js';

export const SERVE_TOKEN = 'serve-client-test-token-0123456789';
const UPSTREAM_KEY = 'sk-mock-upstream-key-for-clients';

export interface ServeHarness {
  /** http://127.0.0.1:PORT/v1 */
  url: string;
  token: string;
  upstream: MockUpstream;
  /** serve's --verbose lines. */
  log: string[];
  close(): Promise<void>;
}

export async function startServeWithMock(mock: MockUpstreamOptions, flags: Partial<ServeFlags> = {}): Promise<ServeHarness> {
  const home = mkdtempSync(path.join(os.tmpdir(), 'bridge-clients-'));
  const upstream = await startMockUpstream({ apiKey: UPSTREAM_KEY, ...mock });
  const log: string[] = [];
  const running = await startServe(
    { upstream: upstream.url, model: 'mock-model', apiKeyEnv: 'MOCK_UPSTREAM_KEY', port: 0, verbose: true, ...flags },
    {
      env: { MOCK_UPSTREAM_KEY: UPSTREAM_KEY, CODEX_BRIDGE_HOME: home, CODEX_BRIDGE_TOKEN: SERVE_TOKEN },
      out: () => {},
      err: (line) => log.push(line),
    },
  );
  return {
    url: running.url,
    token: running.token,
    upstream,
    log,
    async close() {
      await running.close();
      await upstream.close();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/** `startServeWithMock` for the tests of the enclosing describe; each one is closed after its test. */
export function servePerTest(): (...args: Parameters<typeof startServeWithMock>) => Promise<ServeHarness> {
  let harness: ServeHarness | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });
  return async (...args) => (harness = await startServeWithMock(...args));
}
