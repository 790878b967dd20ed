import { describe, expect, it } from 'vitest';
import { priceRequest, pricedProviderOf } from './price-request.js';

// Prices come from @pydantic/genai-prices; these tests check how the bridge asks for them (which
// provider, which tokens count as cached, one request at a time), not the database's figures.

const at = new Date('2026-11-20T03:00:00Z');
const tokens = (inputTokens: number, cachedTokens = 0, outputTokens = 0) => ({ inputTokens, cachedTokens, outputTokens });

describe('the price of one request', () => {
  it('finds the provider from the upstream URL of each preset the database knows', () => {
    expect(pricedProviderOf('https://api.deepseek.com/v1')).toBe('deepseek');
    expect(pricedProviderOf('https://api.moonshot.ai/v1')).toBe('moonshotai');
    expect(pricedProviderOf('https://openrouter.ai/api/v1')).toBe('openrouter');
    expect(pricedProviderOf('https://api.x.ai/v1')).toBe('x-ai');
    expect(pricedProviderOf('https://generativelanguage.googleapis.com/v1beta/openai')).toBe('google');
    expect(pricedProviderOf('http://127.0.0.1:11434/v1')).toBeNull();
  });

  it('prices a known model, and cached input tokens below uncached ones', () => {
    const plain = priceRequest('https://api.deepseek.com/v1', 'deepseek-chat', tokens(1_000_000), at)!;
    const cached = priceRequest('https://api.deepseek.com/v1', 'deepseek-chat', tokens(1_000_000, 900_000), at)!;
    expect(plain).toBeGreaterThan(0);
    expect(cached).toBeGreaterThan(0);
    expect(cached).toBeLessThan(plain);
    expect(priceRequest('https://api.deepseek.com/v1', 'deepseek-chat', tokens(1_000, 0, 1_000), at)).toBeGreaterThan(priceRequest('https://api.deepseek.com/v1', 'deepseek-chat', tokens(1_000), at)!);
  });

  it('prices each request on its own: a long prompt is charged its tier, not the sum of short ones', () => {
    const gemini = 'https://generativelanguage.googleapis.com/v1beta/openai';
    const short = priceRequest(gemini, 'gemini-2.5-pro', tokens(100_000), at)!;
    const long = priceRequest(gemini, 'gemini-2.5-pro', tokens(300_000), at)!;
    expect(long / short).toBeGreaterThan(3.5);
  });

  it('null, never a guess: an unknown upstream (local, a proxy), an unknown model, or no URL', () => {
    expect(priceRequest('http://127.0.0.1:8000/v1', 'deepseek-chat', tokens(1_000), at)).toBeNull();
    expect(priceRequest('https://llm-proxy.example.com/v1', 'deepseek-chat', tokens(1_000), at)).toBeNull();
    expect(priceRequest('https://api.deepseek.com/v1', 'no-such-model-7f3', tokens(1_000), at)).toBeNull();
    expect(priceRequest(undefined, 'deepseek-chat', tokens(1_000), at)).toBeNull();
  });

  it('a request that used no tokens of a priced model costs 0', () => {
    expect(priceRequest('https://api.deepseek.com/v1', 'deepseek-chat', tokens(0), at)).toBe(0);
  });

  it("is the price at the request's own hour: DeepSeek's night discount (16:30–00:30 UTC) halves it", () => {
    const day = priceRequest('https://api.deepseek.com/v1', 'deepseek-chat', tokens(1_000_000, 0, 1_000_000), new Date('2026-11-20T03:00:00Z'))!;
    const night = priceRequest('https://api.deepseek.com/v1', 'deepseek-chat', tokens(1_000_000, 0, 1_000_000), new Date('2026-11-20T17:00:00Z'))!;
    expect(day).toBeGreaterThan(0);
    expect(night).toBeCloseTo(day / 2, 10);
    // The hour decides, not the moment the bridge prices it: the same request a minute either side of the discount's start.
    expect(priceRequest('https://api.deepseek.com/v1', 'deepseek-chat', tokens(1_000_000), new Date('2026-11-20T16:29:00Z'))).toBeCloseTo(
      2 * priceRequest('https://api.deepseek.com/v1', 'deepseek-chat', tokens(1_000_000), new Date('2026-11-20T16:31:00Z'))!,
      10,
    );
  });
});
