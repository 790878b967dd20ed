import { describe, expect, it } from 'vitest';
import { ChatStreamToResponsesEvents, type ResponseContext } from './chat-stream-to-responses-events.js';
import { conversationIdOf, responseRequestFields } from './response-resource.js';

const context: ResponseContext = { responseId: 'resp_r', model: 'm', createdAt: 100, toolNames: new Map(), upstreamHost: 'up' };

describe('responseRequestFields', () => {
  it('reports the defaults api.openai.com reports for a bare request', () => {
    expect(responseRequestFields({})).toEqual({
      instructions: null,
      max_output_tokens: null,
      max_tool_calls: null,
      parallel_tool_calls: true,
      prompt_cache_key: null,
      reasoning: { effort: null, summary: null },
      safety_identifier: null,
      service_tier: 'default',
      store: true,
      temperature: 1,
      text: { format: { type: 'text' }, verbosity: 'medium' },
      tool_choice: 'auto',
      tools: [],
      top_logprobs: 0,
      top_p: 1,
      truncation: 'disabled',
      background: false,
      presence_penalty: 0,
      frequency_penalty: 0,
      user: null,
      metadata: {},
    });
  });

  it('takes each value from the request, and completes function tools and json_schema formats', () => {
    const fields = responseRequestFields({
      instructions: 'Be brief.',
      max_output_tokens: 64,
      parallel_tool_calls: false,
      temperature: 0.2,
      top_p: 0.9,
      store: false,
      reasoning: { effort: 'high', summary: 'auto' },
      tool_choice: { type: 'function', name: 'f' },
      tools: [{ type: 'function', name: 'f' }, { type: 'web_search' }],
      text: { format: { type: 'json_schema', name: 'out', schema: { type: 'object' } }, verbosity: 'low' },
      metadata: { k: 'v' },
      prompt_cache_key: 'thread-1',
      conversation: { id: 'conv_1' },
    });
    expect(fields).toMatchObject({
      instructions: 'Be brief.',
      max_output_tokens: 64,
      parallel_tool_calls: false,
      temperature: 0.2,
      top_p: 0.9,
      store: false,
      reasoning: { effort: 'high', summary: 'auto' },
      tool_choice: { type: 'function', name: 'f' },
      tools: [{ type: 'function', name: 'f', description: null, parameters: null, strict: true }, { type: 'web_search' }],
      text: { format: { type: 'json_schema', name: 'out', description: null, schema: { type: 'object' }, strict: false }, verbosity: 'low' },
      metadata: { k: 'v' },
      prompt_cache_key: 'thread-1',
      conversation: { id: 'conv_1' },
    });
  });

  it('reports what the bridge did where it cannot do what was asked', () => {
    expect(responseRequestFields({ background: true, service_tier: 'flex', truncation: 'auto', top_logprobs: 5, max_tool_calls: 2 })).toMatchObject({
      background: false,
      service_tier: 'default',
      truncation: 'disabled',
      top_logprobs: 0,
      max_tool_calls: null,
    });
  });

  it('reads a conversation given as an id or as {id}', () => {
    expect(conversationIdOf('conv_a')).toBe('conv_a');
    expect(conversationIdOf({ id: 'conv_b' })).toBe('conv_b');
    expect(conversationIdOf({})).toBeUndefined();
    expect(conversationIdOf('')).toBeUndefined();
  });
});

describe('the response object on every event', () => {
  it('carries the request fields, completed_at null until it ends and then the time it ended', () => {
    let now = 100;
    const translator = new ChatStreamToResponsesEvents({ ...context, requestFields: responseRequestFields({ instructions: 'x' }), now: () => now });
    const [created] = translator.start();
    expect(created.response).toMatchObject({ status: 'in_progress', completed_at: null, instructions: 'x', tools: [], store: true });
    translator.push({ choices: [{ index: 0, delta: { content: 'hi' }, finish_reason: 'stop' }] });
    now = 107;
    const completed = translator.end({ sawDone: true }).at(-1)!;
    expect(completed.type).toBe('response.completed');
    expect(completed.response).toMatchObject({ status: 'completed', created_at: 100, completed_at: 107, instructions: 'x', output_text: 'hi' });
  });

  it('sets completed_at on a failed response too', () => {
    const translator = new ChatStreamToResponsesEvents({ ...context, now: () => 123 });
    translator.start();
    const [failed] = translator.fail({ code: 'upstream_error', message: 'gone' });
    expect(failed.response).toMatchObject({ status: 'failed', completed_at: 123, error: { code: 'upstream_error' } });
  });
});
