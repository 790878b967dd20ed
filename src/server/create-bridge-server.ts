import { createServer, type IncomingMessage, type ServerOptions, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { BridgeOptions } from './bridge-options.js';
import { clientNameOf, guardClient } from './guard-request.js';
import { parseJsonBody } from './parse-json-body.js';
import { readRequestBody, type ReadBodyOptions } from './read-request-body.js';
import { formatRequestReport, getRequestReport, HttpError, reportRequest, sendHttpError, sendJson } from './send-json.js';
import { createUpstreamClient } from './upstream-client.js';
import { makeSecretRedactor } from './redact-secrets.js';
import type { PreconnectFailure, UpstreamClient } from './upstream-types.js';
import type { ResponseRecord } from '../sessions/response-record.js';
import { SessionStore, type ConversationMemory } from '../state/session-store.js';
import { StoreUnavailableError } from '../storage/store-unavailable.js';
import { MemoryStateStore } from '../state/memory-state-store.js';
import type { ResponsesStateStore } from '../state/responses-state-store.js';
import { handleStoredState, type StoredStateRoute } from './handle-stored-state.js';

// The bridge's HTTP server: routing, the Host/Origin/token guard, body decoding, JSON errors and
// one --verbose line per request. The Responses translation itself lives in handleResponses.
//
//   GET  /healthz                  {"ok":true}, no token needed
//   GET  /v1/models                OpenAI list of the configured model
//   GET  /v1/models/{id}           that model, or 404
//   POST /v1/responses             → handleResponses
//   /v1/responses/{id}[/input_items], /v1/conversations[/{id}[/items[/{item}]]] → handleStoredState
// The same paths work without the /v1 prefix, since clients disagree on whether it is part of
// the base URL.

export interface BridgeServerDeps {
  /** previous_response_id chains and the reasoning side channel. Default: a SessionStore in this process. */
  store?: ConversationMemory;
  /** Stored responses, conversations, items by id. Default: in this process's memory. */
  state?: ResponsesStateStore;
  /** Default: an undici pool to options.upstream, created here and closed by close(). */
  upstream?: UpstreamClient;
  /** Told about every finished /v1/responses request (passed to handleResponses). */
  onResponse?: (record: ResponseRecord) => void;
}

export interface BridgeServer {
  /** Base URL for clients, e.g. http://127.0.0.1:54321/v1 */
  url: string;
  port: number;
  /** The host the server is bound to. */
  host: string;
  /**
   * The connection to the upstream opened right after start-up, ahead of the first request:
   * resolves with why it could not be opened (one line, with the fix), or undefined.
   */
  upstreamCheck?: Promise<string | undefined>;
  /** Stop accepting, drop open connections (aborting their upstream calls), close the upstream pool. */
  close(): Promise<void>;
}

/** A failed pre-connect as one line: what happened and what to do. */
async function preconnectProblem(failure: PreconnectFailure, options: BridgeOptions): Promise<string> {
  // Loaded only now: it reads every provider's quirk profile, which start-up need not pay for.
  const { connectionFix } = await import('./upstream-fix.js');
  return `cannot reach upstream ${failure.host}: ${failure.reason}${failure.code ? ` (${failure.code})` : ''} — ${connectionFix(failure, options)}`;
}

type Route = '/healthz' | '/models' | '/responses' | { model: string } | undefined;

function routeOf(pathname: string): Route | StoredStateRoute {
  let path = pathname.replace(/\/+$/, '') || '/';
  if (path === '/v1' || path.startsWith('/v1/')) path = path.slice(3) || '/';
  if (path === '/healthz' || path === '/models' || path === '/responses') return path;
  const stored = /^\/(responses|conversations)(?:\/(.+))?$/.exec(path);
  if (stored && (stored[1] === 'conversations' || stored[2] !== undefined)) {
    try {
      return { kind: stored[1] as StoredStateRoute['kind'], rest: stored[2]?.split('/').map(decodeURIComponent) ?? [] };
    } catch {
      return undefined;
    }
  }
  const model = /^\/models\/(.+)$/.exec(path);
  if (model) {
    try {
      return { model: decodeURIComponent(model[1]) };
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** Segments of plain characters: the URL parser would give the same path back (and costs ~30 µs). */
const PLAIN_PATH = /^(?:\/[A-Za-z0-9_-]+)*\/?$/;

/** The path of a request target, as the URL parser reads it; '/' if it cannot. */
export function pathnameOf(target: string): string {
  if (PLAIN_PATH.test(target)) return target;
  try {
    return new URL(target, 'http://bridge').pathname;
  } catch {
    return '/'; // an unparsable request target: routed nowhere, answered 404
  }
}

function methodNotAllowed(method: string, allowed: string[]): HttpError {
  return new HttpError(405, `method ${method} is not allowed here; use ${allowed.join(' or ')}`, {
    code: 'method_not_allowed',
    headers: { allow: allowed.join(', ') },
  });
}

/**
 * The Responses handler and the translators behind it (a score of modules): loaded once the server
 * listens, in a later turn of the event loop, so that `run` spawns its command first; a request
 * that comes sooner waits for it.
 */
let responsesModule: Promise<typeof import('./handle-responses.js')> | undefined;
let handleResponses: (typeof import('./handle-responses.js'))['handleResponses'] | undefined;
function loadResponsesHandler(): Promise<typeof import('./handle-responses.js')> {
  return (responsesModule ??= import('./handle-responses.js').then((loaded) => {
    handleResponses = loaded.handleResponses;
    return loaded;
  }));
}

/** Host part of a URL for `host`; wildcard binds are reached through loopback. */
function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::' || host === '[::]') return '[::1]';
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/**
 * What a client must keep to, as a gateway (nginx, Envoy) bounds it: headers within a bound (a
 * connection that trickles them, slowloris, is closed), and an idle keep-alive connection closed
 * after a bound longer than a proxy's pool keeps one (nginx's upstream keepalive_timeout, 60 s), so
 * the proxy always closes first. No bound on the whole request or on a quiet socket: a 64 MB upload
 * on a slow link and a blocking answer the model thinks over for minutes are both legitimate (the
 * body has its own bound between two reads, readRequestBody's; streams send keep-alives).
 */
function serverTimeouts(options: BridgeOptions): ServerOptions {
  return {
    headersTimeout: options.requestHeadersTimeoutMs,
    requestTimeout: 0, // Node's default, 5 minutes for the whole request, would cut a slow upload
    keepAliveTimeout: options.connectionIdleTimeoutMs,
    // How often Node looks for requests past the headers bound (its default, 30 s, would triple it).
    connectionsCheckingInterval: Math.min(1000, Math.max(50, Math.floor(options.requestHeadersTimeoutMs / 4))),
  };
}

export async function startBridgeServer(options: BridgeOptions, deps: BridgeServerDeps = {}): Promise<BridgeServer> {
  const store: ConversationMemory = deps.store ?? new SessionStore();
  const state = deps.state ?? new MemoryStateStore();
  const ownsUpstream = deps.upstream === undefined;
  const upstream = deps.upstream ?? createUpstreamClient(options);
  const clean = makeSecretRedactor(options.apiKey, options.token);
  const createdAt = Math.floor(Date.now() / 1000);
  const modelObject = (id: string) => ({ id, object: 'model', created: createdAt, owned_by: 'codex-bridge' });
  const bodyLimits: ReadBodyOptions = { maxBodyBytes: options.maxBodyBytes, idleTimeoutMs: options.requestBodyIdleTimeoutMs };

  /** With named clients (--tokens), each sees only what it created: its own view of every store. */
  const statesOf = (req: IncomingMessage) => {
    const client = clientNameOf(req);
    return { store: store.forClient(client), state: state.forClient(client) };
  };

  async function handle(req: IncomingMessage, res: ServerResponse, route: Route | StoredStateRoute, method: string, pathname: string): Promise<void> {
    guardClient(req, route === '/healthz' ? '/healthz' : pathname, { token: options.token, boundHost: options.host, clients: options.clients });

    if (route === '/healthz') {
      if (method !== 'GET' && method !== 'HEAD') throw methodNotAllowed(method, ['GET']);
      sendJson(res, 200, { ok: true });
      return;
    }
    if (route === '/models') {
      if (method !== 'GET') throw methodNotAllowed(method, ['GET']);
      sendJson(res, 200, { object: 'list', data: [modelObject(options.model)] });
      return;
    }
    if (typeof route === 'object' && 'kind' in route) {
      await handleStoredState(req, res, route, method, { ...statesOf(req), body: bodyLimits });
      return;
    }
    if (typeof route === 'object') {
      if (method !== 'GET') throw methodNotAllowed(method, ['GET']);
      if (route.model !== options.model) {
        throw new HttpError(404, `model "${route.model}" is not served by this bridge (it serves "${options.model}")`, { code: 'model_not_found' });
      }
      sendJson(res, 200, modelObject(options.model));
      return;
    }
    if (route === '/responses') {
      if (method !== 'POST') throw methodNotAllowed(method, ['POST']);
      const body = parseJsonBody(await readRequestBody(req, bodyLimits));
      const requested = body && typeof body === 'object' ? (body as { model?: unknown }).model : undefined;
      reportRequest(res, { model: typeof requested === 'string' && requested !== '' ? requested : options.model });
      // The handler adds tokens and the final model to the report itself (reportRequest).
      const handler = handleResponses ?? (await loadResponsesHandler()).handleResponses;
      await handler(req, res, body, { options, upstream, ...statesOf(req), onResponse: deps.onResponse });
      return;
    }
    throw new HttpError(404, `no route for ${method} ${pathname}; the bridge serves /v1/responses, /v1/conversations, GET /v1/models and GET /healthz`, {
      code: 'not_found',
    });
  }

  const server = createServer(serverTimeouts(options), (req, res) => {
    const started = performance.now();
    const method = req.method ?? 'GET';
    const pathname = pathnameOf(req.url ?? '/');
    const route = routeOf(pathname);

    if (options.log) {
      const log = options.log;
      res.once('close', () => {
        const report = getRequestReport(res);
        const ms = Math.round(performance.now() - started);
        const model = report.model ? ` model=${report.model}` : '';
        const client = clientNameOf(req);
        const gone = res.writableFinished ? '' : ' (client went away)';
        const extra = formatRequestReport(report);
        // The model name comes from the request body: keep it from forging extra log lines.
        const line = `${method} ${pathname}${model}${client ? ` client=${client}` : ''} status=${res.statusCode} ${ms}ms${extra ? ` ${extra}` : ''}${gone}`;
        log(clean(line.replace(/[\u0000-\u001f\u007f]/g, '?')));
      });
    }

    handle(req, res, route, method, pathname).catch((error: unknown) => {
      if (error instanceof HttpError) {
        sendHttpError(res, error);
        return;
      }
      if (error instanceof StoreUnavailableError) {
        sendHttpError(res, new HttpError(503, error.message, { type: 'server_error', code: 'store_unavailable', headers: { 'retry-after': '5' } }));
        return;
      }
      const message = clean(error instanceof Error ? error.message : String(error));
      options.log?.(`internal error on ${method} ${pathname}: ${message}`);
      sendHttpError(res, new HttpError(500, `internal error in codex-bridge: ${message}`, { type: 'server_error', code: 'internal_error' }));
    });
  });

  // Requests node cannot parse (bad framing, a body cut short of its Content-Length, header
  // overflow, timeouts) get a JSON error too, instead of node's bare status line.
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    const pending = (socket as Socket & { _httpMessage?: ServerResponse })._httpMessage;
    if (error.code === 'ECONNRESET' || !socket.writable || pending?.headersSent) {
      socket.destroy();
      return;
    }
    const [status, text, code] =
      error.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'Request Header Fields Too Large', 'headers_too_large']
        : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? [408, 'Request Timeout', 'request_timeout']
          : [400, 'Bad Request', 'bad_request'];
    const message =
      error.code === 'HPE_INVALID_EOF_STATE'
        ? 'connection closed before the request was complete (the body is shorter than its Content-Length)'
        : status === 400
          ? `malformed HTTP request (${error.code ?? error.message})`
          : status === 408
            ? `the request headers did not arrive within ${options.requestHeadersTimeoutMs / 1000} s`
            : text.toLowerCase();
    const body = JSON.stringify({ error: { message, type: 'invalid_request_error', code } });
    socket.end(
      `HTTP/1.1 ${status} ${text}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    );
    socket.destroySoon();
  });

  try {
    await new Promise<void>((resolve, reject) => {
      const onError = (error: Error) => reject(error);
      server.once('error', onError);
      server.listen(options.port, options.host, () => {
        server.off('error', onError);
        resolve();
      });
    });
  } catch (error) {
    if (ownsUpstream) await upstream.close();
    throw error;
  }
  server.on('error', (error) => options.log?.(`server error: ${clean(error.message)}`));
  setImmediate(() => void loadResponsesHandler().catch(() => {})).unref();
  // Like the handler, in a later turn: `run` spawns its command first.
  const upstreamCheck = new Promise<PreconnectFailure | undefined>((resolve) =>
    setImmediate(() => resolve(options.preconnect ? upstream.preconnect?.() : undefined)).unref(),
  )
    .catch(() => undefined)
    .then(async (failure) => {
      if (!failure) return undefined;
      const line = clean(await preconnectProblem(failure, options));
      options.log?.(`at start-up: ${line}`);
      return line;
    });

  const address = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${urlHost(options.host)}:${address.port}/v1`,
    port: address.port,
    host: options.host,
    upstreamCheck,
    close() {
      closing ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        // Idle keep-alive sockets and in-flight streams alike: the bridge is going away, and
        // dropping a stream aborts its upstream request through the handler's close listener.
        server.closeAllConnections();
        await closed;
        if (ownsUpstream) await upstream.close();
      })();
      return closing;
    },
  };
}
