// The `openai` SDK against `serve` in front of a strict chat upstream: create, the stream helpers,
// parse with zod, retrieve and delete, input items, and the Conversations API.
import OpenAI from 'openai';
import { zodTextFormat } from 'openai/helpers/zod';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { servePerTest } from './serve-harness.js';
import { scriptedModel } from './scripted-model.js';

const weather = {
  type: 'function' as const,
  name: 'get_weather',
  description: 'Weather for a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false },
  strict: true,
};

describe('the openai SDK through serve', () => {
  const start = servePerTest();
  const clientOf = (harness: { url: string; token: string }) => new OpenAI({ baseURL: harness.url, apiKey: harness.token, maxRetries: 0 });

  it('creates a response that carries the request back, and retrieves, lists and deletes it', async () => {
    const harness = await start({ turns: scriptedModel() });
    const client = clientOf(harness);
    const created = await client.responses.create({ model: 'mock-model', input: 'Hello there', instructions: 'Be brief.', temperature: 0.5, metadata: { run: 'x' } });
    expect(created).toMatchObject({ status: 'completed', instructions: 'Be brief.', temperature: 0.5, metadata: { run: 'x' }, store: true, tools: [] });
    expect(created.output_text).toBe('Echo: Hello there');
    expect(created.completed_at).toEqual(expect.any(Number));

    const retrieved = await client.responses.retrieve(created.id);
    expect(retrieved).toMatchObject({ id: created.id, status: 'completed', output: created.output });

    const inputItems = await client.responses.inputItems.list(created.id);
    expect(inputItems.data).toEqual([{ id: expect.stringMatching(/^msg_/), type: 'message', role: 'user', status: 'completed', content: [{ type: 'input_text', text: 'Hello there' }] }]);

    await client.responses.delete(created.id);
    await expect(client.responses.retrieve(created.id)).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    const continued = await client.responses.create({ model: 'mock-model', input: 'again', previous_response_id: created.id }).catch((e: unknown) => e);
    expect(continued).toBeInstanceOf(OpenAI.BadRequestError);
  });

  it('streams through the stream helpers, text deltas and the final response alike', async () => {
    const harness = await start({ turns: scriptedModel() });
    const client = clientOf(harness);
    const deltas: string[] = [];
    const stream = client.responses.stream({ model: 'mock-model', input: 'Count to three' }).on('response.output_text.delta', (event) => deltas.push(event.delta));
    const final = await stream.finalResponse();
    expect(deltas.join('')).toBe('Echo: Count to three');
    expect(final).toMatchObject({ status: 'completed', output_text: 'Echo: Count to three', completed_at: expect.any(Number) });
    expect((await client.responses.retrieve(final.id)).output_text).toBe('Echo: Count to three');
  });

  it('runs a tool loop whose call and output come back through previous_response_id', async () => {
    const harness = await start({ turns: scriptedModel({ toolArguments: { get_weather: { city: 'Paris' } } }) });
    const client = clientOf(harness);
    const first = await client.responses.create({ model: 'mock-model', input: 'Weather in Paris?', tools: [weather] });
    const call = first.output.find((item) => item.type === 'function_call');
    expect(call).toMatchObject({ name: 'get_weather', arguments: '{"city":"Paris"}' });
    expect(first.tools).toEqual([weather]);
    const second = await client.responses.create({
      model: 'mock-model',
      previous_response_id: first.id,
      input: [{ type: 'function_call_output', call_id: (call as OpenAI.Responses.ResponseFunctionToolCall).call_id, output: 'sunny, 21°C' }],
      tools: [weather],
    });
    expect(second.output_text).toBe('The tool said: sunny, 21°C');
    expect(harness.upstream.requests.at(-1)!.body.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'tool']);
  });

  it('parses structured output with a zod schema', async () => {
    const answer = { city: 'Paris', temperatureC: 21 };
    const harness = await start({ turns: scriptedModel({ json: answer }) });
    const client = clientOf(harness);
    const Weather = z.object({ city: z.string(), temperatureC: z.number() });
    const parsed = await client.responses.parse({ model: 'mock-model', input: 'Weather in Paris as JSON', text: { format: zodTextFormat(Weather, 'weather') } });
    expect(parsed.output_parsed).toEqual(answer);
    expect(parsed.text?.format).toMatchObject({ type: 'json_schema', name: 'weather', strict: true });
    expect(harness.upstream.requests[0].body.response_format).toMatchObject({ type: 'json_schema', json_schema: { name: 'weather', strict: true } });
  });

  it('keeps a conversation: its items, and every turn of a response that names it', async () => {
    const harness = await start({ turns: scriptedModel() });
    const client = clientOf(harness);
    const conversation = await client.conversations.create({ metadata: { topic: 'demo' }, items: [{ type: 'message', role: 'user', content: 'My name is Ada.' }] });
    expect(conversation).toMatchObject({ id: expect.stringMatching(/^conv_/), object: 'conversation', metadata: { topic: 'demo' } });

    const reply = await client.responses.create({ model: 'mock-model', conversation: conversation.id, input: 'What is my name?' });
    expect(reply.conversation).toEqual({ id: conversation.id });
    // The upstream saw the conversation's item before the new input.
    expect(harness.upstream.requests[0].body.messages).toEqual([
      { role: 'user', content: 'My name is Ada.' },
      { role: 'user', content: 'What is my name?' },
    ]);

    const items = await client.conversations.items.list(conversation.id, { order: 'asc' });
    expect(items.data.map((item) => item.type === 'message' && item.role)).toEqual(['user', 'user', 'assistant']);
    expect(items.data[2]).toMatchObject({ id: reply.output[0].id, content: [{ type: 'output_text', text: 'Echo: What is my name?' }] });

    await client.conversations.items.create(conversation.id, { items: [{ type: 'message', role: 'user', content: 'Note this.' }] });
    const newestFirst = await client.conversations.items.list(conversation.id, { limit: 2 });
    expect(newestFirst.data.map((item) => item.type === 'message' && item.content[0].type === 'input_text' && item.content[0].text)).toEqual(['Note this.', false]);
    expect(newestFirst.has_more).toBe(true);

    expect(await client.conversations.update(conversation.id, { metadata: { topic: 'renamed' } })).toMatchObject({ metadata: { topic: 'renamed' } });
    expect(await client.conversations.delete(conversation.id)).toMatchObject({ id: conversation.id, deleted: true });
    await expect(client.conversations.retrieve(conversation.id)).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    await expect(client.responses.create({ model: 'mock-model', conversation: conversation.id, input: 'x' })).rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });
});
