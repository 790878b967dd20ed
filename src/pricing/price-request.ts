import { createRequire } from 'node:module';
import type * as GenaiPrices from '@pydantic/genai-prices';

// What one request cost, in USD, from @pydantic/genai-prices (a maintained price database bundled
// with the package: no network). Priced once per request, when it completes, because prices
// depend on the request itself: several providers charge a higher rate for every token of a long
// prompt (tiers at 128k, 200k, 256k input tokens), and DeepSeek charges less at night (UTC). Summed
// tokens priced later would land in the wrong tier.
//
// The provider is found from the upstream URL only. An upstream the database does not know (a
// local server, a proxy, a region it lacks) has no price: null, never the price of a model with a
// similar name elsewhere. So is a model the provider's list does not have.

export interface RequestTokens {
  /** All input tokens, the cached ones included (Responses API usage). */
  inputTokens: number;
  cachedTokens: number;
  /** All output tokens, the reasoning ones included. */
  outputTokens: number;
}

type Prices = typeof GenaiPrices;

/** The CommonJS build, loaded on first use: synchronous (an exit handler may price), ~40 ms once. */
let loaded: Prices | undefined;
function prices(): Prices {
  return (loaded ??= createRequire(import.meta.url)('@pydantic/genai-prices') as Prices);
}

/** How long after the bridge is up the database is loaded: past the start of the command `run` spawns, which it would slow down (2 cores). */
const PRELOAD_DELAY_MS = 1_000;

/** A server on this machine: never in the database, so never worth loading it for. */
function isLocal(upstreamUrl: string): boolean {
  try {
    const host = new URL(upstreamUrl).hostname.replace(/^\[|\]$/g, '');
    return host === 'localhost' || host === '::1' || host === '0.0.0.0' || host.startsWith('127.');
  } catch {
    return true;
  }
}

/**
 * Loads the database a moment after the bridge is up, so that the first priced request does not
 * wait for it (a request that comes sooner loads it itself). Nothing for a local upstream.
 */
export function preloadPrices(upstreamUrl: string): void {
  if (isLocal(upstreamUrl)) return;
  setTimeout(() => {
    try {
      prices();
    } catch {
      // priceRequest will say null
    }
  }, PRELOAD_DELAY_MS).unref();
}

const providerByUrl = new Map<string, string | null>();

/** The database's provider id for an upstream base URL, or null. */
export function pricedProviderOf(upstreamUrl: string): string | null {
  let id = providerByUrl.get(upstreamUrl);
  if (id === undefined && isLocal(upstreamUrl)) id = null;
  if (id === undefined) {
    try {
      id = prices().findProvider({ providerApiUrl: upstreamUrl })?.id ?? null;
    } catch {
      id = null;
    }
    providerByUrl.set(upstreamUrl, id);
  }
  return id;
}

/** The request's cost in USD, or null when the upstream or the model has no known price. */
export function priceRequest(upstreamUrl: string | undefined, model: string, tokens: RequestTokens, at: Date): number | null {
  if (!upstreamUrl || !model) return null;
  const providerId = pricedProviderOf(upstreamUrl);
  if (!providerId) return null;
  try {
    const result = prices().calcPrice(
      {
        input_tokens: tokens.inputTokens,
        cache_read_tokens: Math.min(tokens.cachedTokens, tokens.inputTokens),
        output_tokens: tokens.outputTokens,
      },
      model,
      { providerId, timestamp: at },
    );
    return result && Number.isFinite(result.total_price) ? result.total_price : null;
  } catch {
    return null;
  }
}
