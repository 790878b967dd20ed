import { expect, it } from 'vitest';
import type { ConversationMemory } from '../../src/state/session-store.js';
import type { ResponsesInputItem, ResponsesOutputItem } from '../../src/translate/types.js';
import { assistantTurn } from './output-items.js';

// What every ConversationMemory promises (previous_response_id chains and the reasoning side
// channel), whatever keeps it (a SessionStore in this process, Redis), and what a client's view of
// it promises (serve --tokens): one suite, run by each backend's test file.

const user = (text: string): ResponsesInputItem => ({ type: 'message', role: 'user', content: text });
const said = (text: string, reasoning: string, callId?: string): ResponsesOutputItem[] => assistantTurn({ reasoning, text, callIds: callId ? [callId] : [] });
const lookUp = (memory: ConversationMemory, conversation: string, text: string, callId = 'call_none') =>
  Promise.resolve(memory.withReasoning(conversation, (lookup) => [lookup.byAssistantText(text) ?? null, lookup.byCallId(callId) ?? null]));

export function itKeepsWhatAConversationMemoryPromises(make: () => ConversationMemory): void {
  it('walks a chain from its newest response, and loses it with any link', async () => {
    const memory = make();
    await memory.recordResponse({ id: 'r1', conversation: 'c', items: [user('a')] });
    await memory.recordResponse({ id: 'r2', conversation: 'c', parentId: 'r1', items: [user('b')] });
    await memory.recordResponse({ id: 'r3', conversation: 'c', parentId: 'r2', items: [user('c')] });
    expect(await memory.chain('r3')).toEqual({ conversation: 'c', items: [user('a'), user('b'), user('c')] });
    expect(await memory.chain('nope')).toBeUndefined();
    expect(await memory.forgetResponse('r2')).toBe(true);
    expect(await memory.forgetResponse('r2')).toBe(false);
    expect(await memory.chain('r3')).toBeUndefined();
    expect(await memory.chain('r1')).toEqual({ conversation: 'c', items: [user('a')] });
  });

  it('keeps reasoning by call id and by text, per conversation', async () => {
    const memory = make();
    await memory.rememberReasoning('s1', said('Done.', 'r-s1', 'call_1'));
    await memory.rememberReasoning('s2', said('Done.', 'r-s2'));
    expect(await lookUp(memory, 's1', 'Done.', 'call_1')).toEqual(['r-s1', 'r-s1']);
    expect(await lookUp(memory, 's2', 'Done.', 'call_1')).toEqual(['r-s2', null]);
    expect(await lookUp(memory, 's3', 'Done.', 'call_1')).toEqual([null, null]);
  });
}

export function itKeepsEachClientsMemoryToItself(make: () => ConversationMemory): void {
  it('hands out one view per client name, and itself for no name', () => {
    const memory = make();
    expect(memory.forClient(undefined)).toBe(memory);
    expect(memory.forClient('alice')).toBe(memory.forClient('alice'));
    expect(memory.forClient('alice').forClient('bob')).toBe(memory.forClient('bob'));
  });

  it("lets no client continue, forget or extend another's chain, nor read its reasoning", async () => {
    const memory = make();
    const alice = memory.forClient('alice');
    const bob = memory.forClient('bob');
    await alice.recordResponse({ id: 'r1', conversation: 'thread-a', items: [user('alice')] });
    await alice.recordResponse({ id: 'r2', conversation: 'thread-a', parentId: 'r1', items: [user('more')] });
    await alice.rememberReasoning('thread-a', said('Done.', 'alice thinks', 'call_a'));
    for (const other of [bob, memory]) {
      expect(await other.chain('r2')).toBeUndefined();
      expect(await other.forgetResponse('r1')).toBe(false);
      expect(await lookUp(other, 'thread-a', 'Done.', 'call_a')).toEqual([null, null]);
    }
    // bob's response that names hers as its parent continues nothing.
    await bob.recordResponse({ id: 'r3', conversation: 'thread-a', parentId: 'r2', items: [user('bob')] });
    expect(await bob.chain('r3')).toBeUndefined();
    // The same ids of bob's are his own.
    await bob.recordResponse({ id: 'r1', conversation: 'thread-b', items: [user('bob first')] });
    await bob.rememberReasoning('thread-a', said('Done.', 'bob thinks'));
    expect(await bob.chain('r1')).toEqual({ conversation: 'thread-b', items: [user('bob first')] });
    expect(await lookUp(bob, 'thread-a', 'Done.', 'call_a')).toEqual(['bob thinks', null]);
    // Hers is as she left it, and named as she named it.
    expect(await alice.chain('r2')).toEqual({ conversation: 'thread-a', items: [user('alice'), user('more')] });
    expect(await lookUp(alice, 'thread-a', 'Done.', 'call_a')).toEqual(['alice thinks', 'alice thinks']);
    expect(await bob.forgetResponse('r1')).toBe(true);
    expect(await alice.chain('r1')).toEqual({ conversation: 'thread-a', items: [user('alice')] });
    expect(await alice.forgetResponse('r1')).toBe(true);
    expect(await alice.chain('r2')).toBeUndefined();
  });
}
