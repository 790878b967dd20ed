// The `openai` SDK drives the bridge like any Responses client: previous_response_id chains,
// blocking and streamed, and the upstream must see the full rebuilt history each time.
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { bridgeWithMockPerTest, TOKEN } from './bridge-harness.js';
import type { MockTurn } from '../helpers/mock-upstream.js';

const tools = [
  { type: 'function' as const, name: 'get_weather', description: 'Weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] }, strict: false },
  { type: 'function' as const, name: 'get_time', description: 'Local time', parameters: { type: 'object', properties: {} }, strict: false },
];
const script: MockTurn[] = [
  { reasoning: 'I need the weather.', toolCalls: [{ id: 'call_w', name: 'get_weather', arguments: '{"city":"Paris"}' }] },
  { reasoning: 'Now the time.', toolCalls: [{ id: 'call_t', name: 'get_time', arguments: '' }] },
  { reasoning: 'Answer.', content: 'Sunny in Paris at noon.', usage: { prompt_tokens: 300, completion_tokens: 12, cached_tokens: 100, reasoning_tokens: 4 } },
];

describe('openai SDK through the bridge', () => {
  const startHarness = bridgeWithMockPerTest();

  for (const mode of ['blocking', 'streamed'] as const) {
    it(`runs a 3-step tool loop via previous_response_id (${mode})`, async () => {
      const harness = await startHarness({ turns: script, rules: { reasoning: 'deepseek' } });
      const client = new OpenAI({ baseURL: harness.bridge.url, apiKey: TOKEN, maxRetries: 0 });

      const create = async (body: Record<string, unknown>) => {
        if (mode === 'blocking') return client.responses.create({ model: 'mock-model', tools, ...body } as never) as Promise<OpenAI.Responses.Response>;
        const stream = await client.responses.create({ model: 'mock-model', tools, stream: true, ...body } as never);
        let completed: OpenAI.Responses.Response | undefined;
        const types: string[] = [];
        for await (const event of stream as unknown as AsyncIterable<OpenAI.Responses.ResponseStreamEvent>) {
          types.push(event.type);
          if (event.type === 'response.completed') completed = event.response;
        }
        expect(types[0]).toBe('response.created');
        expect(types).toContain('response.output_item.done');
        expect(completed, 'response.completed carries the response').toBeDefined();
        expect(completed!.output.length).toBeGreaterThan(0);
        return completed!;
      };

      const first = await create({ input: 'What is the weather and time in Paris?', instructions: 'Be brief.' });
      const call1 = first.output.find((i) => i.type === 'function_call') as OpenAI.Responses.ResponseFunctionToolCall;
      expect(call1).toMatchObject({ name: 'get_weather', call_id: 'call_w', arguments: '{"city":"Paris"}' });

      const second = await create({ previous_response_id: first.id, input: [{ type: 'function_call_output', call_id: call1.call_id, output: 'sunny' }] });
      const call2 = second.output.find((i) => i.type === 'function_call') as OpenAI.Responses.ResponseFunctionToolCall;
      expect(call2).toMatchObject({ name: 'get_time', arguments: '{}' });

      const third = await create({ previous_response_id: second.id, input: [{ type: 'function_call_output', call_id: call2.call_id, output: '12:00' }], instructions: 'Be brief.' });
      expect(third.output_text).toBe('Sunny in Paris at noon.');
      expect(third.usage).toMatchObject({ input_tokens: 300, output_tokens: 12, input_tokens_details: { cached_tokens: 100 }, output_tokens_details: { reasoning_tokens: 4 } });

      const requests = harness.upstream.requests;
      expect(requests.map((r) => r.status)).toEqual([200, 200, 200]);
      // The last upstream request carries the whole rebuilt conversation, reasoning included,
      // with this request's instructions leading it.
      expect(requests[2].body.messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'tool', 'assistant', 'tool']);
      expect(requests[2].body.messages[0]).toEqual({ role: 'system', content: 'Be brief.' });
      expect(requests[2].body.messages[2]).toMatchObject({ reasoning_content: 'I need the weather.', tool_calls: [{ id: 'call_w' }] });
      expect(requests[2].body.messages[4]).toMatchObject({ reasoning_content: 'Now the time.', tool_calls: [{ id: 'call_t' }] });
      // The second request had no instructions: history never smuggles the old ones back in.
      expect(requests[1].body.messages[0].role).toBe('user');
    });
  }

  it('keeps no history for store:false responses (Codex), and does for the default', async () => {
    const harness = await startHarness({ turns: script });
    const client = new OpenAI({ baseURL: harness.bridge.url, apiKey: TOKEN, maxRetries: 0 });
    const first = await client.responses.create({ model: 'mock-model', input: 'x', tools, store: false });
    expect(harness.store.history(first.id)).toBeUndefined();
    const error = await client.responses.create({ model: 'mock-model', input: 'y', previous_response_id: first.id }).catch((e) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    const kept = await client.responses.create({ model: 'mock-model', input: 'z', tools });
    expect(harness.store.history(kept.id)?.[0]).toMatchObject({ role: 'user', content: 'z' });
  });

  it('answers an unknown previous_response_id with a clear 400', async () => {
    const harness = await startHarness({ turns: script });
    const client = new OpenAI({ baseURL: harness.bridge.url, apiKey: TOKEN, maxRetries: 0 });
    const error = await client.responses.create({ model: 'mock-model', input: 'x', previous_response_id: 'resp_nope' }).catch((e) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(error.message).toMatch(/previous_response_id "resp_nope" is not known/);
    expect(harness.upstream.requests).toHaveLength(0);
  });
});
