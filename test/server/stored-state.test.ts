// What serve answers about the state it keeps, and the input it refuses rather than drop: the
// error cases and limits of /v1/responses/{id}, /v1/conversations, item references, tool outputs
// without their call, and input_file parts.
import { describe, expect, it } from 'vitest';
import { servePerTest, type ServeHarness } from '../clients/serve-harness.js';
import { scriptedModel } from '../clients/scripted-model.js';

async function call(harness: ServeHarness, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${harness.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${harness.token}`, 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined };
}

const user = (text: string) => ({ type: 'message', role: 'user', content: text });

describe('stored responses', () => {
  const start = servePerTest();

  it('keeps nothing for store:false, and answers unknown ids and methods with clear errors', async () => {
    const harness = await start({ turns: scriptedModel() });
    const created = await call(harness, 'POST', '/responses', { model: 'mock-model', input: 'x', store: false });
    expect(created.json.store).toBe(false);
    expect(await call(harness, 'GET', `/responses/${created.json.id}`)).toEqual({
      status: 404,
      json: { error: { message: `Response with id '${created.json.id}' not found.`, type: 'invalid_request_error', code: 'not_found' } },
    });
    expect((await call(harness, 'GET', '/responses/resp_nope/input_items')).status).toBe(404);
    expect((await call(harness, 'DELETE', '/responses/resp_nope')).status).toBe(404);
    expect((await call(harness, 'PUT', '/responses/resp_nope')).status).toBe(405);
    expect((await call(harness, 'GET', '/responses/resp_nope/other')).status).toBe(404);
  });

  it('pages input items newest first, after a given item, within 1-100', async () => {
    const harness = await start({ turns: scriptedModel() });
    const created = await call(harness, 'POST', '/responses', { model: 'mock-model', input: [user('a'), user('b'), user('c')] });
    const texts = (page: { data: Array<{ content: Array<{ text: string }> }> }) => page.data.map((item) => item.content[0].text);
    const newest = await call(harness, 'GET', `/responses/${created.json.id}/input_items?limit=2`);
    expect(texts(newest.json)).toEqual(['c', 'b']);
    expect(newest.json).toMatchObject({ object: 'list', has_more: true });
    const rest = await call(harness, 'GET', `/responses/${created.json.id}/input_items?limit=2&after=${newest.json.last_id}`);
    expect(texts(rest.json)).toEqual(['a']);
    expect(rest.json.has_more).toBe(false);
    expect((await call(harness, 'GET', `/responses/${created.json.id}/input_items?order=asc`)).json.data.length).toBe(3);
    // A page that ends exactly at the last item has no more after it, in either order.
    expect((await call(harness, 'GET', `/responses/${created.json.id}/input_items?limit=3`)).json).toMatchObject({ has_more: false, first_id: newest.json.first_id });
    expect((await call(harness, 'GET', `/responses/${created.json.id}/input_items?limit=1&order=asc&after=${rest.json.last_id}`)).json).toMatchObject({ has_more: true });
    expect((await call(harness, 'GET', `/responses/${created.json.id}/input_items?limit=2&order=asc&after=${rest.json.last_id}`)).json).toMatchObject({ has_more: false, last_id: newest.json.first_id });
    expect((await call(harness, 'GET', `/responses/${created.json.id}/input_items?limit=100`)).json.data.length).toBe(3);
    expect((await call(harness, 'GET', `/responses/${created.json.id}/input_items?limit=101`)).status).toBe(400);
    expect((await call(harness, 'GET', `/responses/${created.json.id}/input_items?limit=0`)).status).toBe(400);
    expect((await call(harness, 'GET', `/responses/${created.json.id}/input_items?after=msg_nope`)).status).toBe(400);
  });
});

describe('conversations', () => {
  const start = servePerTest();

  it('refuses what api.openai.com refuses', async () => {
    const harness = await start({ turns: scriptedModel() });
    expect((await call(harness, 'POST', '/conversations', { items: Array.from({ length: 21 }, (_, i) => user(`m${i}`)) })).json.error.message).toMatch(/at most 20 items/);
    expect((await call(harness, 'POST', '/conversations', { metadata: { n: 1 } })).status).toBe(400);
    expect((await call(harness, 'POST', '/conversations', { items: [{ type: 'item_reference', id: 'msg_gone' }] })).json.error.message).toBe("Item with id 'msg_gone' not found.");
    expect((await call(harness, 'GET', '/conversations/conv_nope')).json.error.message).toBe("Conversation with id 'conv_nope' not found.");
    expect((await call(harness, 'POST', '/conversations/conv_nope/items', { items: [user('x')] })).status).toBe(404);
    expect((await call(harness, 'GET', '/conversations')).status).toBe(405);
    expect((await call(harness, 'POST', '/conversations', { items: [{ type: 'mcp_call', id: 'mcp_1' }] })).json.error.message).toMatch(/unknown input item type "mcp_call"/);
    expect((await call(harness, 'POST', '/conversations', { items: [{ type: 'message', role: 'robot', content: 'x' }] })).status).toBe(400);
    const unauthorized = await fetch(`${harness.url}/conversations/conv_1`);
    expect(unauthorized.status).toBe(401);

    const conversation = (await call(harness, 'POST', '/conversations', {})).json;
    expect((await call(harness, 'POST', `/conversations/${conversation.id}`, {})).json.error.message).toBe("Missing required parameter: 'metadata'.");
    const both = await call(harness, 'POST', '/responses', { model: 'mock-model', input: 'x', conversation: conversation.id, previous_response_id: 'resp_1' });
    expect(both.status).toBe(400);
    expect(both.json.error.message).toMatch(/only providing one of: 'previous_response_id' or 'conversation'/);
    expect((await call(harness, 'POST', '/responses', { model: 'mock-model', input: 'x', conversation: 42 })).status).toBe(400);
    expect(harness.upstream.requests).toHaveLength(0);
  });

  it('takes metadata of at most 16 keys of at most 64 characters, values of at most 512, as api.openai.com does', async () => {
    const harness = await start({ turns: scriptedModel() });
    const keys = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, 'v']));
    const full = { ...keys(15), ['k'.repeat(64)]: 'v'.repeat(512) };
    const created = await call(harness, 'POST', '/conversations', { metadata: full });
    expect(created).toMatchObject({ status: 200, json: { metadata: full } });
    expect((await call(harness, 'POST', `/conversations/${created.json.id}`, { metadata: keys(16) })).json.metadata).toEqual(keys(16));
    for (const metadata of [keys(17), { ['k'.repeat(65)]: 'v' }, { k: 'v'.repeat(513) }, { k: 1 }, ['v'], 'v']) {
      const refused = await call(harness, 'POST', '/conversations', { metadata });
      expect(refused.status, JSON.stringify(metadata).slice(0, 40)).toBe(400);
      expect(refused.json.error.message).toMatch(/^Invalid 'metadata/);
      expect((await call(harness, 'POST', `/conversations/${created.json.id}`, { metadata })).status).toBe(400);
    }
    expect(harness.upstream.requests).toHaveLength(0);
  });

  it('pages conversation items with has_more exact at the boundary', async () => {
    const harness = await start({ turns: scriptedModel() });
    const conversation = (await call(harness, 'POST', '/conversations', { items: [user('1'), user('2')] })).json;
    expect((await call(harness, 'GET', `/conversations/${conversation.id}/items?limit=2`)).json).toMatchObject({ has_more: false });
    expect((await call(harness, 'GET', `/conversations/${conversation.id}/items?limit=1`)).json).toMatchObject({ has_more: true });
    await call(harness, 'POST', `/conversations/${conversation.id}/items`, { items: [user('3')] });
    expect((await call(harness, 'GET', `/conversations/${conversation.id}/items?limit=2`)).json).toMatchObject({ has_more: true });
  });

  it('reads and deletes single items, and takes a conversation as {id}', async () => {
    const harness = await start({ turns: scriptedModel() });
    const conversation = (await call(harness, 'POST', '/conversations', { items: [user('first')] })).json;
    const reply = await call(harness, 'POST', '/responses', { model: 'mock-model', input: 'second', conversation: { id: conversation.id } });
    expect(reply.json.conversation).toEqual({ id: conversation.id });
    const items = (await call(harness, 'GET', `/conversations/${conversation.id}/items?order=asc`)).json.data;
    expect(items.map((item: { role: string }) => item.role)).toEqual(['user', 'user', 'assistant']);
    expect((await call(harness, 'GET', `/conversations/${conversation.id}/items/${items[2].id}`)).json).toEqual(items[2]);
    expect((await call(harness, 'DELETE', `/conversations/${conversation.id}/items/${items[0].id}`)).json).toMatchObject({ id: conversation.id, object: 'conversation' });
    expect((await call(harness, 'GET', `/conversations/${conversation.id}/items/${items[0].id}`)).status).toBe(404);
    expect((await call(harness, 'DELETE', `/conversations/${conversation.id}/items/${items[0].id}`)).status).toBe(404);
    // A stored item can be referred to from another request, by an item_reference or a bare {id}.
    await call(harness, 'POST', '/responses', { model: 'mock-model', input: [{ type: 'item_reference', id: items[2].id }, user('third')] });
    expect(harness.upstream.requests.at(-1)!.body.messages).toEqual([
      { role: 'assistant', content: 'Echo: second' },
      { role: 'user', content: 'third' },
    ]);
    await call(harness, 'POST', '/responses', { model: 'mock-model', input: [{ id: items[1].id }, { id: items[2].id }, user('fourth')] });
    expect(harness.upstream.requests.at(-1)!.body.messages).toEqual([
      { role: 'user', content: 'second' },
      { role: 'assistant', content: 'Echo: second' },
      { role: 'user', content: 'fourth' },
    ]);
  });
});

describe('input the bridge refuses rather than drop', () => {
  const start = servePerTest();

  it('refuses a tool output without its call from an API client, and repairs it for Codex, saying so with --verbose', async () => {
    const harness = await start({ turns: scriptedModel() });
    const orphan = { model: 'mock-model', input: [user('x'), { type: 'function_call_output', call_id: 'call_lost', output: 'late' }] };
    const refused = await call(harness, 'POST', '/responses', orphan);
    expect(refused).toMatchObject({ status: 400, json: { error: { message: 'No tool call found for function call output with call_id call_lost.' } } });
    expect(harness.upstream.requests).toHaveLength(0);

    const repaired = await call(harness, 'POST', '/responses', orphan, { 'thread-id': 'thread-1' });
    expect(repaired.status).toBe(200);
    expect(harness.upstream.requests[0].body.messages[1]).toEqual({ role: 'user', content: 'Output of tool call call_lost:\nlate' });
    expect(harness.log.some((line) => /repaired the tool-call sequence of resp_\w+: the output of tool call call_lost follows no call/.test(line))).toBe(true);
  });

  it('names an item type it cannot translate', async () => {
    const harness = await start({ turns: scriptedModel() });
    const reply = await call(harness, 'POST', '/responses', { model: 'mock-model', input: [user('x'), { type: 'mcp_call', id: 'mcp_1' }] });
    expect(reply.status).toBe(400);
    expect(reply.json.error.message).toMatch(/^input\[1\]: unknown input item type "mcp_call"/);
  });

  it('refuses a PDF it cannot read, naming it', async () => {
    const harness = await start({ turns: scriptedModel() });
    const broken = { type: 'input_file', filename: 'broken.pdf', file_data: `data:application/pdf;base64,${Buffer.from('%PDF-1.4 nothing here').toString('base64')}` };
    const reply = await call(harness, 'POST', '/responses', { model: 'mock-model', input: [{ type: 'message', role: 'user', content: [broken] }] });
    expect(reply.status).toBe(400);
    expect(reply.json.error.message).toMatch(/^the PDF "broken\.pdf" could not be read: /);
  });

  it('sends a chat file part to a provider that reads files (--quirk fileInput=file)', async () => {
    const harness = await start({ turns: scriptedModel(), rules: { acceptFiles: true } }, { quirk: ['fileInput=file'] });
    const pdf = `data:application/pdf;base64,${Buffer.from('%PDF-1.1').toString('base64')}`;
    const reply = await call(harness, 'POST', '/responses', { model: 'mock-model', input: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Read' }, { type: 'input_file', filename: 'a.pdf', file_data: pdf }] }] });
    expect(reply.status).toBe(200);
    expect(harness.upstream.requests[0].body.messages[0].content).toEqual([
      { type: 'text', text: 'Read' },
      { type: 'file', file: { filename: 'a.pdf', file_data: pdf } },
    ]);
  });
});
