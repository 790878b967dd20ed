import type { ResponsesInputItem, ResponsesStoredItem } from './types.js';
import { TranslationError } from './translation-error.js';

// Items as the Responses API keeps them (a response's input, a conversation's items), and the
// `item_reference` inputs that name them. Ids come from the caller, so this stays deterministic.

/** Makes a new unique id with the given prefix, e.g. `msg` → `msg_6f1c…`. */
export type NewItemId = (prefix: string) => string;

const ID_PREFIX: Record<string, string> = {
  message: 'msg',
  function_call: 'fc',
  function_call_output: 'fco',
  custom_tool_call: 'ctc',
  custom_tool_call_output: 'ctco',
  reasoning: 'rs',
};

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Whether an input item only names a stored item: `{type: "item_reference", id}`, or a bare `{id}`. */
export function isItemReference(item: unknown): item is { id: string } {
  if (!isObject(item)) return false;
  if (item.type === 'item_reference') return true;
  return item.type === undefined && item.role === undefined && typeof item.id === 'string';
}

/** The ids that `items` refer to, in order. */
export function referencedItemIds(items: readonly unknown[]): string[] {
  return items.filter(isItemReference).map((item) => item.id);
}

/**
 * `items` with every reference replaced by the stored item it names. An unknown id is a 400, in
 * api.openai.com's words.
 */
export function resolveItemReferences(items: readonly ResponsesInputItem[], found: ReadonlyMap<string, ResponsesStoredItem>): ResponsesInputItem[] {
  return items.map((item, index) => {
    if (!isItemReference(item)) return item;
    const stored = typeof item.id === 'string' ? found.get(item.id) : undefined;
    if (!stored) throw new TranslationError(`Item with id '${String(item.id)}' not found.`, `input[${index}]`);
    return stored;
  });
}

/**
 * Input items as they are kept and listed: each with an id (a new one if it had none) and a type,
 * message content as parts, and a status.
 */
export function itemsForStorage(items: readonly ResponsesInputItem[], newId: NewItemId): ResponsesStoredItem[] {
  return items.map((raw) => {
    const item = (isObject(raw) ? raw : {}) as Record<string, unknown>;
    const type = typeof item.type === 'string' ? item.type : typeof item.role === 'string' ? 'message' : 'unknown';
    const id = typeof item.id === 'string' && item.id !== '' ? item.id : newId(ID_PREFIX[type] ?? 'item');
    if (type === 'message') {
      const content =
        typeof item.content === 'string'
          ? [item.role === 'assistant' ? { type: 'output_text', text: item.content, annotations: [] } : { type: 'input_text', text: item.content }]
          : item.content;
      return { ...item, id, type, status: typeof item.status === 'string' ? item.status : 'completed', content };
    }
    if (type === 'function_call_output' || type === 'custom_tool_call_output' || type === 'function_call') {
      return { ...item, id, type, status: typeof item.status === 'string' ? item.status : 'completed' };
    }
    return { ...item, id, type };
  });
}
