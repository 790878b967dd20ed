// Every knob of the bridge server, normalised in one place. The CLI commands (`serve`, `run`) build
// raw options from flags/env; `normalizeBridgeOptions` fills defaults and validates.

import type { ProviderQuirks } from '../translate/provider-quirks.js';
import type { ClientToken } from './client-tokens.js';

export interface BridgeOptions {
  /** Chat Completions base URL, e.g. https://api.deepseek.com/v1 (no trailing slash). */
  upstream: string;
  /** Default model id, also listed by GET /v1/models. */
  model: string;
  /** Upstream API key. Never logged, never written anywhere. */
  apiKey?: string;
  /** The name of the variable the key came from, for messages about it (never the key). */
  apiKeyEnv?: string;
  /** Bearer token clients must present. */
  token: string;
  host: string;
  /** 0 = random free port. */
  port: number;
  /** Send a JSON keep-alive event when the upstream has been silent this long. */
  keepAliveMs: number;
  /** Give up on an upstream that sends nothing for this long (keep-alives are sent meanwhile). */
  upstreamIdleTimeoutMs: number;
  /** With a log: a line this often while the upstream keeps silent. */
  waitingNoticeMs: number;
  /**
   * Open a connection to the upstream right after start-up (`run`): a dead upstream is known before
   * the first request, and that request saves the handshake.
   */
  preconnect: boolean;
  /** Retries of a 429 / 5xx / connection error before the stream starts. */
  maxRetries: number;
  /** Upper bound on one wait between retries, whatever Retry-After says. */
  maxRetryDelayMs: number;
  /** Largest accepted request body, compressed or decoded. */
  maxBodyBytes: number;
  /**
   * The bounds a client must keep to (README, "Timeouts"); internal, set by tests to run in seconds.
   * Request headers complete within this long of the request's first byte (of the connection's
   * opening, for its first request): a connection that trickles them (slowloris) is closed.
   */
  requestHeadersTimeoutMs: number;
  /** A request body that sends nothing for this long is answered 408 and its connection closed. */
  requestBodyIdleTimeoutMs: number;
  /** A keep-alive connection with no request in progress is closed after this long. */
  connectionIdleTimeoutMs: number;
  /** One line per request (method, model, status, ms, tokens). Never given secrets. */
  log?: (line: string) => void;
  /** Provider preset id (deepseek, kimi, …): picks the quirk profile. Unset: matched by upstream host. */
  provider?: string;
  /** Quirk switches forced on top of the provider's profile (`--quirk name=value`). */
  quirks?: Partial<ProviderQuirks>;
  /** Named clients, each with its own token (`serve --tokens`), accepted instead of `token`. */
  clients?: ClientToken[];
}

export const DEFAULTS = {
  host: '127.0.0.1',
  port: 0,
  keepAliveMs: 15_000,
  upstreamIdleTimeoutMs: 600_000,
  waitingNoticeMs: 30_000,
  preconnect: false,
  maxRetries: 3,
  maxRetryDelayMs: 8_000,
  maxBodyBytes: 64 * 1024 * 1024,
  requestHeadersTimeoutMs: 10_000,
  requestBodyIdleTimeoutMs: 60_000,
  connectionIdleTimeoutMs: 75_000,
} as const;

export type RawBridgeOptions = Partial<BridgeOptions> & Pick<BridgeOptions, 'upstream' | 'model' | 'token'>;

export class OptionsError extends Error {
  override name = 'OptionsError';
}

export function normalizeBridgeOptions(raw: RawBridgeOptions): BridgeOptions {
  let url: URL;
  try {
    url = new URL(raw.upstream);
  } catch {
    throw new OptionsError(`--upstream "${raw.upstream}" is not a URL — pass e.g. --upstream https://api.deepseek.com/v1`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new OptionsError(`--upstream must be http(s), got ${url.protocol} — pass e.g. --upstream https://api.deepseek.com/v1`);
  }
  if (!raw.model) throw new OptionsError('no model given — pass --model <id>');
  const port = raw.port ?? DEFAULTS.port;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new OptionsError(`--port must be an integer 0-65535, got ${raw.port} — leave it out for a free port`);
  }
  return {
    ...DEFAULTS,
    ...Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined)),
    upstream: url.toString().replace(/\/+$/, ''),
    port,
  } as BridgeOptions;
}
