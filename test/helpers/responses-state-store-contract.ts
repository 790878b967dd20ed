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
}
