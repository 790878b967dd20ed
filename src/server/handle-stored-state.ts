import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ConversationMemory } from '../state/session-store.js';
import type { ConversationObject, ResponsesStateStore, StoredItem } from '../state/responses-state-store.js';
import { convertToChatMessages } from '../translate/convert-to-chat-messages.js';
import { itemsForStorage, referencedItemIds, resolveItemReferences } from '../translate/stored-items.js';
import { TranslationError } from '../translate/translation-error.js';
import type { ResponsesInputItem } from '../translate/types.js';
import { parseJsonBody, ReusedValues } from './parse-json-body.js';
import { readRequestBody, type ReadBodyOptions } from './read-request-body.js';
import { newItemId } from './keep-turn.js';
import { HttpError, sendJson } from './send-json.js';

// What clients other than Codex ask of the state the bridge keeps, in api.openai.com's shapes:
//   GET    /v1/responses/{id}                  the stored response
//   DELETE /v1/responses/{id}                  {id, object: "response", deleted: true}
//   GET    /v1/responses/{id}/input_items      its input items, a list page
//   POST   /v1/conversations                   {items?, metadata?} → the conversation
//   GET    /v1/conversations/{id}              the conversation
//   POST   /v1/conversations/{id}              {metadata} → the updated conversation
//   DELETE /v1/conversations/{id}              {id, object: "conversation.deleted", deleted: true}
//   GET    /v1/conversations/{id}/items        a list page (after, limit 1-100, order asc|desc)
//   POST   /v1/conversations/{id}/items        {items} → the added items, a list
//   GET    /v1/conversations/{id}/items/{item} the item
//   DELETE /v1/conversations/{id}/items/{item} the conversation

export interface StoredStateRoute {
  kind: 'responses' | 'conversations';
  /** The path segments after /responses or /conversations. */
  rest: string[];
}

export interface StoredStateDeps {
  state: ResponsesStateStore;
  store: ConversationMemory;
  body: ReadBodyOptions;
}

/** Items a conversation takes in one request, as api.openai.com allows. */
const MAX_ITEMS_PER_REQUEST = 20;

const notFound = (what: string, id: string) => new HttpError(404, `${what} with id '${id}' not found.`, { code: 'not_found' });
const invalid = (message: string) => new HttpError(400, message, { code: 'invalid_request' });

function methodNotAllowed(method: string, allowed: string[]): HttpError {
  return new HttpError(405, `method ${method} is not allowed here; use ${allowed.join(' or ')}`, { code: 'method_not_allowed', headers: { allow: allowed.join(', ') } });
}

/** These bodies are not Codex's turns: nothing in them is worth keeping parsed for the next request. */
const NOTHING_REUSED = new ReusedValues(0);

async function readJsonObject(req: IncomingMessage, limits: ReadBodyOptions): Promise<Record<string, unknown>> {
  const raw = await readRequestBody(req, limits);
  const body = raw.length === 0 ? {} : parseJsonBody(raw, NOTHING_REUSED);
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw invalid('the request body must be a JSON object');
  return body as Record<string, unknown>;
}

/** Metadata as api.openai.com takes it: at most 16 string values of at most 512 characters. */
function metadataOf(value: unknown): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw invalid("Invalid 'metadata': expected an object of strings.");
  const entries = Object.entries(value);
  if (entries.length > 16) throw invalid("Invalid 'metadata': at most 16 keys.");
  for (const [key, text] of entries) {
    if (key.length > 64 || typeof text !== 'string' || text.length > 512) throw invalid(`Invalid 'metadata.${key}': keys are at most 64 characters, values strings of at most 512.`);
  }
  return value as Record<string, string>;
}

/** The items of a create or append request, references resolved, ready to keep. */
async function newItems(value: unknown, deps: StoredStateDeps): Promise<StoredItem[]> {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.some((item) => !item || typeof item !== 'object' || Array.isArray(item))) throw invalid("Invalid 'items': expected an array of items.");
  if (value.length > MAX_ITEMS_PER_REQUEST) throw invalid(`Invalid 'items': at most ${MAX_ITEMS_PER_REQUEST} items can be added at a time.`);
  let items = value as ResponsesInputItem[];
  const referenced = referencedItemIds(items);
  if (referenced.length > 0) {
    try {
      items = resolveItemReferences(items, await deps.state.getItems(referenced));
    } catch (error) {
      if (error instanceof TranslationError) throw invalid(error.message);
      throw error;
    }
  }
  try {
    // Refused now, as api.openai.com does, rather than by every later turn (files are read then).
    convertToChatMessages(items, { files: { mode: 'file' } });
  } catch (error) {
    if (error instanceof TranslationError) throw invalid(error.message);
    throw error;
  }
  return itemsForStorage(items, newItemId);
}

/** One page of a list, newest first unless `order=asc`, as api.openai.com pages its lists. */
export function listPage(items: readonly StoredItem[], query: URLSearchParams): { object: 'list'; data: StoredItem[]; first_id: string | null; last_id: string | null; has_more: boolean } {
  const order = query.get('order') ?? 'desc';
  if (order !== 'asc' && order !== 'desc') throw invalid("Invalid 'order': expected 'asc' or 'desc'.");
  const limitText = query.get('limit') ?? '20';
  const limit = Number(limitText);
  if (!/^\d+$/.test(limitText) || limit < 1 || limit > 100) throw invalid("Invalid 'limit': expected an integer from 1 to 100.");
  const ordered = order === 'asc' ? [...items] : [...items].reverse();
  const after = query.get('after');
  let start = 0;
  if (after !== null) {
    const index = ordered.findIndex((item) => item.id === after);
    if (index < 0) throw invalid(`Invalid 'after': no item with id '${after}' in this list.`);
    start = index + 1;
  }
  const data = ordered.slice(start, start + limit);
  return { object: 'list', data, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null, has_more: start + limit < ordered.length };
}

