// What a gateway client (serve --tokens) may learn of another's state: nothing. Alice keeps a
// response, a conversation and a Codex thread; bob, holding her ids, tries every route and every
// way in, and each answer must be byte for byte the answer to an id that never existed. Shared by
// the in-process test (memory store) and the replicas test (Redis, two processes).
import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import type { MockUpstream } from './mock-upstream.js';

export interface GatewayClient {
  /** http://…/v1 of the replica this client talks to. */
  url: string;
  token: string;
}

export interface Answer {
  status: number;
  contentType: string | null;
  body: string;
}

export async function call(client: GatewayClient, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await fetch(`${client.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${client.token}`, 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, contentType: res.headers.get('content-type'), body: await res.text() };
}

const json = (answer: Answer) => JSON.parse(answer.body);
const user = (text: string) => ({ type: 'message', role: 'user', content: text });
/** An id of the same shape as `id` that nobody ever made. */
const ghostOf = (id: string) => `${id.slice(0, id.indexOf('_') + 1)}${randomBytes(16).toString('hex')}`;

export interface AliceState {
  responseId: string;
  /** Her response's input item and output item. */
  inputItemId: string;
  outputItemId: string;
  conversationId: string;
  conversationItemId: string;
  /** What she reads of each before bob tries anything. */
  before: Record<string, Answer>;
}

/** Alice's stored response and conversation, and what she reads of them. */
export async function aliceKeepsState(alice: GatewayClient): Promise<AliceState> {
  const created = await call(alice, 'POST', '/responses', { model: 'mock-model', input: 'alice secret plan' });
  expect(created.status).toBe(200);
  const responseId = json(created).id as string;
  const outputItemId = json(created).output[0].id as string;
  const inputItems = await call(alice, 'GET', `/responses/${responseId}/input_items`);
  const inputItemId = json(inputItems).data[0].id as string;
  const conversation = await call(alice, 'POST', '/conversations', { items: [user('alice conversation secret')], metadata: { owner: 'alice' } });
  const conversationId = json(conversation).id as string;
  const items = await call(alice, 'GET', `/conversations/${conversationId}/items`);
  const conversationItemId = json(items).data[0].id as string;
  return {
    responseId,
    inputItemId,
    outputItemId,
    conversationId,
    conversationItemId,
    before: {
      response: await call(alice, 'GET', `/responses/${responseId}`),
      inputItems,
      conversation: await call(alice, 'GET', `/conversations/${conversationId}`),
      items,
    },
  };
}

/** Every way bob could reach a response, a conversation or an item of someone else's, by its ids. */
function probes(ids: { response: string; conversation: string; item: string; outputItem: string }): Array<[string, string, unknown?]> {
  const { response, conversation, item, outputItem } = ids;
  return [
    ['GET', `/responses/${response}`],
    ['GET', `/responses/${response}/input_items`],
    ['POST', '/responses', { model: 'mock-model', input: 'go on', previous_response_id: response }],
    ['POST', '/responses', { model: 'mock-model', input: 'go on', previous_response_id: response, stream: true }],
    ['POST', '/responses', { model: 'mock-model', input: 'go on', conversation }],
    ['POST', '/responses', { model: 'mock-model', input: 'go on', conversation: { id: conversation } }],
    ['POST', '/responses', { model: 'mock-model', input: [{ type: 'item_reference', id: item }, user('and?')] }],
    ['POST', '/responses', { model: 'mock-model', input: [{ type: 'item_reference', id: outputItem }] }],
    // A bare {id} is a reference too.
    ['POST', '/responses', { model: 'mock-model', input: [{ id: item }] }],
    ['POST', '/conversations', { items: [{ type: 'item_reference', id: item }] }],
    ['POST', `/conversations/${conversation}/items`, { items: [{ type: 'item_reference', id: outputItem }] }],
    ['GET', `/conversations/${conversation}`],
    ['GET', `/conversations/${conversation}/items`],
    ['GET', `/conversations/${conversation}/items/${item}`],
    ['POST', `/conversations/${conversation}`, { metadata: { owner: 'bob' } }],
    ['POST', `/conversations/${conversation}/items`, { items: [user('bob was here')] }],
    ['DELETE', `/conversations/${conversation}/items/${item}`],
    ['DELETE', `/responses/${response}`],
    ['DELETE', `/conversations/${conversation}`],
  ];
}

/**
 * Bob, on `bob`'s replica, tries each probe on alice's ids and on ids that never existed: the same
 * status, content type and body (the id it names aside), and the upstream is never asked. Then
 * alice reads everything as it was, on `aliceAgain`'s replica, and continues from it.
 */
