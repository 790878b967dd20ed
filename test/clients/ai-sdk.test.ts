// The Vercel AI SDK's OpenAI responses model against `serve` in front of a strict chat upstream. In
// a multi-turn chat it refers to its own earlier answers with item_reference (store defaults to
// true); those used to be dropped, so the upstream never saw what the model had said.
import { createOpenAI } from '@ai-sdk/openai';
import { generateObject, generateText, stepCountIs, streamText, tool, type ModelMessage } from 'ai';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { servePerTest, type ServeHarness } from './serve-harness.js';
import { scriptedModel } from './scripted-model.js';

/** The responses model on this serve; `sent` gets every request body the SDK posts. */
const modelOf = (harness: ServeHarness, sent: unknown[] = []) =>
  createOpenAI({
    baseURL: harness.url,
    apiKey: harness.token,
    fetch: async (url, init) => {
      if (typeof init?.body === 'string') sent.push(JSON.parse(init.body));
      return fetch(url, init);
    },
  }).responses('mock-model');

describe('the AI SDK responses model through serve', () => {
  const start = servePerTest();

  it('keeps a multi-turn chat whose earlier answers come back as stored item references', async () => {
    const harness = await start({ turns: scriptedModel() });
    const sent: Array<{ input: unknown[] }> = [];
    const model = modelOf(harness, sent);
    const messages: ModelMessage[] = [{ role: 'user', content: 'My name is Ada.' }];
    const first = await generateText({ model, messages });
    expect(first.text).toBe('Echo: My name is Ada.');
    messages.push(...first.response.messages, { role: 'user', content: 'What is my name?' });
    const second = await generateText({ model, messages });
    expect(second.text).toBe('Echo: What is my name?');

    // The bridge got a reference and the upstream the answer it names.
    expect(sent[1].input[1]).toEqual({ type: 'item_reference', id: expect.stringMatching(/^msg_/) });
    expect(harness.upstream.requests[1].body.messages).toEqual([
      { role: 'user', content: 'My name is Ada.' },
      { role: 'assistant', content: 'Echo: My name is Ada.' },
      { role: 'user', content: 'What is my name?' },
    ]);
  });

  it('refuses a reference to an item the bridge does not have, as api.openai.com does', async () => {
    const harness = await start({ turns: scriptedModel() });
    const model = modelOf(harness);
    const messages: ModelMessage[] = [
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: [{ type: 'text', text: 'Hello', providerOptions: { openai: { itemId: 'msg_unknown' } } }] },
      { role: 'user', content: 'again' },
    ];
    await expect(generateText({ model, messages, maxRetries: 0 })).rejects.toThrow("Item with id 'msg_unknown' not found.");
    expect(harness.upstream.requests).toHaveLength(0);
  });

  it('runs a tool loop', async () => {
    const harness = await start({ turns: scriptedModel({ toolArguments: { weather: { city: 'Lima' } } }) });
    const result = await generateText({
      model: modelOf(harness),
      prompt: 'Weather in Lima?',
      tools: { weather: tool({ description: 'Weather for a city', inputSchema: z.object({ city: z.string() }), execute: async ({ city }) => `cloudy in ${city}` }) },
      stopWhen: stepCountIs(3),
    });
    expect(result.steps).toHaveLength(2);
    expect(result.steps[0].toolCalls[0]).toMatchObject({ toolName: 'weather', input: { city: 'Lima' } });
    expect(result.text).toBe('The tool said: cloudy in Lima');
    expect(harness.upstream.requests[1].body.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'tool']);
  });

  it('streams text', async () => {
    const harness = await start({ turns: scriptedModel() });
    const result = streamText({ model: modelOf(harness), prompt: 'Stream me' });
    let text = '';
    for await (const delta of result.textStream) text += delta;
    expect(text).toBe('Echo: Stream me');
    expect(await result.finishReason).toBe('stop');
  });

  it('generates an object with a zod schema', async () => {
    const harness = await start({ turns: scriptedModel({ json: { name: 'Ada', languages: ['English', 'French'] } }) });
    const { object } = await generateObject({
      model: modelOf(harness),
      schema: z.object({ name: z.string(), languages: z.array(z.string()) }),
      prompt: 'Who wrote the first program?',
    });
    expect(object).toEqual({ name: 'Ada', languages: ['English', 'French'] });
    expect(harness.upstream.requests[0].body.response_format).toMatchObject({ type: 'json_schema' });
  });
});
