import { describe, expect, it } from 'vitest';
import { appendReasoningDetails, ProviderStateReplay } from './replay-provider-state.js';
import type { ChatMessage } from './types.js';

describe('ProviderStateReplay', () => {
  it('hands back the details of an envelope, and restores each call extra by id, across messages', () => {
    const replay = new ProviderStateReplay();
    expect(replay.read({ text: 'only text' })).toBeUndefined();
    expect(replay.read({ text: '', details: [{ type: 'reasoning.encrypted', data: 'x' }], toolCallExtras: { a: { google: { thought_signature: 's' } }, bad: 'not an object' } })).toEqual([
      { type: 'reasoning.encrypted', data: 'x' },
    ]);
    const messages: ChatMessage[] = [
      { role: 'assistant', content: null, tool_calls: [{ id: 'b', type: 'function', function: { name: 'f', arguments: '{}' } }] },
      { role: 'assistant', content: null, tool_calls: [{ id: 'a', type: 'function', function: { name: 'f', arguments: '{}' } }, { id: 'bad', type: 'function', function: { name: 'f', arguments: '{}' } }] },
    ];
    replay.restoreToolCallExtras(messages);
    const calls = messages.flatMap((m) => (m.role === 'assistant' ? (m.tool_calls ?? []) : []));
    expect(calls.map((c) => c.extra_content)).toEqual([undefined, { google: { thought_signature: 's' } }, undefined]);
  });

  it('appends the details of a later envelope after those already on the message', () => {
    const message: Extract<ChatMessage, { role: 'assistant' }> = { role: 'assistant', content: 'x', reasoning_details: [{ n: 1 }] };
    appendReasoningDetails(message, [{ n: 2 }]);
    expect(message.reasoning_details).toEqual([{ n: 1 }, { n: 2 }]);
  });
});
