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

/**
 * Loads the database on a later turn of the event loop, so that the first priced request does not
 * pay for it: `run` and `serve` call this once the bridge is up, while Codex starts.
 */
export function preloadPrices(): void {
  setImmediate(() => {
    try {
      prices();
    } catch {
      // priceRequest will say null
    }
  }).unref();
}

const providerByUrl = new Map<string, string | null>();

/** The database's provider id for an upstream base URL, or null. */
export function pricedProviderOf(upstreamUrl: string): string | null {
  let id = providerByUrl.get(upstreamUrl);
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
