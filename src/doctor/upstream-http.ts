import { Agent, request, type Dispatcher } from 'undici';
import { describeConnectionError, type ConnectionFailureKind } from '../server/describe-connection-error.js';

// The few HTTP calls doctor makes to the upstream, on its own connection pool (closed afterwards so
// the process can exit), with a timeout on each, and the key only ever in the Authorization header.

export interface UpstreamHttp {
  /** `withoutKey`: the same request with no Authorization header (does the answer depend on the key?). */
  get(path: string, options?: { withoutKey?: boolean }): Promise<HttpAnswer>;
  post(path: string, body: unknown): Promise<HttpAnswer>;
  close(): Promise<void>;
}

export interface HttpAnswer {
  status: number;
  contentType: string;
  /** The body, for JSON and errors (capped at 1 MB). */
  text: () => Promise<string>;
  /** The raw body stream, for SSE. */
  body: Dispatcher.ResponseData['body'];
}

export class UpstreamRequestError extends Error {
  constructor(
    readonly reason: string,
    readonly code?: string,
    /** What kind of failure, for the fix: a refused connection and an upstream that went silent differ. */
    readonly kind: ConnectionFailureKind = 'other',
  ) {
    super(reason);
  }
}

const TEXT_CAP = 1024 * 1024;

export function createUpstreamHttp(baseUrl: string, apiKey: string | undefined, timeoutMs: number): UpstreamHttp {
  const agent = new Agent({ connect: { timeout: timeoutMs }, headersTimeout: timeoutMs, bodyTimeout: timeoutMs, keepAliveTimeout: 1_000 });
  const base = baseUrl.replace(/\/+$/, '');
  const headers = (get: boolean, withKey: boolean): Record<string, string> => ({
    accept: get ? 'application/json' : 'text/event-stream, application/json',
    'user-agent': 'codex-bridge-doctor',
    ...(get ? {} : { 'content-type': 'application/json' }),
    ...(apiKey && withKey ? { authorization: `Bearer ${apiKey}` } : {}),
  });
  const send = async (method: 'GET' | 'POST', path: string, body?: unknown, withKey = true): Promise<HttpAnswer> => {
    let response: Dispatcher.ResponseData;
    try {
      response = await request(`${base}${path}`, {
        method,
        dispatcher: agent,
        headers: headers(method === 'GET', withKey),
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs * 6),
      });
    } catch (error) {
      const failure = describeConnectionError(error, timeoutMs);
      throw new UpstreamRequestError(failure.reason, failure.code, failure.kind);
    }
    const contentType = String(response.headers['content-type'] ?? '');
    return {
      status: response.statusCode,
      contentType,
      body: response.body,
      text: async () => {
        let text = '';
        let size = 0;
        try {
          for await (const chunk of response.body as AsyncIterable<Buffer>) {
            size += chunk.length;
            if (size > TEXT_CAP) break;
            text += chunk.toString('utf8');
          }
        } catch (error) {
          const failure = describeConnectionError(error, timeoutMs);
          throw new UpstreamRequestError(failure.reason, failure.code, failure.kind);
        } finally {
          if (!response.body.destroyed) response.body.destroy();
        }
        return text;
      },
    };
  };
  return {
    get: (path, options) => send('GET', path, undefined, !options?.withoutKey),
    post: (path, body) => send('POST', path, body),
    close: () => agent.destroy(),
  };
}
