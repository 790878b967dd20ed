import { describe, expect, it } from 'vitest';
import { foldSystemIntoFirstUser, mergeConsecutiveUserMessages, mergeSystemMessages } from './reshape-conversation.js';
import type { ChatMessage } from './types.js';

// As Codex's requests arrive: two developer prompts, environment context and prompt as two user
// messages, a tool call, and a developer notice mid-history.
const codexLike: ChatMessage[] = [
  { role: 'system', content: 'base prompt' },
  { role: 'developer', content: 'skills' },
  { role: 'user', content: '<environment_context/>' },
  { role: 'user', content: 'list files' },
  { role: 'assistant', content: null, tool_calls: [{ id: 'c', type: 'function', function: { name: 'exec_command', arguments: '{}' } }] },
  { role: 'tool', tool_call_id: 'c', content: 'a b' },
  { role: 'system', content: 'notice' },
  { role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/png;base64,AA' } }] },
];

describe('mergeSystemMessages', () => {
  it('merges every system and developer message into one leading system message', () => {
    const before = JSON.stringify(codexLike);
    const out = mergeSystemMessages(codexLike);
    expect(out[0]).toEqual({ role: 'system', content: 'base prompt\n\nskills\n\nnotice' });
    expect(out.map((m) => m.role)).toEqual(['system', 'user', 'user', 'assistant', 'tool', 'user']);
    expect(JSON.stringify(codexLike)).toBe(before);
  });
  it('leaves a conversation that already has one leading system message, or none, as it is', () => {
    const single: ChatMessage[] = [{ role: 'system', content: 's' }, { role: 'user', content: 'u' }];
    expect(mergeSystemMessages(single)).toBe(single);
    const none: ChatMessage[] = [{ role: 'user', content: 'u' }];
    expect(mergeSystemMessages(none)).toBe(none);
    expect(mergeSystemMessages([{ role: 'user', content: 'u' }, { role: 'developer', content: 'd' }])).toEqual([{ role: 'system', content: 'd' }, { role: 'user', content: 'u' }]);
  });
});

describe('foldSystemIntoFirstUser', () => {
  it('puts the system text before the first user message, and keeps no system message', () => {
    const out = foldSystemIntoFirstUser(codexLike);
    expect(out[0]).toEqual({ role: 'user', content: 'base prompt\n\nskills\n\nnotice\n\n<environment_context/>' });
    expect(out.some((m) => m.role === 'system' || m.role === 'developer')).toBe(false);
    expect(out).toHaveLength(codexLike.length - 3);
  });
  it('prepends a text part to a content array, and makes a user message when there is none', () => {
    const parts = foldSystemIntoFirstUser([{ role: 'system', content: 's' }, { role: 'user', content: [{ type: 'text', text: 'u' }] }]);
    expect(parts).toEqual([{ role: 'user', content: [{ type: 'text', text: 's' }, { type: 'text', text: 'u' }] }]);
    expect(foldSystemIntoFirstUser([{ role: 'system', content: 's' }])).toEqual([{ role: 'user', content: 's' }]);
    const none: ChatMessage[] = [{ role: 'user', content: 'u' }];
    expect(foldSystemIntoFirstUser(none)).toBe(none);
  });
});

describe('mergeConsecutiveUserMessages', () => {
  it('joins user messages that follow each other, text with text and parts with parts', () => {
    const out = mergeConsecutiveUserMessages(mergeSystemMessages(codexLike));
    expect(out.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'tool', 'user']);
    expect(out[1]).toEqual({ role: 'user', content: '<environment_context/>\n\nlist files' });
    const mixed = mergeConsecutiveUserMessages([{ role: 'user', content: 'look' }, { role: 'user', content: [{ type: 'image_url', image_url: { url: 'u' } }] }]);
    expect(mixed).toEqual([{ role: 'user', content: [{ type: 'text', text: 'look' }, { type: 'image_url', image_url: { url: 'u' } }] }]);
  });
  it('leaves an alternating conversation as it is', () => {
    const alternating: ChatMessage[] = [{ role: 'user', content: 'a' }, { role: 'assistant', content: 'b' }, { role: 'user', content: 'c' }];
    expect(mergeConsecutiveUserMessages(alternating)).toBe(alternating);
  });
});
