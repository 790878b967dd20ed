import { describe, expect, it } from 'vitest';
import { MemoryStateStore } from './memory-state-store.js';
import { itKeepsEachClientsStateToItself, itKeepsWhatAResponsesStateStorePromises, kept, message } from '../../test/helpers/responses-state-store-contract.js';

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

});
