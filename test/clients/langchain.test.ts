// LangChain's ChatOpenAI on the Responses API (useResponsesApi) against `serve` in front of a strict
// chat upstream: a plain answer, a stream, a tool round trip and structured output.
import { HumanMessage, ToolMessage } from '@langchain/core/messages';
import { tool } from '@langchain/core/tools';
import { ChatOpenAI } from '@langchain/openai';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { servePerTest, type ServeHarness } from './serve-harness.js';
import { scriptedModel } from './scripted-model.js';

const chatOf = (harness: ServeHarness) =>
  new ChatOpenAI({ model: 'mock-model', apiKey: harness.token, configuration: { baseURL: harness.url }, useResponsesApi: true, maxRetries: 0 });

describe("LangChain's ChatOpenAI with useResponsesApi through serve", () => {
  const start = servePerTest();

  it('answers, and streams', async () => {
    const harness = await start({ turns: scriptedModel() });
    const chat = chatOf(harness);
    const answer = await chat.invoke('Hello from LangChain');
    expect(answer.text).toBe('Echo: Hello from LangChain');
    expect(answer.response_metadata).toMatchObject({ model_name: 'mock-model' });

    let streamed = '';
    for await (const chunk of await chat.stream('Stream it')) streamed += chunk.text;
    expect(streamed).toBe('Echo: Stream it');
  });

  it('runs a tool round trip', async () => {
    const harness = await start({ turns: scriptedModel({ toolArguments: { get_weather: { city: 'Kyoto' } } }) });
    const getWeather = tool(async ({ city }: { city: string }) => `rainy in ${city}`, {
      name: 'get_weather',
      description: 'Weather for a city',
      schema: z.object({ city: z.string() }),
    });
    const chat = chatOf(harness).bindTools([getWeather]);
    const question = new HumanMessage('Weather in Kyoto?');
    const call = await chat.invoke([question]);
    expect(call.tool_calls).toMatchObject([{ name: 'get_weather', args: { city: 'Kyoto' } }]);
    const result = await getWeather.invoke(call.tool_calls![0]);
    const answer = await chat.invoke([question, call, result as ToolMessage]);
    expect(answer.text).toBe('The tool said: rainy in Kyoto');
    expect(harness.upstream.requests[1].body.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'tool']);
  });

  it('returns structured output', async () => {
    const harness = await start({ turns: scriptedModel({ json: { title: 'Dune', year: 1965 } }) });
    const structured = chatOf(harness).withStructuredOutput(z.object({ title: z.string(), year: z.number() }), { name: 'book' });
    expect(await structured.invoke('A famous science fiction novel')).toEqual({ title: 'Dune', year: 1965 });
  });
});
