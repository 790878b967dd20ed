import { describe, expect, it } from 'vitest';
import { ReasoningDetailsAccumulator } from './merge-reasoning-details.js';

describe('ReasoningDetailsAccumulator', () => {
  it('merges streamed pieces of a block by type and index: text concatenated, the late signature kept', () => {
    // As OpenRouter streams Claude's thinking: an empty opener, text pieces, then the signature alone.
    const details = new ReasoningDetailsAccumulator();
    expect(details.push([{ type: 'reasoning.text', text: '', signature: '', format: 'anthropic-claude-v1', index: 0 }])).toBe('');
    expect(details.push([{ type: 'reasoning.text', text: 'The user', format: 'anthropic-claude-v1', index: 0 }])).toBe('The user');
    expect(details.push([{ type: 'reasoning.text', text: ' asks.', format: 'anthropic-claude-v1', index: 0 }])).toBe(' asks.');
    expect(details.push([{ type: 'reasoning.text', signature: 'EqcD', format: 'anthropic-claude-v1', index: 0 }])).toBe('');
    expect(details.push([])).toBe('');
    expect(details.merged).toEqual([{ type: 'reasoning.text', text: 'The user asks.', signature: 'EqcD', format: 'anthropic-claude-v1', index: 0 }]);
  });

  it('keeps a text block and an encrypted block that share an index apart, in order of appearance', () => {
    const details = new ReasoningDetailsAccumulator();
    details.push([{ type: 'reasoning.text', text: 'a', format: 'google-gemini-v1', index: 0 }]);
    details.push([{ type: 'reasoning.text', text: 'b', format: 'google-gemini-v1', index: 0 }]);
    expect(details.push([{ type: 'reasoning.encrypted', data: 'CiUB', id: 'tool_1', format: 'google-gemini-v1', index: 0 }])).toBe('');
    expect(details.merged).toEqual([
      { type: 'reasoning.text', text: 'ab', format: 'google-gemini-v1', index: 0 },
      { type: 'reasoning.encrypted', data: 'CiUB', id: 'tool_1', format: 'google-gemini-v1', index: 0 },
    ]);
  });

  it('shows summaries, keeps a whole message array as it is, and ignores what is not a block', () => {
    const details = new ReasoningDetailsAccumulator();
    const whole = [
      { type: 'reasoning.summary', summary: 'Plan.', index: 0 },
      { type: 'reasoning.text', text: 'Step one.', index: 1, signature: 's' },
    ];
    expect(details.push([...whole, null, 'x', { text: 'no type' }])).toBe('Plan.Step one.');
    expect(details.merged).toEqual(whole);
    expect(details.push('not an array')).toBe('');
    expect(new ReasoningDetailsAccumulator().isEmpty).toBe(true);
  });

  it('continues an unindexed block in the next delta, but not within one array', () => {
    const details = new ReasoningDetailsAccumulator();
    details.push([{ type: 'reasoning.text', text: 'A' }]);
    details.push([{ type: 'reasoning.text', text: 'B' }]);
    expect(details.merged).toEqual([{ type: 'reasoning.text', text: 'AB' }]);
    const whole = new ReasoningDetailsAccumulator();
    whole.push([{ type: 'reasoning.encrypted', data: 'x' }, { type: 'reasoning.encrypted', data: 'y' }]);
    expect(whole.merged).toHaveLength(2);
  });

  it('hands out copies: later pieces do not change what was taken', () => {
    const details = new ReasoningDetailsAccumulator();
    details.push([{ type: 'reasoning.text', text: 'a', index: 0 }]);
    const taken = details.merged;
    details.push([{ type: 'reasoning.text', text: 'b', index: 0 }]);
    expect(taken).toEqual([{ type: 'reasoning.text', text: 'a', index: 0 }]);
  });
});
