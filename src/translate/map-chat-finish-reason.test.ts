import { describe, expect, it } from 'vitest';
import { mapChatFinishReason, normalizeFinishReason } from './map-chat-finish-reason.js';

describe('normalizeFinishReason', () => {
  it('knows the common values, calls anything else a stop, and keeps a missing one missing', () => {
    expect(['stop', 'eos', 'tool_calls', 'function_call', 'length', 'max_tokens', 'content_filter', 'sensitive', 'whatever', 'error'].map((r) => normalizeFinishReason(r))).toEqual([
      'stop', 'stop', 'tool_calls', 'tool_calls', 'length', 'length', 'content_filter', 'content_filter', 'stop', 'stop',
    ]);
    expect(normalizeFinishReason(null)).toBeUndefined();
    expect(normalizeFinishReason(undefined)).toBeUndefined();
    expect(normalizeFinishReason('')).toBeUndefined();
  });

  it("applies a provider's own vocabulary first", () => {
    const mistral = { model_length: 'length', error: 'error' } as const;
    expect(normalizeFinishReason('model_length', mistral)).toBe('length');
    expect(normalizeFinishReason('error', mistral)).toBe('error');
    expect(normalizeFinishReason('stop', mistral)).toBe('stop');
    expect(normalizeFinishReason('toString', mistral)).toBe('stop');
  });
});

describe('mapChatFinishReason', () => {
  it('reports truncation and refusals as incomplete, everything else as completed', () => {
    expect(mapChatFinishReason('length')).toEqual({ status: 'incomplete', incompleteReason: 'max_output_tokens' });
    expect(mapChatFinishReason('sensitive')).toEqual({ status: 'incomplete', incompleteReason: 'content_filter' });
    expect(mapChatFinishReason('model_length', { model_length: 'length' })).toEqual({ status: 'incomplete', incompleteReason: 'max_output_tokens' });
    expect(mapChatFinishReason('tool_calls')).toEqual({ status: 'completed' });
    expect(mapChatFinishReason(undefined)).toEqual({ status: 'completed' });
  });
});
