import { describe, expect, it } from 'vitest';
import { ParameterFallback, refusedParameter, requestHasParameter, withoutParameter } from './adaptive-parameter-fallback.js';
import type { ChatRequest } from '../../translate/types.js';

const request: ChatRequest = {
  model: 'm',
  stream: true,
  stream_options: { include_usage: true },
  messages: [
    { role: 'user', content: 'q' },
    { role: 'assistant', content: null, reasoning_content: 'r', tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{}' } }] },
    { role: 'tool', tool_call_id: 'c', content: 'x' },
  ],
  tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object' }, strict: true } }],
  tool_choice: 'auto',
  parallel_tool_calls: true,
  reasoning_effort: 'high',
};

describe('refusedParameter', () => {
  it.each([
    ['OpenAI style', 400, '{"error":{"message":"Unrecognized request argument supplied: stream_options"}}', 'stream_options'],
    ['Mistral 422', 422, '{"object":"error","message":{"detail":[{"type":"extra_forbidden","loc":["body","parallel_tool_calls"],"msg":"Extra inputs are not permitted","input":true}]},"type":"invalid_request_error"}', 'parallel_tool_calls'],
    ['Mistral message field', 422, '{"detail":[{"type":"extra_forbidden","loc":["body","messages",1,"assistant","reasoning_content"],"msg":"Extra inputs are not permitted","input":"r"}]}', 'reasoning_content'],
    ['Gemini', 400, '[{"error":{"code":400,"message":"Invalid JSON payload received. Unknown name \\"parallel_tool_calls\\": Cannot find field.","status":"INVALID_ARGUMENT"}}]', 'parallel_tool_calls'],
    ['xAI camelCase', 400, '{"code":"Client specified an invalid argument","error":"Model grok-4 does not support parameter reasoningEffort."}', 'reasoning_effort'],
    ['Groq', 400, '{"error":{"message":"property \'strict\' is unsupported","type":"invalid_request_error"}}', 'strict'],
  ])('%s', (_name, status, body, expected) => {
    expect(refusedParameter(status, body, request)).toBe(expected);
  });

  it('ignores errors that do not refuse a parameter we sent', () => {
    expect(refusedParameter(400, "This model's maximum context length is 65536 tokens.", request)).toBeUndefined();
    expect(refusedParameter(400, 'The reasoning_content in the thinking mode must be passed back to the API.', request)).toBeUndefined();
    expect(refusedParameter(400, 'reasoning_content is missing in assistant tool call message at index 1', request)).toBeUndefined();
    expect(refusedParameter(400, 'Unrecognized request argument supplied: response_format', request)).toBeUndefined(); // not sent
    expect(refusedParameter(500, 'Unrecognized request argument supplied: stream_options', request)).toBeUndefined();
    expect(refusedParameter(429, 'unsupported stream_options', request)).toBeUndefined();
    expect(refusedParameter(400, 'Unrecognized request argument supplied: stream_optionsX', request)).toBeUndefined();
  });
});

describe('withoutParameter', () => {
  it('removes top-level fields, strict everywhere, and message fields, without touching the input', () => {
    const before = JSON.stringify(request);
    expect('stream_options' in withoutParameter(request, 'stream_options')).toBe(false);
    const noStrict = withoutParameter({ ...request, response_format: { type: 'json_schema', json_schema: { name: 'o', strict: true } } }, 'strict');
    expect(requestHasParameter(noStrict, 'strict')).toBe(false);
    expect(noStrict.response_format).toEqual({ type: 'json_schema', json_schema: { name: 'o' } });
    const noReasoning = withoutParameter(request, 'reasoning_content');
    expect(noReasoning.messages[1]).toEqual({ role: 'assistant', content: null, tool_calls: request.messages[1].role === 'assistant' ? request.messages[1].tool_calls : [] });
    expect(withoutParameter(request, 'response_format')).toBe(request);
    expect(JSON.stringify(request)).toBe(before);
  });
});

describe('replay state a strict upstream refuses', () => {
  const withState: ChatRequest = {
    ...request,
    messages: [
      { role: 'user', content: 'q' },
      {
        role: 'assistant',
        content: null,
        reasoning_details: [{ type: 'reasoning.encrypted', data: 'x' }],
        tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{}' }, extra_content: { google: { thought_signature: 's' } } }],
      },
      { role: 'tool', tool_call_id: 'c', content: 'x' },
    ],
  };
  it('names reasoning_details and extra_content when a validator quotes them, and drops them', () => {
    const mistral = (field: string) => `{"detail":[{"type":"extra_forbidden","loc":["body","messages",1,"assistant","${field}"],"msg":"Extra inputs are not permitted"}]}`;
    expect(refusedParameter(422, mistral('reasoning_details'), withState)).toBe('reasoning_details');
    expect(refusedParameter(422, mistral('extra_content'), withState)).toBe('extra_content');
    // Gemini asking for a signature is not a refusal of one.
    expect(refusedParameter(400, 'Function call is missing a thought_signature in functionCall parts.', withState)).toBeUndefined();
    const bare = withoutParameter(withoutParameter(withState, 'reasoning_details'), 'extra_content');
    expect(bare.messages[1]).toEqual({ role: 'assistant', content: null, tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{}' } }] });
    expect(requestHasParameter(bare, 'extra_content')).toBe(false);
    expect(withoutParameter(request, 'extra_content')).toBe(request);
  });
});

describe('ParameterFallback', () => {
  it('remembers what was refused and leaves it out of every later request', () => {
    const fallback = new ParameterFallback();
    expect(fallback.apply(request)).toBe(request);
    fallback.remember('stream_options');
    fallback.remember('strict');
    const next = fallback.apply(request);
    expect('stream_options' in next).toBe(false);
    expect(next.tools?.[0].function).toEqual({ name: 'f', parameters: { type: 'object' } });
    expect(next.parallel_tool_calls).toBe(true);
    expect(fallback.droppedParameters).toEqual(['stream_options', 'strict']);
  });
});
