import { describe, expect, it } from 'vitest';
import { SessionStore } from './session-store.js';
import type { ResponsesInputItem } from '../translate/types.js';
import { itKeepsEachClientsMemoryToItself, itKeepsWhatAConversationMemoryPromises } from '../../test/helpers/conversation-memory-contract.js';

const msg = (role: 'user' | 'assistant', text: string): ResponsesInputItem => ({ type: 'message', role, content: text });

describe('SessionStore', () => {
  itKeepsWhatAConversationMemoryPromises(() => new SessionStore());
  itKeepsEachClientsMemoryToItself(() => new SessionStore());

  it('rebuilds a previous_response_id chain from per-response deltas', () => {
    const store = new SessionStore();
    store.recordResponse({ id: 'r1', conversation: 'c', items: [msg('user', 'a'), msg('assistant', 'b')] });
    store.recordResponse({ id: 'r2', conversation: 'c', parentId: 'r1', items: [msg('user', 'c'), msg('assistant', 'd')] });
    expect(store.history('r2')).toEqual([msg('user', 'a'), msg('assistant', 'b'), msg('user', 'c'), msg('assistant', 'd')]);
    expect(store.history('r1')).toHaveLength(2);
    expect(store.conversationOf('r2')).toBe('c');
    expect(store.history('nope')).toBeUndefined();
  });

  it('reports a chain with an evicted link as unknown instead of a partial history', () => {
    const store = new SessionStore({ maxResponses: 2 });
    store.recordResponse({ id: 'r1', conversation: 'c', items: [msg('user', '1')] });
    store.recordResponse({ id: 'r2', conversation: 'c', parentId: 'r1', items: [msg('user', '2')] });
    store.recordResponse({ id: 'r3', conversation: 'c', parentId: 'r2', items: [msg('user', '3')] });
    expect(store.history('r3')).toBeUndefined();
    expect(store.history('r2')).toBeUndefined();
  });

  it('scopes reasoning by conversation: the same text in two sessions does not collide', () => {
    const store = new SessionStore();
    store.rememberReasoning('s1', [{ role: 'assistant', content: 'Done.', reasoning_content: 'r-s1', tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{}' } }] }]);
    store.rememberReasoning('s2', [{ role: 'assistant', content: 'Done.', reasoning_content: 'r-s2' }]);
    expect(store.reasoningLookup('s1').byAssistantText('Done.')).toBe('r-s1');
    expect(store.reasoningLookup('s2').byAssistantText('Done.')).toBe('r-s2');
    expect(store.reasoningLookup('s1').byCallId('call_1')).toBe('r-s1');
    expect(store.reasoningLookup('s2').byCallId('call_1')).toBeUndefined();
  });

  it('survives a restart through toJSON/load, and local data wins a merge', () => {
    const a = new SessionStore();
    a.recordResponse({ id: 'r1', conversation: 'c', items: [msg('user', 'x')] });
    a.rememberReasoning('c', [{ role: 'assistant', content: 't', reasoning_content: 'r' }]);
    const saved = JSON.parse(JSON.stringify(a.toJSON()));
    const b = new SessionStore();
    b.recordResponse({ id: 'r1', conversation: 'c', items: [msg('user', 'mine')] });
    b.load(saved);
    expect(b.history('r1')).toEqual([msg('user', 'mine')]);
    expect(b.reasoningLookup('c').byAssistantText('t')).toBe('r');
    const fresh = new SessionStore();
    fresh.load(saved);
    expect(fresh.history('r1')).toEqual([msg('user', 'x')]);
    expect(fresh.toJSON(new Set(['other']))).toEqual({ v: 1, responses: [], reasoning: {} });
  });

  it('bounds memory: old conversations and entries are evicted', () => {
    const store = new SessionStore({ maxConversations: 2, maxReasoningPerConversation: 2 });
    for (const c of ['a', 'b', 'c']) store.rememberReasoning(c, [{ role: 'assistant', content: c, reasoning_content: c }]);
    expect(store.reasoningLookup('a').byAssistantText('a')).toBeUndefined();
    expect(store.reasoningLookup('c').byAssistantText('c')).toBe('c');
    store.rememberReasoning('c', [1, 2, 3].map((n) => ({ role: 'assistant' as const, content: `t${n}`, reasoning_content: `r${n}` })));
    expect(store.reasoningLookup('c').byAssistantText('t1')).toBeUndefined();
    expect(store.reasoningLookup('c').byAssistantText('t3')).toBe('r3');
  });
});
