import { describe, expect, it } from 'vitest';
import { MemoryStateStore } from './memory-state-store.js';
import { conversation, itKeepsEachClientsStateToItself, itKeepsWhatAResponsesStateStorePromises, kept, message } from '../../test/helpers/responses-state-store-contract.js';

describe('MemoryStateStore', () => {
  itKeepsWhatAResponsesStateStorePromises(({ maxConversations }) => new MemoryStateStore({ maxConversations }));
  itKeepsEachClientsStateToItself(({ maxConversations }) => new MemoryStateStore({ maxConversations }));

  it('freezes what it keeps', async () => {
    const store = new MemoryStateStore();
    const entry = kept('resp_f', [message('msg_f', 'x')]);
    await store.saveResponse(entry);
    expect(Object.isFrozen((await store.getResponse('resp_f'))!.inputItems[0])).toBe(true);
  });

  it('evicts the oldest responses beyond its count, and an item only when nothing holds it', async () => {
    const store = new MemoryStateStore({ maxResponses: 2 });
    const shared = message('msg_shared', 'both');
    await store.saveResponse(kept('resp_a', [shared]));
    await store.saveResponse(kept('resp_b', [shared]));
    await store.saveResponse(kept('resp_c', []));
    expect(await store.getResponse('resp_a')).toBeUndefined();
    expect(await store.getResponse('resp_b')).toBeDefined();
    expect((await store.getItems(['msg_shared'])).size).toBe(1);
    await store.saveResponse(kept('resp_d', []));
    expect((await store.getItems(['msg_shared'])).size).toBe(0);
  });

  it('evicts the oldest responses beyond its size, never the one just kept', async () => {
    const store = new MemoryStateStore({ maxResponseBytes: 3000 });
    await store.saveResponse(kept('resp_small', []));
    await store.saveResponse(kept('resp_big', [message('msg_big', 'x'.repeat(5000))]));
    expect(await store.getResponse('resp_small')).toBeUndefined();
    expect(await store.getResponse('resp_big')).toBeDefined();
  });

  it('holds conversations within their size as they grow and shrink, the least recently used going first', async () => {
    const item = (id: string) => message(id, 'x'.repeat(400));
    const size = JSON.stringify(conversation('conv_a')).length + JSON.stringify([item('msg_a1')]).length;
    // Room for two conversations of one item each, not for a third item.
    const store = new MemoryStateStore({ maxConversationBytes: 2 * size + 100 });
    await store.createConversation(conversation('conv_a'), [item('msg_a1')]);
    await store.createConversation(conversation('conv_b'), [item('msg_b1')]);
    expect(await store.getConversation('conv_a')).toBeDefined();
    // Removing an item makes room for another.
    expect(await store.deleteConversationItem('conv_a', 'msg_a1')).toBe(true);
    expect(await store.appendConversationItems('conv_b', [item('msg_b2')])).toBe(true);
    expect(await store.getConversation('conv_a')).toBeDefined();
    // Then a conversation that grows past the size pushes out the least recently used.
    expect(await store.appendConversationItems('conv_a', [item('msg_a2')])).toBe(true);
    expect(await store.getConversation('conv_b')).toBeUndefined();
    expect((await store.getItems(['msg_b1', 'msg_b2'])).size).toBe(0);
    expect((await store.conversationItems('conv_a'))?.map((kept) => kept.id)).toEqual(['msg_a2']);
    // A conversation deleted gives its room back.
    await store.deleteConversation('conv_a');
    await store.createConversation(conversation('conv_c'), [item('msg_c1')]);
    await store.createConversation(conversation('conv_d'), [item('msg_d1')]);
    expect(await store.getConversation('conv_c')).toBeDefined();
  });

  it('keeps the one conversation it has, however big, and frees the room of responses it drops', async () => {
    const responseSize = JSON.stringify(kept('resp_1', [message('msg_1', 'x'.repeat(900))])).length;
    const store = new MemoryStateStore({ maxConversationBytes: 10, maxResponseBytes: 2 * responseSize + 10 });
    await store.createConversation(conversation('conv_big'), [message('msg_big', 'x'.repeat(100))]);
    expect(await store.getConversation('conv_big')).toBeDefined();
    await store.saveResponse(kept('resp_1', [message('msg_1', 'x'.repeat(900))]));
    expect(await store.deleteResponse('resp_1')).toBe(true);
    await store.saveResponse(kept('resp_2', [message('msg_2', 'x'.repeat(900))]));
    await store.saveResponse(kept('resp_3', [message('msg_3', 'x'.repeat(900))]));
    expect(await store.getResponse('resp_2')).toBeDefined();
    expect(await store.getResponse('resp_3')).toBeDefined();
  });
});
