import { describe, expect, it } from 'vitest';
import { convertChatUsage } from './convert-chat-usage.js';

describe('convertChatUsage', () => {
  it('maps OpenAI-style details', () => {
    expect(convertChatUsage({ prompt_tokens: 100, completion_tokens: 20, total_tokens: 120, prompt_tokens_details: { cached_tokens: 60 }, completion_tokens_details: { reasoning_tokens: 5 } })).toEqual({
      input_tokens: 100,
      output_tokens: 20,
      total_tokens: 120,
      input_tokens_details: { cached_tokens: 60 },
      output_tokens_details: { reasoning_tokens: 5 },
    });
  });
  it('adds reasoning tokens to the output where the provider counts them apart (xAI)', () => {
    const xai = { prompt_tokens: 300, completion_tokens: 5, total_tokens: 320, completion_tokens_details: { reasoning_tokens: 15 } };
    expect(convertChatUsage(xai, { reasoningSeparate: true })).toMatchObject({ output_tokens: 20, total_tokens: 320, output_tokens_details: { reasoning_tokens: 15 } });
    expect(convertChatUsage(xai)).toMatchObject({ output_tokens: 5, output_tokens_details: { reasoning_tokens: 5 } });
  });
  it("reads DeepSeek's prompt_cache_hit_tokens and fills a missing total", () => {
    expect(convertChatUsage({ prompt_tokens: 10, completion_tokens: 2, prompt_cache_hit_tokens: 8 })).toMatchObject({ total_tokens: 12, input_tokens_details: { cached_tokens: 8 } });
  });
  it('always returns integers, even for missing or nonsense usage (a wrong shape makes Codex loop)', () => {
    expect(convertChatUsage(undefined)).toEqual({ input_tokens: 0, output_tokens: 0, total_tokens: 0, input_tokens_details: { cached_tokens: 0 }, output_tokens_details: { reasoning_tokens: 0 } });
    expect(convertChatUsage({ prompt_tokens: -3, completion_tokens: 2.7, prompt_tokens_details: { cached_tokens: 99 } } as never)).toMatchObject({ input_tokens: 0, output_tokens: 2, input_tokens_details: { cached_tokens: 0 } });
  });
});
