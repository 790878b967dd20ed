import { expect, it } from 'vitest';
import { buildResponseResource } from '../../src/translate/response-resource.js';
import type { KeptResponse, ResponsesStateStore, StoredItem } from '../../src/state/responses-state-store.js';

// What every ResponsesStateStore promises, whatever keeps it (memory, Redis): one suite, run by each
// backend's test file with a factory for its store.

export const message = (id: string, text: string): StoredItem => ({ id, type: 'message', role: 'user', status: 'completed', content: [{ type: 'input_text', text }] });

export function kept(id: string, input: StoredItem[], outputText = 'ok'): KeptResponse {
  const output = [{ id: `msg_out_${id}`, type: 'message' as const, role: 'assistant' as const, status: 'completed', content: [{ type: 'output_text' as const, text: outputText }] }];
  const response = buildResponseResource({ id, createdAt: 1, status: 'completed', completedAt: 2, error: null, incompleteDetails: null, model: 'm', output, previousResponseId: null, usage: null });
  return { response, inputItems: input };
}

export const conversation = (id: string) => ({ id, object: 'conversation' as const, created_at: 1, metadata: {} });

/** A store of the backend under test; `maxConversations` caps its conversations. */
export type MakeStateStore = (limits: { maxConversations?: number }) => ResponsesStateStore;

export function itKeepsWhatAResponsesStateStorePromises(make: MakeStateStore): void {
  it('keeps responses and their items, and forgets a deleted one with its items', async () => {
    const store = make({});
    await store.saveResponse(kept('resp_1', [message('msg_in_1', 'hi')]));
    expect((await store.getResponse('resp_1'))?.response.output_text).toBe('ok');
    const items = await store.getItems(['msg_in_1', 'msg_out_resp_1', 'msg_nope']);
    expect([...items.keys()].sort()).toEqual(['msg_in_1', 'msg_out_resp_1']);
    // Only what was asked for, even from the same response.
    expect([...(await store.getItems(['msg_in_1'])).keys()]).toEqual(['msg_in_1']);
    expect((await store.getItems([])).size).toBe(0);
    expect(await store.deleteResponse('resp_1')).toBe(true);
    expect(await store.deleteResponse('resp_1')).toBe(false);
    expect(await store.getResponse('resp_1')).toBeUndefined();
    expect((await store.getItems(['msg_in_1'])).size).toBe(0);
  });

  it('keeps conversations and their items in order, and updates, deletes and evicts them, least recently used first', async () => {
    const store = make({ maxConversations: 2 });
    await store.createConversation(conversation('conv_1'), [message('msg_1', 'a')]);
    expect(await store.appendConversationItems('conv_1', [message('msg_2', 'b')])).toBe(true);
    expect((await store.conversationItems('conv_1'))?.map((item) => item.id)).toEqual(['msg_1', 'msg_2']);
    expect((await store.getItems(['msg_2'])).get('msg_2')).toMatchObject({ id: 'msg_2' });
    expect(await store.updateConversation('conv_1', { topic: 'x' })).toMatchObject({ id: 'conv_1', metadata: { topic: 'x' } });
    expect(await store.getConversation('conv_1')).toMatchObject({ metadata: { topic: 'x' } });
    expect(await store.deleteConversationItem('conv_1', 'msg_1')).toBe(true);
    expect(await store.deleteConversationItem('conv_1', 'msg_1')).toBe(false);
    expect((await store.conversationItems('conv_1'))?.map((item) => item.id)).toEqual(['msg_2']);
    expect((await store.getItems(['msg_1', 'msg_2'])).size).toBe(1);
    expect(await store.deleteConversationItem('conv_nope', 'msg_1')).toBeUndefined();
    expect(await store.appendConversationItems('conv_nope', [])).toBe(false);
    expect(await store.appendConversationItems('conv_nope', [message('msg_x', 'x')])).toBe(false);
    expect(await store.updateConversation('conv_nope', {})).toBeUndefined();

    await store.createConversation(conversation('conv_2'), []);
    await store.getConversation('conv_1'); // conv_2 is now the least recently used
    await store.createConversation(conversation('conv_3'), []);
    expect(await store.getConversation('conv_2')).toBeUndefined();
    expect(await store.getConversation('conv_1')).toBeDefined();

    expect(await store.deleteConversation('conv_1')).toBe(true);
    expect(await store.conversationItems('conv_1')).toBeUndefined();
    expect((await store.getItems(['msg_2'])).size).toBe(0);
  });

  it('gives a reference the newest version of an item kept twice', async () => {
    const store = make({});
    await store.saveResponse(kept('resp_twice', [message('msg_twice', 'older'), message('msg_twice', 'newer')]));
    await store.createConversation(conversation('conv_twice'), [message('msg_conv', 'first')]);
    await store.appendConversationItems('conv_twice', [message('msg_conv', 'second'), message('msg_conv', 'third')]);
    const found = await store.getItems(['msg_twice', 'msg_conv']);
    expect(found.get('msg_twice')?.content).toEqual([{ type: 'input_text', text: 'newer' }]);
    expect(found.get('msg_conv')?.content).toEqual([{ type: 'input_text', text: 'third' }]);
  });
}

