// Starts a bridge in-process in front of a mock upstream, for integration tests.
import { afterEach } from 'vitest';
import { startBridgeServer } from '../../src/server/create-bridge-server.js';
import { normalizeBridgeOptions, type BridgeOptions } from '../../src/server/bridge-options.js';
import { SessionStore } from '../../src/state/session-store.js';
import { startMockUpstream, type MockUpstreamOptions } from '../helpers/mock-upstream.js';

export const TOKEN = 'test-token-0123456789';
export const UPSTREAM_KEY = 'sk-upstream-key-for-tests';

export async function startBridgeWithMock(mock: MockUpstreamOptions, overrides: Partial<BridgeOptions> = {}, store = new SessionStore()) {
  const upstream = await startMockUpstream({ apiKey: UPSTREAM_KEY, ...mock });
  const options = normalizeBridgeOptions({ upstream: upstream.url, model: 'mock-model', token: TOKEN, apiKey: UPSTREAM_KEY, ...overrides });
  const bridge = await startBridgeServer(options, { store });
  return {
    upstream,
    bridge,
    store,
    async close() {
      await bridge.close();
      await upstream.close();
    },
  };
}

export type BridgeHarness = Awaited<ReturnType<typeof startBridgeWithMock>>;

/** `startBridgeWithMock` for the tests of the enclosing describe; each one is closed after its test. */
export function bridgeWithMockPerTest(): (...args: Parameters<typeof startBridgeWithMock>) => Promise<BridgeHarness> {
  let harness: BridgeHarness | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });
  return async (...args) => (harness = await startBridgeWithMock(...args));
}

export interface SseEvent {
  type: string;
  [k: string]: any;
}

/** Parses an SSE body into the JSON events it carries. */
export function parseSse(text: string): SseEvent[] {
  return text
    .split(/\n\n/)
    .map((frame) => frame.split('\n').find((line) => line.startsWith('data: ')))
    .filter((line): line is string => line !== undefined && line !== 'data: [DONE]')
    .map((line) => JSON.parse(line.slice(6)));
}

export async function postResponses(url: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${url}/responses`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, events: res.headers.get('content-type')?.includes('event-stream') ? parseSse(text) : [] };
}
