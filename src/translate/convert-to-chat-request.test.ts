import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { convertToChatRequest, mapReasoningEffort } from './convert-to-chat-request.js';
import { deepFreeze } from './deep-freeze.js';
import { withQuirks } from './provider-quirks.js';
import type { ResponsesRequest } from './types.js';

const base: ResponsesRequest = { model: 'client-model', input: 'hello', stream: true };

describe('convertToChatRequest', () => {
  it('turns a string input into a user message and asks for usage when streaming', () => {
    const { request, inputItems } = convertToChatRequest(base, { model: 'up-model' });
    expect(request).toEqual({ model: 'up-model', messages: [{ role: 'user', content: 'hello' }], stream: true, stream_options: { include_usage: true } });
    expect(inputItems).toEqual([{ type: 'message', role: 'user', content: 'hello' }]);
  });

  it('does not send stream_options when not streaming', () => {
    expect(convertToChatRequest({ ...base, stream: false }, { model: 'm' }).request.stream_options).toBeUndefined();
  });

  it('puts instructions first, before the history, as a system message', () => {
    const { request } = convertToChatRequest(
      { ...base, instructions: 'You are terse.', input: [{ type: 'message', role: 'user', content: 'again' }] },
      { model: 'm', history: [{ type: 'message', role: 'user', content: 'first' }, { type: 'message', role: 'assistant', content: 'ok' }] },
    );
    expect(request.messages).toEqual([
      { role: 'system', content: 'You are terse.' },
      { role: 'user', content: 'first' },
      { role: 'assistant', content: 'ok' },
      { role: 'user', content: 'again' },
    ]);
  });

  it('maps tool_choice, parallel_tool_calls, reasoning effort, json_schema, max tokens and sampling', () => {
    const { request } = convertToChatRequest(
      {
        ...base,
        tools: [{ type: 'function', name: 'f', parameters: { type: 'object' } }, { type: 'web_search' }],
        tool_choice: { type: 'function', name: 'f' },
        parallel_tool_calls: true,
        reasoning: { effort: 'xhigh', summary: 'auto' },
        text: { format: { type: 'json_schema', name: 'out', schema: { type: 'object' }, strict: true } },
        max_output_tokens: 99,
        temperature: 0.2,
        top_p: 0.9,
        presence_penalty: 0.5,
        frequency_penalty: -0.5,
      },
      { model: 'm' },
    );
    expect(request.tools).toEqual([{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }]);
    expect(request.tool_choice).toEqual({ type: 'function', function: { name: 'f' } });
    expect(request.parallel_tool_calls).toBe(true);
    expect(request.reasoning_effort).toBe('high');
    expect(request.response_format).toEqual({ type: 'json_schema', json_schema: { name: 'out', schema: { type: 'object' }, strict: true } });
    expect(request).toMatchObject({ max_tokens: 99, temperature: 0.2, top_p: 0.9, presence_penalty: 0.5, frequency_penalty: -0.5 });
  });

  it('omits tool fields when every tool was hosted (dropped)', () => {
    const { request } = convertToChatRequest({ ...base, tools: [{ type: 'web_search' }], tool_choice: 'auto', parallel_tool_calls: true }, { model: 'm' });
    expect(request.tools).toBeUndefined();
    expect(request.tool_choice).toBeUndefined();
    expect(request.parallel_tool_calls).toBeUndefined();
  });

  it('maps reasoning efforts to what chat providers know', () => {
    expect(['none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max'].map(mapReasoningEffort)).toEqual([undefined, 'low', 'low', 'medium', 'high', 'high', 'high']);
    expect(mapReasoningEffort(undefined)).toBeUndefined();
  });

  it('rejects bodies it cannot translate with messages that say what is wrong', () => {
    expect(() => convertToChatRequest([] as unknown as ResponsesRequest, { model: 'm' })).toThrowError(/JSON object/);
    expect(() => convertToChatRequest({ input: 5 } as unknown as ResponsesRequest, { model: 'm' })).toThrowError(/input must be a string or an array/);
    expect(() => convertToChatRequest({ input: [] }, { model: 'm' })).toThrowError(/no message to answer/);
    expect(() => convertToChatRequest({ ...base, max_output_tokens: 'lots' } as unknown as ResponsesRequest, { model: 'm' })).toThrowError(/max_output_tokens must be a number/);
    expect(() => convertToChatRequest({ ...base, tools: 'x' } as unknown as ResponsesRequest, { model: 'm' })).toThrowError(/tools must be an array/);
  });
});

describe('convertToChatRequest on frozen input', () => {
  // The server hands the translators parts of a body frozen (reused between requests): translating
  // them must not change them, and must give what the same body unfrozen gives.
  const fixtures = new URL('../../test/fixtures/codex-0.169/', import.meta.url);
  const bodies = readdirSync(fixtures)
    .filter((f) => f.endsWith('.json') && !f.startsWith('model-catalog'))
    .flatMap((f) => (JSON.parse(readFileSync(new URL(f, fixtures), 'utf8')) as Array<{ body: ResponsesRequest }>).map((r) => r.body));
  const quirkSets = [
    undefined,
    withQuirks({ reasoningField: 'reasoning_content', developerRole: false, singleSystemMessage: true }),
    withQuirks({ toolCallIdFormat: 'alnum9', toolNameMaxLength: 40, strictTools: false, imageInput: false }),
  ];

  it.each(quirkSets.map((quirks, i) => [i, quirks]))('gives the same request for every captured Codex body (quirk set %i)', (_i, quirks) => {
    expect(bodies.length).toBeGreaterThan(5);
    const reasoningLookup = { byCallId: () => 'earlier reasoning', byAssistantText: () => 'earlier reasoning' };
    for (const body of bodies) {
      const frozen = deepFreeze(structuredClone(body));
      const expected = convertToChatRequest(structuredClone(body), { model: 'm', reasoningLookup, quirks });
      const actual = convertToChatRequest(frozen, { model: 'm', reasoningLookup, quirks });
      expect(actual.request).toEqual(expected.request);
      expect(actual.toolNames).toEqual(expected.toolNames);
      expect(frozen).toEqual(body);
    }
  });
});