/** What a client's view of a ResponsesStateStore promises (serve --tokens): nothing of another's. */
export function itKeepsEachClientsStateToItself(make: MakeStateStore): void {
  it('hands out one view per client name, and itself for no name', () => {
    const store = make({});
    expect(store.forClient(undefined)).toBe(store);
    expect(store.forClient('alice')).toBe(store.forClient('alice'));
    expect(store.forClient('alice')).not.toBe(store.forClient('bob'));
  });

  it("answers a client about another's ids as about ids that do not exist, and changes nothing of theirs", async () => {
    const store = make({});
    const alice = store.forClient('alice');
    const bob = store.forClient('bob');
    await alice.saveResponse(kept('resp_a', [message('msg_in_a', 'alice in')], 'alice out'));
    await alice.createConversation({ ...conversation('conv_a'), metadata: { owner: 'alice' } }, [message('msg_c_a', 'alice item')]);
    for (const other of [bob, store]) {
      expect(await other.getResponse('resp_a')).toBeUndefined();
      expect((await other.getItems(['msg_in_a', 'msg_out_resp_a', 'msg_c_a'])).size).toBe(0);
      expect(await other.getConversation('conv_a')).toBeUndefined();
      expect(await other.conversationItems('conv_a')).toBeUndefined();
      expect(await other.updateConversation('conv_a', { owner: 'bob' })).toBeUndefined();
      expect(await other.appendConversationItems('conv_a', [message('msg_bob', 'bob')])).toBe(false);
      expect(await other.deleteConversationItem('conv_a', 'msg_c_a')).toBeUndefined();
      expect(await other.deleteConversation('conv_a')).toBe(false);
      expect(await other.deleteResponse('resp_a')).toBe(false);
    }
    expect((await alice.getResponse('resp_a'))?.response.output_text).toBe('alice out');
    expect([...(await alice.getItems(['msg_in_a', 'msg_out_resp_a', 'msg_c_a'])).keys()].sort()).toEqual(['msg_c_a', 'msg_in_a', 'msg_out_resp_a']);
    expect(await alice.getConversation('conv_a')).toMatchObject({ metadata: { owner: 'alice' } });
    expect((await alice.conversationItems('conv_a'))?.map((item) => item.id)).toEqual(['msg_c_a']);
  });

  it('keeps the same ids of two clients apart: neither shadows nor removes the other', async () => {
    const store = make({});
    const alice = store.forClient('alice');
    const bob = store.forClient('bob');
    await alice.saveResponse(kept('resp_same', [message('msg_same', 'alice says')], 'alice out'));
    await bob.saveResponse(kept('resp_same', [message('msg_same', 'bob says')], 'bob out'));
    await alice.createConversation(conversation('conv_same'), [message('msg_conv', 'alice conv')]);
    await bob.createConversation(conversation('conv_same'), [message('msg_conv', 'bob conv')]);
    const text = (item: StoredItem | undefined) => (item?.content as Array<{ text: string }> | undefined)?.[0].text;
    expect(text((await alice.getItems(['msg_same'])).get('msg_same'))).toBe('alice says');
    expect(text((await bob.getItems(['msg_same'])).get('msg_same'))).toBe('bob says');
    expect(text((await alice.getItems(['msg_conv'])).get('msg_conv'))).toBe('alice conv');
    expect(await bob.deleteResponse('resp_same')).toBe(true);
    expect(await bob.deleteConversation('conv_same')).toBe(true);
    expect((await alice.getResponse('resp_same'))?.response.output_text).toBe('alice out');
    expect(text((await alice.getItems(['msg_same'])).get('msg_same'))).toBe('alice says');
    expect((await alice.conversationItems('conv_same'))?.map(text)).toEqual(['alice conv']);
    expect((await bob.getItems(['msg_same', 'msg_conv'])).size).toBe(0);
  });

  it("evicts over all clients together, and an evicted conversation takes its own client's items only", async () => {
    const store = make({ maxConversations: 2 });
    const alice = store.forClient('alice');
    const bob = store.forClient('bob');
    await alice.createConversation(conversation('conv_old'), [message('msg_x', 'alice x')]);
    await bob.createConversation(conversation('conv_b1'), [message('msg_x', 'bob x')]);
    await bob.createConversation(conversation('conv_b2'), []);
    expect(await alice.getConversation('conv_old')).toBeUndefined();
    expect((await alice.getItems(['msg_x'])).size).toBe(0);
    expect((await bob.getItems(['msg_x'])).get('msg_x')).toMatchObject({ id: 'msg_x' });
  });
}