export async function bobLearnsNothing(bob: GatewayClient, alice: GatewayClient, aliceAgain: GatewayClient, state: AliceState, upstream: MockUpstream): Promise<void> {
  const real = { response: state.responseId, conversation: state.conversationId, item: state.conversationItemId, outputItem: state.outputItemId };
  const ghost = { response: ghostOf(real.response), conversation: ghostOf(real.conversation), item: ghostOf(real.item), outputItem: ghostOf(real.outputItem) };
  const sent = upstream.requests.length;
  const onReal = probes(real);
  const onGhost = probes(ghost);
  for (let i = 0; i < onReal.length; i++) {
    const [method, path, body] = onReal[i];
    const answer = await call(bob, method, path, body);
    const [, ghostPath, ghostBody] = onGhost[i];
    const never = await call(bob, method, ghostPath, ghostBody);
    let expected = never.body;
    for (const key of Object.keys(real) as Array<keyof typeof real>) expected = expected.replaceAll(ghost[key], real[key]);
    expect({ probe: `${method} ${path} ${JSON.stringify(body ?? '')}`, ...answer }).toEqual({ probe: `${method} ${path} ${JSON.stringify(body ?? '')}`, ...never, body: expected });
    expect(answer.status).toBeGreaterThanOrEqual(400);
  }
  // Also the item of her response's input, by reference.
  const inputRef = await call(bob, 'POST', '/responses', { model: 'mock-model', input: [{ type: 'item_reference', id: state.inputItemId }] });
  expect(json(inputRef).error.message).toBe(`Item with id '${state.inputItemId}' not found.`);
  expect(upstream.requests.length).toBe(sent);

  // Alice, on any replica, finds all of it untouched and goes on from it.
  expect(await call(aliceAgain, 'GET', `/responses/${state.responseId}`)).toEqual(state.before.response);
  expect(await call(aliceAgain, 'GET', `/responses/${state.responseId}/input_items`)).toEqual(state.before.inputItems);
  expect(await call(aliceAgain, 'GET', `/conversations/${state.conversationId}`)).toEqual(state.before.conversation);
  expect(await call(aliceAgain, 'GET', `/conversations/${state.conversationId}/items`)).toEqual(state.before.items);
  const next = await call(aliceAgain, 'POST', '/responses', { model: 'mock-model', input: 'and then?', previous_response_id: state.responseId });
  expect(next.status).toBe(200);
  expect(JSON.stringify(upstream.requests.at(-1)!.body.messages)).toContain('alice secret plan');
  const referenced = await call(alice, 'POST', '/responses', { model: 'mock-model', input: [{ id: state.conversationItemId }, user('quote it')] });
  expect(referenced.status).toBe(200);
  expect(JSON.stringify(upstream.requests.at(-1)!.body.messages)).toContain('alice conversation secret');
}

const CODEX_TOOL = { type: 'function', name: 'shell', description: 'run a command', parameters: { type: 'object', properties: {} } };

/**
 * The reasoning side channel of a Codex thread: alice's thread answers with reasoning and a tool
 * call. `replay` sends that call back without its reasoning (as a client that dropped the reasoning
 * item would), on the same thread-id or with the thread as prompt_cache_key, and tells what
 * reasoning the upstream was given for it.
 */
export async function aliceThinksOnAThread(alice: GatewayClient, upstream: MockUpstream) {
  const thread = `0197d6f2-${randomBytes(2).toString('hex')}-7000-8000-${randomBytes(6).toString('hex')}`;
  const codex = { 'thread-id': thread, 'session-id': thread };
  const first = await call(alice, 'POST', '/responses', { model: 'mock-model', store: false, tools: [CODEX_TOOL], input: [user('list the files')] }, codex);
  expect(first.status).toBe(200);
  const toolCall = json(first).output.find((item: { type: string }) => item.type === 'function_call');
  expect(toolCall).toBeDefined();
  const history = [user('list the files'), { type: 'function_call', call_id: toolCall.call_id, name: toolCall.name, arguments: toolCall.arguments }, { type: 'function_call_output', call_id: toolCall.call_id, output: 'a.txt' }];
  const replay = async (client: GatewayClient, how: 'thread-id' | 'prompt_cache_key'): Promise<string | undefined> => {
    const body = { model: 'mock-model', store: false, tools: [CODEX_TOOL], input: history, ...(how === 'prompt_cache_key' && { prompt_cache_key: thread }) };
    expect((await call(client, 'POST', '/responses', body, how === 'thread-id' ? codex : {})).status).toBe(200);
    const assistant = (upstream.requests.at(-1)!.body.messages as Array<{ role: string; reasoning_content?: string }>).find((message) => message.role === 'assistant');
    return assistant?.reasoning_content;
  };
  return { thread, replay };
}

/** A session as `sessions list --json` prints it. */
export interface ListedSession {
  id: string;
  clientName?: string;
  requests: number;
}

/** Alice's thread is hers alone: bob's requests on the same thread-id are a session of his own. */
export function expectSessionsApart(sessions: readonly ListedSession[], thread: string): void {
  const onThread = sessions.filter((session) => session.id === thread).map(({ id, clientName, requests }) => ({ id, clientName, requests }));
  expect(onThread.sort((a, b) => String(a.clientName).localeCompare(String(b.clientName)))).toEqual([
    { id: thread, clientName: 'alice', requests: 2 },
    { id: thread, clientName: 'bob', requests: 2 },
  ]);
}
