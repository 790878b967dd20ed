import type { ChatChunk, ChatRequest } from '../translate/types.js';
import type { ConnectionFailure } from './describe-connection-error.js';

/** What arrives from an upstream SSE stream, one event at a time. */
export type UpstreamStreamEvent =
  | { type: 'chunk'; chunk: ChatChunk }
  /** `data:` that is not JSON. The translator decides whether it matters. */
  | { type: 'malformed'; data: string }
  | { type: 'done' };

export type UpstreamReply =
  /**
   * 2xx to a stream:true request: the events of each network read together (a fast upstream packs
   * hundreds of chunks into one read, and each is then handled without a turn of the event loop).
   * Iteration ends at EOF; it throws if the connection breaks.
   */
  | { kind: 'stream'; status: number; batches: AsyncIterable<readonly UpstreamStreamEvent[]> }
  /** 2xx to a stream:false request. */
  | { kind: 'json'; status: number; body: unknown }
  /** Non-2xx after the bounded retries. `bodyText` is capped and may echo the request. */
  | { kind: 'error'; status: number; bodyText: string; retryAfterMs?: number };

export interface UpstreamCallOptions {
  signal: AbortSignal;
  /** Called before each retry, for --verbose logging. */
  onRetry?: (info: { attempt: number; status?: number; delayMs: number; reason: string }) => void;
  /** Retries of this call, instead of the bridge's maxRetries (0 when the client is retrying itself). */
  maxRetries?: number;
}

/** Why a connection opened ahead of the first request could not be opened. */
export type PreconnectFailure = ConnectionFailure & { host: string };

export interface UpstreamClient {
  /** POST {upstream}/chat/completions. Throws UpstreamConnectionError when unreachable. */
  chat(body: ChatRequest, options: UpstreamCallOptions): Promise<UpstreamReply>;
  /** Opens a connection ahead of the first request; resolves with the failure if it cannot. */
  preconnect?(): Promise<PreconnectFailure | undefined>;
  close(): Promise<void>;
}

/** The upstream could not be reached at all (DNS, refused, TLS, timeout). Message names the host. */
export class UpstreamConnectionError extends Error {
  override name = 'UpstreamConnectionError';
  constructor(
    message: string,
    /** What failed, when it is known; without it the failure counts as one that may heal. */
    readonly failure?: ConnectionFailure,
  ) {
    super(message);
  }
}
