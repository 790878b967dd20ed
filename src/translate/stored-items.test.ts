import { describe, expect, it } from 'vitest';
import { itemsForStorage, referencedItemIds, resolveItemReferences } from './stored-items.js';
import type { ResponsesStoredItem } from './types.js';

let counter = 0;
const newId = (prefix: string) => `${prefix}_${++counter}`;

describe('stored items', () => {
  it('gives every input item an id, a type, a status and message content as parts', () => {
    counter = 0;
    expect(
      itemsForStorage(
        [
          { role: 'user', content: 'hi' },
          { type: 'message', role: 'assistant', content: 'hello' },
          { type: 'message', id: 'msg_kept', role: 'user', content: [{ type: 'input_text', text: 'x' }], status: 'completed' },
          { type: 'function_call_output', call_id: 'c1', output: 'done' },
        ],
        newId,
      ),
    ).toEqual([
      { type: 'message', id: 'msg_1', role: 'user', status: 'completed', content: [{ type: 'input_text', text: 'hi' }] },
      { type: 'message', id: 'msg_2', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: 'hello', annotations: [] }] },
      { type: 'message', id: 'msg_kept', role: 'user', status: 'completed', content: [{ type: 'input_text', text: 'x' }] },
      { type: 'function_call_output', id: 'fco_3', call_id: 'c1', output: 'done', status: 'completed' },
    ]);
  });

  it('resolves references to stored items, and names the first id it cannot find', () => {
    const stored: ResponsesStoredItem = { id: 'msg_a', type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Earlier answer' }] };
    const input = [{ type: 'item_reference', id: 'msg_a' }, { role: 'user' as const, content: 'next' }];
    expect(referencedItemIds(input)).toEqual(['msg_a']);
    expect(resolveItemReferences(input, new Map([['msg_a', stored]]))).toEqual([stored, input[1]]);
    expect(() => resolveItemReferences(input, new Map())).toThrowError("Item with id 'msg_a' not found.");
  });
});

describe('what is an item reference', () => {
  it('is an item_reference, or an object with nothing but an id: never an item with a type or a role', () => {
    const stored: ResponsesStoredItem = { id: 'msg_a', type: 'message', role: 'user', content: [{ type: 'input_text', text: 'kept' }] };
    const input = [
      { id: 'msg_a' },
      { type: 'item_reference', id: 'msg_a' },
      { role: 'user' as const, content: 'no type, an id', id: 'msg_b' },
      { type: 'function_call_output', call_id: 'c1', output: 'no role, an id', id: 'fco_1' },
      { type: 'message', role: 'user' as const, content: 'neither', id: 'msg_c' },
    ];
    expect(referencedItemIds(input)).toEqual(['msg_a', 'msg_a']);
    expect(resolveItemReferences(input as never, new Map([['msg_a', stored]]))).toEqual([stored, stored, ...input.slice(2)]);
    // An object without an id names nothing: it is left to the translation to refuse.
    expect(referencedItemIds([{}, { id: 42 }])).toEqual([]);
  });
});
