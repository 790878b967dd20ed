import { describe, expect, it } from 'vitest';
import { closestNames, levenshtein } from './did-you-mean.js';

describe('closestNames', () => {
  const ids = ['deepseek', 'kimi', 'qwen', 'glm', 'groq', 'xai', 'ollama', 'lmstudio', 'vllm'];

  it('counts edits', () => {
    expect(levenshtein('kitten', 'sitting')).toBe(3);
    expect(levenshtein('', 'abc')).toBe(3);
  });

  it('finds a typo, whatever its case, and every name as close as the best one', () => {
    expect(closestNames('deepsek', ids)).toEqual(['deepseek']);
    expect(closestNames('LM-Studio', ids)).toEqual(['lmstudio']);
    expect(closestNames('grok', ids)).toEqual(['groq']);
    expect(closestNames('olama', ids)).toEqual(['ollama']);
    expect(closestNames('gxai', ['xai', 'gai'])).toEqual(['xai', 'gai']);
  });

  it('a short name may be one edit away, a longer one about a third of its length; beyond that, nothing', () => {
    expect(closestNames('kimmi', ids)).toEqual(['kimi']);
    expect(closestNames('deepseek-v4', ids)).toEqual(['deepseek']);
    expect(closestNames('gm', ids)).toEqual(['glm']);
    expect(closestNames('openai', ids)).toEqual([]);
    expect(closestNames('qw', ids)).toEqual([]);
  });
});
