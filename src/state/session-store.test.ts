import { describe, expect, it } from 'vitest';
import { assistantTurn } from '../../test/helpers/output-items.js';
import { callKey, SessionStore, textKey } from './session-store.js';
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
    store.rememberReasoning('s1', assistantTurn({ reasoning: 'r-s1', text: 'Done.', callIds: ['call_1'] }));
    store.rememberReasoning('s2', assistantTurn({ reasoning: 'r-s2', text: 'Done.' }));
    expect(store.reasoningLookup('s1').byAssistantText('Done.')).toBe('r-s1');
    expect(store.reasoningLookup('s2').byAssistantText('Done.')).toBe('r-s2');
    expect(store.reasoningLookup('s1').byCallId('call_1')).toBe('r-s1');
    expect(store.reasoningLookup('s2').byCallId('call_1')).toBeUndefined();
  });

  it('survives a restart through toJSON/load, and local data wins a merge', () => {
    const a = new SessionStore();
    a.recordResponse({ id: 'r1', conversation: 'c', items: [msg('user', 'x')] });
    a.rememberReasoning('c', assistantTurn({ reasoning: 'r', text: 't' }));
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
    for (const c of ['a', 'b', 'c']) store.rememberReasoning(c, assistantTurn({ reasoning: c, text: c }));
    expect(store.reasoningLookup('a').byAssistantText('a')).toBeUndefined();
    expect(store.reasoningLookup('c').byAssistantText('c')).toBe('c');
    store.rememberReasoning('c', [1, 2, 3].flatMap((n) => assistantTurn({ reasoning: `r${n}`, text: `t${n}` })));
    expect(store.reasoningLookup('c').byAssistantText('t1')).toBeUndefined();
    expect(store.reasoningLookup('c').byAssistantText('t3')).toBe('r3');
  });

  it('keys the side channel as sessions.json has always kept it, one entry per text and per call', () => {
    expect(callKey('call_1')).toBe('c:call_1');
    expect(textKey('Done.')).toBe('t:7SUYZJh8Nn6WQfvcicHYPp');
    const store = new SessionStore();
    let changes = 0;
    store.onChange = () => changes++;
    // Nothing to remember: no entry, no write.
    store.rememberReasoning('c', assistantTurn({ text: 'no reasoning' }));
    expect(changes).toBe(0);
    expect(store.toJSON().reasoning).toEqual({});
    store.rememberReasoning('c', [...assistantTurn({ reasoning: 'r1', text: 'First.' }), ...assistantTurn({ reasoning: 'r2', text: 'Second.', callIds: ['call_2'] })]);
    expect(changes).toBe(1);
    expect(store.toJSON().reasoning).toEqual({ c: { [textKey('First.')]: 'r1', [textKey('Second.')]: 'r2', 'c:call_2': 'r2' } });
    expect(store.reasoningLookup('c').byAssistantText('First.')).toBe('r1');
    expect(store.reasoningLookup('c').byAssistantText('Second.')).toBe('r2');
  });

  it('keeps exactly its counts, and a conversation looked up is the last to go; a lookup creates nothing', () => {
    const store = new SessionStore({ maxResponses: 2, maxConversations: 2, maxReasoningPerConversation: 2 });
    store.recordResponse({ id: 'r1', conversation: 'c', items: [msg('user', '1')] });
    store.recordResponse({ id: 'r2', conversation: 'c', items: [msg('user', '2')] });
    expect(store.history('r1')).toBeDefined();
    expect(store.conversationOf('gone')).toBeUndefined();
    store.rememberReasoning('a', [1, 2].flatMap((n) => assistantTurn({ reasoning: `ra${n}`, text: `a${n}` })));
    expect(store.reasoningLookup('a').byAssistantText('a1')).toBe('ra1');
    store.rememberReasoning('b', assistantTurn({ reasoning: 'rb', text: 'b' }));
    // Looking up unknown conversations evicts nobody; looking up `a` makes `b` the stalest.
    expect(store.reasoningLookup('x').byAssistantText('b')).toBeUndefined();
    expect(store.reasoningLookup('y').byCallId('call')).toBeUndefined();
    expect(store.reasoningLookup('a').byAssistantText('a2')).toBe('ra2');
    store.rememberReasoning('c', assistantTurn({ reasoning: 'rc', text: 'c' }));
    expect(Object.keys(store.toJSON().reasoning).sort()).toEqual(['a', 'c']);
  });

  it('lets a lookup that misses wait for the saved data still loading', async () => {
    const store = new SessionStore();
    let finish!: () => void;
    store.pendingLoad = new Promise<void>((resolve) => (finish = resolve)).then(() => store.load({ v: 1, responses: [{ id: 'r_saved', conversation: 'c', items: [msg('user', 'saved')] }], reasoning: {} }));
    store.recordResponse({ id: 'r_here', conversation: 'h', items: [msg('user', 'here')] });
    // A hit does not wait.
    expect(await store.chain('r_here')).toEqual({ conversation: 'h', items: [msg('user', 'here')] });
    const waiting = store.chain('r_saved');
    finish();
    expect(await waiting).toEqual({ conversation: 'c', items: [msg('user', 'saved')] });
  });

  it('loads only what it can read, and keeps its own reasoning over what it loads', () => {
    const store = new SessionStore();
    store.rememberReasoning('c', assistantTurn({ reasoning: 'mine', text: 't' }));
    store.load({ v: 2, responses: [{ id: 'r_v2', conversation: 'c', items: [] }], reasoning: { d: { k: 'v2' } } } as never);
    store.load({ v: 1, reasoning: { c: { [textKey('t')]: 'theirs', other: 'kept', broken: 42 } } } as never);
    store.load({ v: 1, responses: [null, { id: 7 }, { id: 'r_ok', conversation: 'c', items: [] }], reasoning: {} } as never);
    store.load(null as never);
    expect(store.history('r_v2')).toBeUndefined();
    expect(store.history('r_ok')).toEqual([]);
    expect(store.toJSON().responses.map((response) => response.id)).toEqual(['r_ok']);
    expect(store.toJSON().reasoning).toEqual({ c: { [textKey('t')]: 'mine', other: 'kept' } });
  });
});
