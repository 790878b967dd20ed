import { describe, expect, it } from 'vitest';
import { convertChatResponseToResponse } from './convert-chat-response-to-response.js';
import { convertToChatTools } from './convert-to-chat-tools.js';
import { decodeReasoningEnvelope } from './reasoning-envelope.js';
import { DEFAULT_QUIRKS } from './provider-quirks.js';

const { toolNames } = convertToChatTools([{ type: 'namespace', name: 'mcp__demo', tools: [{ type: 'function', name: 'echo_text' }] }]);
const context = { responseId: 'resp_b', model: 'm', createdAt: 1, toolNames, upstreamHost: 'h' };

describe('convertChatResponseToResponse', () => {
  it('builds reasoning, text and calls in order, with usage', () => {
    const response = convertChatResponseToResponse(
      {
        choices: [
          {
            message: {
              role: 'assistant',
              reasoning_content: 'why',
              content: 'calling',
              tool_calls: [{ id: 'c1', type: 'function', function: { name: 'mcp__demo__echo_text', arguments: '{"text":"a"}' } }],
            },
            finish_reason: 'tool_calls',
          },
        ],
        usage: { prompt_tokens: 5, completion_tokens: 6 },
      },
      context,
    );
    expect(response.status).toBe('completed');
    expect(response.output.map((i) => i.type)).toEqual(['reasoning', 'message', 'function_call']);
    expect(decodeReasoningEnvelope((response.output[0] as { encrypted_content: string }).encrypted_content)?.text).toBe('why');
    expect(response.output[2]).toMatchObject({ name: 'echo_text', namespace: 'mcp__demo', call_id: 'c1' });
    expect(response.usage).toMatchObject({ input_tokens: 5, output_tokens: 6, total_tokens: 11 });
    expect(response.output_text).toBe('calling');
  });
  it('reports truncation as incomplete (blocking clients only)', () => {
    const response = convertChatResponseToResponse({ choices: [{ message: { content: 'cut' }, finish_reason: 'length' }] }, context);
    expect(response).toMatchObject({ status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } });
  });
  it('fails on an error body or a non-object', () => {
    expect(convertChatResponseToResponse({ error: { message: 'Insufficient Balance' } }, context)).toMatchObject({ status: 'failed', error: { code: 'insufficient_quota' } });
    expect(convertChatResponseToResponse('nope' as never, context)).toMatchObject({ status: 'failed', error: { code: 'upstream_invalid_response' } });
  });
});

describe('convertChatResponseToResponse with provider quirks', () => {
  const withQuirks = { ...context, quirks: { ...DEFAULT_QUIRKS, reasoningField: 'think-tags' as const, finishReasons: { model_length: 'length' as const } } };

  it('parses <think> out of a whole answer, and maps a provider finish_reason to incomplete', () => {
    const response = convertChatResponseToResponse({ choices: [{ message: { role: 'assistant', content: '<think>hmm</think>\n\nanswer' }, finish_reason: 'model_length' }] }, withQuirks);
    expect(response.output.map((i) => i.type)).toEqual(['reasoning', 'message']);
    expect(decodeReasoningEnvelope((response.output[0] as { encrypted_content?: string }).encrypted_content)?.text).toBe('hmm');
    expect(response.output_text).toBe('answer');
    expect(response).toMatchObject({ status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } });
  });

  it("reads Magistral's content parts in a whole answer", () => {
    const response = convertChatResponseToResponse(
      { choices: [{ message: { role: 'assistant', content: [{ type: 'thinking', thinking: [{ type: 'text', text: 'four' }] }, { type: 'text', text: '4' }] }, finish_reason: 'stop' }] },
      context,
    );
    expect(response.output.map((i) => i.type)).toEqual(['reasoning', 'message']);
    expect(response.output_text).toBe('4');
  });
});

describe('convertChatResponseToResponse: provider state that must come back', () => {
  it('reads reasoning_details and a tool call\'s extra_content from a whole message', () => {
    const details = [{ type: 'reasoning.text', text: 'Call the tool.', signature: 'EvgC', format: 'anthropic-claude-v1', index: 0 }];
    const extra = { google: { thought_signature: '<Signature A>' } };
    const response = convertChatResponseToResponse(
      {
        choices: [
          {
            message: {
              role: 'assistant',
              content: null,
              reasoning_details: details,
              tool_calls: [{ id: 'function-call-1', type: 'function', function: { name: 'mcp__demo__echo_text', arguments: '{}' }, extra_content: extra }],
            },
            finish_reason: 'tool_calls',
          },
        ],
      },
      context,
    );
    expect(response.output.map((i) => i.type)).toEqual(['reasoning', 'function_call', 'reasoning']);
    expect(response.output[0]).toMatchObject({ summary: [{ type: 'summary_text', text: 'Call the tool.' }] });
    expect(decodeReasoningEnvelope((response.output[2] as { encrypted_content: string }).encrypted_content)).toMatchObject({ details, toolCallExtras: { 'function-call-1': extra } });
  });

  it('keeps the usage of an error body', () => {
    const response = convertChatResponseToResponse({ error: { message: 'upstream broke' }, usage: { prompt_tokens: 12, completion_tokens: 0 } }, context);
    expect(response).toMatchObject({ status: 'failed', usage: { input_tokens: 12 } });
  });
});
