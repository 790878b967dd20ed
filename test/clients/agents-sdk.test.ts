// The OpenAI Agents SDK against `serve` in front of a strict chat upstream: a tool loop, a handoff,
// previousResponseId, and conversationId (which used to end in MaxTurnsExceeded: the conversation
// was ignored, so each tool output arrived without its call).
import { Agent, OpenAIConversationsSession, OpenAIProvider, Runner, setTracingDisabled, tool } from '@openai/agents';
import OpenAI from 'openai';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { servePerTest, type ServeHarness } from './serve-harness.js';
import { scriptedModel } from './scripted-model.js';

const getWeather = tool({
  name: 'get_weather',
  description: 'Weather for a city',
  parameters: z.object({ city: z.string() }),
  execute: async ({ city }) => `sunny in ${city}`,
});

const weatherAgent = () => new Agent({ name: 'Weather', instructions: 'Answer with the weather.', model: 'mock-model', tools: [getWeather] });

describe('the OpenAI Agents SDK through serve', () => {
  const start = servePerTest();
  beforeAll(() => {
    // Nothing may leave the machine: no traces to api.openai.com.
    setTracingDisabled(true);
  });
  /** A client and a runner whose models all go to this serve, over the Responses API. */
  const connect = (harness: ServeHarness) => {
    const client = new OpenAI({ baseURL: harness.url, apiKey: harness.token, maxRetries: 0 });
    const runner = new Runner({ modelProvider: new OpenAIProvider({ openAIClient: client, useResponses: true }), tracingDisabled: true });
    return { client, run: runner.run.bind(runner) as Runner['run'] };
  };

  it('runs a tool loop', async () => {
    const harness = await start({ turns: scriptedModel({ toolArguments: { get_weather: { city: 'Paris' } } }) });
    const { run } = connect(harness);
    const result = await run(weatherAgent(), 'What is the weather in Paris?');
    expect(result.finalOutput).toBe('The tool said: sunny in Paris');
    const last = harness.upstream.requests.at(-1)!.body;
    expect(last.messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'tool']);
    expect(last.messages[0]).toEqual({ role: 'system', content: 'Answer with the weather.' });
  });

  it('hands off to another agent', async () => {
    const harness = await start({ turns: scriptedModel() });
    const { run } = connect(harness);
    const spanish = new Agent({ name: 'Spanish', instructions: 'Answer in Spanish.', model: 'mock-model' });
    const triage = Agent.create({ name: 'Triage', instructions: 'Route the user.', model: 'mock-model', handoffs: [spanish] });
    const result = await run(triage, 'Hola, ¿qué tal?');
    expect(result.lastAgent?.name).toBe('Spanish');
    // The Spanish agent answered, after the handoff's own tool output (what the scripted model echoes).
    expect(result.finalOutput).toBe('The tool said: {"assistant":"Spanish"}');
    const [first, second] = harness.upstream.requests.map((r) => r.body);
    expect(first.tools?.map((t) => t.function.name)).toEqual(['transfer_to_Spanish']);
    expect(second.messages[0]).toEqual({ role: 'system', content: 'Answer in Spanish.' });
    expect(second.messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'tool']);
  });

  it('continues a run from previousResponseId', async () => {
    const harness = await start({ turns: scriptedModel({ toolArguments: { get_weather: { city: 'Oslo' } } }) });
    const { run } = connect(harness);
    const first = await run(weatherAgent(), 'Weather in Oslo?');
    expect(first.lastResponseId).toMatch(/^resp_/);
    const second = await run(weatherAgent(), 'And tomorrow?', { previousResponseId: first.lastResponseId });
    expect(second.finalOutput).toBe('The tool said: sunny in Oslo');
    // The upstream got the whole first run back before the new question.
    const roles = harness.upstream.requests.at(-1)!.body.messages.map((m) => m.role);
    expect(roles).toEqual(['system', 'user', 'assistant', 'tool', 'assistant', 'user', 'assistant', 'tool']);
  });

  it('keeps the run in a conversation given by conversationId', async () => {
    const harness = await start({ turns: scriptedModel({ toolArguments: { get_weather: { city: 'Rome' } } }) });
    const { client, run } = connect(harness);
    const conversation = await client.conversations.create({});
    const result = await run(weatherAgent(), 'Weather in Rome?', { conversationId: conversation.id, maxTurns: 4 });
    expect(result.finalOutput).toBe('The tool said: sunny in Rome');
    const items = await client.conversations.items.list(conversation.id, { order: 'asc' });
    expect(items.data.map((item) => item.type)).toEqual(['message', 'function_call', 'function_call_output', 'message']);
    // The tool's output reached the upstream as the answer to its call, not as a user message.
    expect(harness.upstream.requests.at(-1)!.body.messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'tool']);
  });

  it('keeps a session in the Conversations API (OpenAIConversationsSession)', async () => {
    const harness = await start({ turns: scriptedModel() });
    const { client, run } = connect(harness);
    const session = new OpenAIConversationsSession({ client });
    const agent = new Agent({ name: 'Echo', instructions: 'Echo.', model: 'mock-model' });
    await run(agent, 'first', { session });
    const second = await run(agent, 'second', { session });
    expect(second.finalOutput).toBe('Echo: second');
    expect(harness.upstream.requests.at(-1)!.body.messages).toEqual([
      { role: 'system', content: 'Echo.' },
      { role: 'user', content: 'first' },
      { role: 'assistant', content: 'Echo: first' },
      { role: 'user', content: 'second' },
    ]);
    const popped = await session.popItem();
    expect(popped).toMatchObject({ role: 'assistant' });
    expect((await session.getItems()).length).toBe(3);
    await session.clearSession();
  });
});
