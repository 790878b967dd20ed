import { describe, expect, it } from 'vitest';
import { buildResponseResource } from '../translate/response-resource.js';
import { MemoryStateStore } from './memory-state-store.js';
import type { KeptResponse, StoredItem } from './responses-state-store.js';

const message = (id: string, text: string): StoredItem => ({ id, type: 'message', role: 'user', status: 'completed', content: [{ type: 'input_text', text }] });

function kept(id: string, input: StoredItem[], outputText = 'ok'): KeptResponse {
  const output = [{ id: `msg_out_${id}`, type: 'message' as const, role: 'assistant' as const, status: 'completed', content: [{ type: 'output_text' as const, text: outputText }] }];
  const response = buildResponseResource({
    id,
    createdAt: 1,
    status: 'completed',
    completedAt: 2,
    error: null,
    incompleteDetails: null,
    model: 'm',
    output,
    previousResponseId: null,
    usage: null,
  });
  return { response, inputItems: input };
}

const conversation = (id: string) => ({ id, object: 'conversation' as const, created_at: 1, metadata: {} });

describe('MemoryStateStore', () => {
  it('keeps responses and their items, and forgets a deleted one with its items', async () => {
    const store = new MemoryStateStore();
    await store.saveResponse(kept('resp_1', [message('msg_in_1', 'hi')]));
    expect((await store.getResponse('resp_1'))?.response.output_text).toBe('ok');
    const items = await store.getItems(['msg_in_1', 'msg_out_resp_1', 'msg_nope']);
    expect([...items.keys()]).toEqual(['msg_in_1', 'msg_out_resp_1']);
    expect(await store.deleteResponse('resp_1')).toBe(true);
    expect(await store.deleteResponse('resp_1')).toBe(false);
    expect(await store.getResponse('resp_1')).toBeUndefined();
    expect((await store.getItems(['msg_in_1'])).size).toBe(0);
  });

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

  it('keeps conversations and their items in order, and updates, deletes and evicts them', async () => {
    const store = new MemoryStateStore({ maxConversations: 2 });
    await store.createConversation(conversation('conv_1'), [message('msg_1', 'a')]);
    expect(await store.appendConversationItems('conv_1', [message('msg_2', 'b')])).toBe(true);
    expect((await store.conversationItems('conv_1'))?.map((item) => item.id)).toEqual(['msg_1', 'msg_2']);
    expect((await store.getItems(['msg_2'])).get('msg_2')).toMatchObject({ id: 'msg_2' });
    expect(await store.updateConversation('conv_1', { topic: 'x' })).toMatchObject({ id: 'conv_1', metadata: { topic: 'x' } });
    expect(await store.deleteConversationItem('conv_1', 'msg_1')).toBe(true);
    expect(await store.deleteConversationItem('conv_1', 'msg_1')).toBe(false);
    expect(await store.deleteConversationItem('conv_nope', 'msg_1')).toBeUndefined();
    expect(await store.appendConversationItems('conv_nope', [])).toBe(false);

    await store.createConversation(conversation('conv_2'), []);
    await store.getConversation('conv_1'); // conv_2 is now the least recently used
    await store.createConversation(conversation('conv_3'), []);
    expect(await store.getConversation('conv_2')).toBeUndefined();
    expect(await store.getConversation('conv_1')).toBeDefined();

    expect(await store.deleteConversation('conv_1')).toBe(true);
    expect(await store.conversationItems('conv_1')).toBeUndefined();
    expect((await store.getItems(['msg_2'])).size).toBe(0);
  });
});