export async function handleStoredState(req: IncomingMessage, res: ServerResponse, route: StoredStateRoute, method: string, deps: StoredStateDeps): Promise<void> {
  const query = new URL(req.url ?? '/', 'http://bridge').searchParams;
  if (route.kind === 'responses') return handleResponse(res, route.rest, method, query, deps);
  return handleConversation(req, res, route.rest, method, query, deps);
}

async function handleResponse(res: ServerResponse, rest: string[], method: string, query: URLSearchParams, deps: StoredStateDeps): Promise<void> {
  const [id, sub, ...more] = rest;
  if (more.length > 0 || (sub !== undefined && sub !== 'input_items')) throw new HttpError(404, `no route for /v1/responses/${rest.join('/')}`, { code: 'not_found' });
  if (sub === 'input_items') {
    if (method !== 'GET') throw methodNotAllowed(method, ['GET']);
    const kept = await deps.state.getResponse(id);
    if (!kept) throw notFound('Response', id);
    return sendJson(res, 200, listPage(kept.inputItems, query));
  }
  if (method === 'GET') {
    if (query.get('stream') === 'true') throw invalid('stream=true: this bridge answers stored responses as JSON only (it runs nothing in the background)');
    const kept = await deps.state.getResponse(id);
    if (!kept) throw notFound('Response', id);
    return sendJson(res, 200, kept.response);
  }
  if (method === 'DELETE') {
    const deleted = await deps.state.deleteResponse(id);
    // previous_response_id may no longer continue from it either.
    const forgotten = await deps.store.forgetResponse(id);
    if (!deleted && !forgotten) throw notFound('Response', id);
    return sendJson(res, 200, { id, object: 'response', deleted: true });
  }
  throw methodNotAllowed(method, ['GET', 'DELETE']);
}

async function handleConversation(req: IncomingMessage, res: ServerResponse, rest: string[], method: string, query: URLSearchParams, deps: StoredStateDeps): Promise<void> {
  const { state } = deps;
  const [id, sub, itemId, ...more] = rest;
  if (id === undefined) {
    if (method !== 'POST') throw methodNotAllowed(method, ['POST']);
    const body = await readJsonObject(req, deps.body);
    const conversation: ConversationObject = { id: newItemId('conv'), object: 'conversation', created_at: Math.floor(Date.now() / 1000), metadata: metadataOf(body.metadata) };
    await state.createConversation(conversation, await newItems(body.items, deps));
    return sendJson(res, 200, conversation);
  }
  if (more.length > 0 || (sub !== undefined && sub !== 'items')) throw new HttpError(404, `no route for /v1/conversations/${rest.join('/')}`, { code: 'not_found' });

  if (sub === undefined) {
    if (method === 'GET') return sendJson(res, 200, (await state.getConversation(id)) ?? throwing(notFound('Conversation', id)));
    if (method === 'POST') {
      const body = await readJsonObject(req, deps.body);
      if (body.metadata === undefined) throw invalid("Missing required parameter: 'metadata'.");
      return sendJson(res, 200, (await state.updateConversation(id, metadataOf(body.metadata))) ?? throwing(notFound('Conversation', id)));
    }
    if (method === 'DELETE') {
      if (!(await state.deleteConversation(id))) throw notFound('Conversation', id);
      return sendJson(res, 200, { id, object: 'conversation.deleted', deleted: true });
    }
    throw methodNotAllowed(method, ['GET', 'POST', 'DELETE']);
  }

  if (itemId === undefined) {
    if (method === 'GET') return sendJson(res, 200, listPage((await state.conversationItems(id)) ?? throwing(notFound('Conversation', id)), query));
    if (method === 'POST') {
      const body = await readJsonObject(req, deps.body);
      if (body.items === undefined) throw invalid("Missing required parameter: 'items'.");
      const items = await newItems(body.items, deps);
      if (!(await state.appendConversationItems(id, items))) throw notFound('Conversation', id);
      return sendJson(res, 200, { object: 'list', data: items, first_id: items[0]?.id ?? null, last_id: items.at(-1)?.id ?? null, has_more: false });
    }
    throw methodNotAllowed(method, ['GET', 'POST']);
  }

  if (method === 'GET') {
    const items = (await state.conversationItems(id)) ?? throwing(notFound('Conversation', id));
    return sendJson(res, 200, items.find((item) => item.id === itemId) ?? throwing(notFound('Item', itemId)));
  }
  if (method === 'DELETE') {
    const deleted = await state.deleteConversationItem(id, itemId);
    if (deleted === undefined) throw notFound('Conversation', id);
    if (!deleted) throw notFound('Item', itemId);
    return sendJson(res, 200, (await state.getConversation(id)) ?? throwing(notFound('Conversation', id)));
  }
  throw methodNotAllowed(method, ['GET', 'DELETE']);
}

function throwing(error: Error): never {
  throw error;
}
