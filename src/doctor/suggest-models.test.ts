import { describe, expect, it } from 'vitest';
import { levenshtein } from '../output/did-you-mean.js';
import { normalizeModelId, suggestModels } from './suggest-models.js';

describe('suggestModels', () => {
  const listed = ['deepseek-v4-flash', 'deepseek-v4-pro', 'kimi-k2.6', 'gpt-oss:20b', 'openai/gpt-oss-120b'];

  it('finds typos by edit distance', () => {
    expect(levenshtein('kitten', 'sitting')).toBe(3);
    expect(suggestModels('deepseek-v4-flsh', listed)[0]).toBe('deepseek-v4-flash');
    expect(suggestModels('kimi-k2.5', listed)).toEqual(['kimi-k2.6']);
  });

  it('ranks containment first: a short name for a namespaced id', () => {
    expect(suggestModels('gpt-oss-120b', listed)[0]).toBe('openai/gpt-oss-120b');
  });

  it('falls back to the same family, and to nothing when nothing is close', () => {
    expect(suggestModels('deepseek-chat', listed)).toEqual(['deepseek-v4-pro', 'deepseek-v4-flash']);
    expect(suggestModels('llama-3.3-70b-versatile', listed)).toEqual([]);
  });

  it('ignores case and Gemini\'s "models/" prefix', () => {
    expect(normalizeModelId('models/gemini-3.5-flash')).toBe('gemini-3.5-flash');
    expect(suggestModels('Gemini-3.5-Flsh', ['models/gemini-3.5-flash', 'models/gemini-3.8-flash'])).toEqual(['gemini-3.5-flash', 'gemini-3.8-flash']);
  });
});
