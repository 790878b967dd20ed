import type { ChatUsage, ResponsesUsage } from './types.js';

// Capped so that a broken upstream's 1e21 (JSON "1e+21") or 2^64 never reaches Codex, which parses integers.
const count = (value: unknown): number =>
  typeof value === 'number' && Number.isFinite(value) && value > 0 ? Math.min(Math.floor(value), Number.MAX_SAFE_INTEGER) : 0;

/**
 * Chat usage → Responses usage, in the exact shape Codex parses (a wrong shape is a retry loop).
 * `reasoningSeparate`: the provider counts reasoning_tokens outside completion_tokens (xAI), so
 * the output is their sum.
 */
export function convertChatUsage(usage: ChatUsage | null | undefined, { reasoningSeparate = false }: { reasoningSeparate?: boolean } = {}): ResponsesUsage {
  const input = count(usage?.prompt_tokens);
  const completion = count(usage?.completion_tokens);
  const output = reasoningSeparate ? Math.min(completion + count(usage?.completion_tokens_details?.reasoning_tokens), Number.MAX_SAFE_INTEGER) : completion;
  const cached = count(usage?.prompt_tokens_details?.cached_tokens) || count(usage?.prompt_cache_hit_tokens);
  return {
    input_tokens: input,
    output_tokens: output,
    total_tokens: count(usage?.total_tokens) || Math.min(input + output, Number.MAX_SAFE_INTEGER),
    input_tokens_details: { cached_tokens: Math.min(cached, input) },
    output_tokens_details: { reasoning_tokens: Math.min(count(usage?.completion_tokens_details?.reasoning_tokens), output) },
  };
}
