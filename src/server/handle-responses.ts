import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BridgeOptions } from './bridge-options.js';
import type { UpstreamClient } from './upstream-types.js';
import type { SessionStore } from '../sessions/session-store.js';

export interface ResponsesHandlerDeps {
  options: BridgeOptions;
  upstream: UpstreamClient;
  store: SessionStore;
}

/**
 * POST /v1/responses, after auth and body decoding. `body` is the parsed JSON (any shape).
 * Owns the whole reply: JSON errors, SSE or a blocking JSON response.
 * (Work in progress: being written alongside the translators.)
 */
export async function handleResponses(
  _req: IncomingMessage,
  res: ServerResponse,
  _body: unknown,
  _deps: ResponsesHandlerDeps,
): Promise<void> {
  res.writeHead(501, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error: { message: 'not implemented yet', type: 'server_error', code: 'not_implemented' } }));
}
