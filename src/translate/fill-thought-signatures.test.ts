import { describe, expect, it } from 'vitest';
import { fillMissingThoughtSignatures, THOUGHT_SIGNATURE_PLACEHOLDER } from './fill-thought-signatures.js';
import type { ChatMessage } from './types.js';

const call = (id: string, extra?: Record<string, unknown>) => ({ id, type: 'function' as const, function: { name: 'f', arguments: '{}' }, ...(extra && { extra_content: extra }) });

describe('fillMissingThoughtSignatures', () => {
  it('gives the first call of each unsigned tool-call turn the placeholder, and keeps real signatures', () => {
    const messages: ChatMessage[] = [
      { role: 'user', content: 'go' },
      { role: 'assistant', content: null, tool_calls: [call('a'), call('b')] },
      { role: 'tool', tool_call_id: 'a', content: '1' },
      { role: 'tool', tool_call_id: 'b', content: '2' },
      { role: 'assistant', content: null, tool_calls: [call('c', { google: { thought_signature: 'real' } })] },
      { role: 'tool', tool_call_id: 'c', content: '3' },
      { role: 'assistant', content: null, tool_calls: [call('d', { other: { x: 1 } })] },
      { role: 'tool', tool_call_id: 'd', content: '4' },
      { role: 'assistant', content: 'done' },
    ];
    const before = JSON.stringify(messages);
    const out = fillMissingThoughtSignatures(messages);
    const calls = out.flatMap((m) => (m.role === 'assistant' ? (m.tool_calls ?? []) : []));
    expect(calls.map((c) => c.extra_content)).toEqual([
      { google: { thought_signature: THOUGHT_SIGNATURE_PLACEHOLDER } },
      undefined,
      { google: { thought_signature: 'real' } },
      { other: { x: 1 }, google: { thought_signature: THOUGHT_SIGNATURE_PLACEHOLDER } },
    ]);
    expect(out[4]).toBe(messages[4]);
    expect(JSON.stringify(messages)).toBe(before);
  });

  it('returns the same array when every turn is signed or has no calls', () => {
    const messages: ChatMessage[] = [{ role: 'user', content: 'hi' }, { role: 'assistant', content: 'hello' }];
    expect(fillMissingThoughtSignatures(messages)).toBe(messages);
  });
});
