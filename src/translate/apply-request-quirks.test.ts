import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { applyRequestQuirks, IMAGE_OMITTED_NOTE } from './apply-request-quirks.js';
import { convertToChatRequest } from './convert-to-chat-request.js';
import { DEFAULT_QUIRKS, withQuirks } from './provider-quirks.js';
import { ALNUM9_TOOL_CALL_ID } from './rewrite-tool-call-id.js';
import type { ChatRequest, ResponsesInputItem, ResponsesRequest } from './types.js';
import { deepFreeze } from './deep-freeze.js';

const fixtures = new URL('../../test/fixtures/codex-0.169/', import.meta.url);
const captured = readdirSync(fixtures)
  .filter((f) => f.endsWith('.json') && !f.startsWith('model-catalog'))
  .flatMap((f) => (JSON.parse(readFileSync(new URL(f, fixtures), 'utf8')) as Array<{ body: ResponsesRequest }>).map((r, i) => ({ name: `${f}#${i}`, body: r.body })));

const tools = [
  { type: 'function', name: 'exec_command', strict: true, parameters: { type: 'object', properties: { cmd: { type: 'string' } } } },
  { type: 'namespace', name: 'mcp__a_server_with_a_rather_long_name', tools: [{ type: 'function', name: 'a_tool_with_an_even_longer_name_than_that' }] },
];
const conversation: ResponsesInputItem[] = [
  { type: 'message', role: 'developer', content: 'base prompt' },
  { type: 'message', role: 'developer', content: 'skills' },
  { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'look' }, { type: 'input_image', image_url: 'data:image/png;base64,AAAA' }] },
  { type: 'reasoning', summary: [], content: [{ type: 'reasoning_text', text: 'think 1' }] },
  { type: 'function_call', call_id: 'call_abc', name: 'exec_command', arguments: '{"cmd":"ls"}' },
  { type: 'function_call', call_id: 'functions.exec_command:1', name: 'a_tool_with_an_even_longer_name_than_that', namespace: 'mcp__a_server_with_a_rather_long_name', arguments: '{}' },
  { type: 'function_call_output', call_id: 'call_abc', output: 'a b' },
  { type: 'function_call_output', call_id: 'functions.exec_command:1', output: [{ type: 'input_image', image_url: 'data:image/png;base64,BBBB' }] },
  { type: 'reasoning', summary: [], content: [{ type: 'reasoning_text', text: 'think 2' }] },
  { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'done' }] },
  { type: 'message', role: 'developer', content: 'mid-history notice' },
  { type: 'message', role: 'user', content: 'next' },
];
const body: ResponsesRequest = {
  model: 'm',
  stream: true,
  input: conversation,
  tools,
  tool_choice: { type: 'function', name: 'a_tool_with_an_even_longer_name_than_that', namespace: 'mcp__a_server_with_a_rather_long_name' },
  parallel_tool_calls: true,
  reasoning: { effort: 'minimal' },
  text: { format: { type: 'json_schema', name: 'out', schema: { type: 'object' }, strict: true } },
};
const convert = (overrides: Parameters<typeof withQuirks>[0]) => convertToChatRequest(body, { model: 'up', quirks: withQuirks(overrides) });
const plain = convertToChatRequest(body, { model: 'up' });

describe('applyRequestQuirks', () => {
  it('with the defaults, changes nothing: every captured Codex request translates exactly as before', () => {
    expect(captured.length).toBeGreaterThan(10);
    for (const { name, body: captive } of captured) {
      const without = convertToChatRequest(captive, { model: 'up' });
      const withDefaults = convertToChatRequest(captive, { model: 'up', quirks: withQuirks() });
      expect(withDefaults.request, name).toEqual(without.request);
      expect(JSON.stringify(withDefaults.request), name).toBe(JSON.stringify(without.request));
      expect(withDefaults.toolNames).toEqual(without.toolNames);
      expect(withDefaults.toolCallIds.size).toBe(0);
    }
    expect(convertToChatRequest(body, { model: 'up', quirks: DEFAULT_QUIRKS }).request).toEqual(plain.request);
  });

  it('does not touch its input', () => {
    const before = JSON.stringify(plain.request);
    applyRequestQuirks(plain.request, plain.toolNames, withQuirks({ singleSystemMessage: true, toolCallIdFormat: 'alnum9', strictTools: false, imageInput: false, reasoningReplay: 'none', toolNameMaxLength: 32 }));
    expect(JSON.stringify(plain.request)).toBe(before);
  });

  it('singleSystemMessage: merges every system message, mid-history ones too, into one leading message', () => {
    const { request } = convert({ singleSystemMessage: true });
    expect(request.messages[0]).toEqual({ role: 'system', content: 'base prompt\n\nskills\n\nmid-history notice' });
    expect(request.messages.filter((m) => m.role === 'system')).toHaveLength(1);
    expect(request.messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'tool', 'tool', 'user', 'assistant', 'user']);
    // Already a single leading system message: left as it is.
    const single = convertToChatRequest({ model: 'm', input: [{ role: 'developer', content: 'only' }, { role: 'user', content: 'hi' }] }, { model: 'up', quirks: withQuirks({ singleSystemMessage: true }) });
    expect(single.request.messages).toEqual([{ role: 'system', content: 'only' }, { role: 'user', content: 'hi' }]);
  });

  it('developerRole: developer messages keep their role (instructions stay system)', () => {
    const { request } = convertToChatRequest({ ...body, instructions: 'sys' }, { model: 'up', quirks: withQuirks({ developerRole: true }) });
    expect(request.messages.filter((m) => m.role === 'developer').map((m) => m.content)).toEqual(['base prompt', 'skills', 'mid-history notice']);
    expect(request.messages[0]).toEqual({ role: 'system', content: 'sys' });
  });

  it('strictTools false: no strict on tools or on the json_schema format', () => {
    expect(plain.request.tools?.[0].function.strict).toBe(true);
    const { request } = convert({ strictTools: false });
    expect(request.tools?.every((t) => !('strict' in t.function))).toBe(true);
    expect(request.response_format).toEqual({ type: 'json_schema', json_schema: { name: 'out', schema: { type: 'object' } } });
  });

  it('parallelToolCalls and streamOptions false: the fields are left out', () => {
    expect(plain.request.parallel_tool_calls).toBe(true);
    expect(plain.request.stream_options).toEqual({ include_usage: true });
    const { request } = convert({ parallelToolCalls: false, streamOptions: false });
    expect('parallel_tool_calls' in request).toBe(false);
    expect('stream_options' in request).toBe(false);
  });

  it('reasoningEffortValues: clamps Codex effort to what the provider accepts', () => {
    expect(plain.request.reasoning_effort).toBe('low');
    expect(convert({ reasoningEffortValues: ['none', 'low', 'medium', 'high'] }).request.reasoning_effort).toBe('low');
    expect(convertToChatRequest({ ...body, reasoning: { effort: 'none' } }, { model: 'up', quirks: withQuirks({ reasoningEffortValues: ['none', 'low'] }) }).request.reasoning_effort).toBe('none');
    expect('reasoning_effort' in convert({ reasoningEffortValues: [] }).request).toBe(false);
  });

  it('imageInput false: images become a note, and user content is plain text', () => {
    const { request } = convert({ imageInput: false });
    const users = request.messages.filter((m) => m.role === 'user');
    expect(users.map((m) => m.content)).toEqual([`look\n${IMAGE_OMITTED_NOTE}`, IMAGE_OMITTED_NOTE, 'next']);
  });

  it('imageInput false with fileInput file: images become notes, files stay parts', () => {
    const pdf = 'data:application/pdf;base64,JVBERi0xLjEK';
    const input: ResponsesInputItem[] = [
      { type: 'message', role: 'user', content: [{ type: 'input_image', image_url: 'data:image/png;base64,AAAA' }, { type: 'input_file', filename: 'a.pdf', file_data: pdf }] },
    ];
    const { request } = convertToChatRequest({ input }, { model: 'up', quirks: withQuirks({ imageInput: false, fileInput: 'file' }) });
    expect(request.messages[0].content).toEqual([
      { type: 'text', text: IMAGE_OMITTED_NOTE },
      { type: 'file', file: { filename: 'a.pdf', file_data: pdf } },
    ]);
  });

  it('keeps assistant and tool content strings whatever the switches', () => {
    const raw: ChatRequest = {
      model: 'm',
      stream: false,
      messages: [
        { role: 'user', content: 'q' },
        { role: 'assistant', content: [{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }] as never },
        { role: 'system', content: [{ type: 'text', text: 's' }] as never },
      ],
    };
    const { request } = applyRequestQuirks(raw, new Map(), withQuirks());
    expect(request.messages.map((m) => m.content)).toEqual(['q', 'a\nb', 's']);
  });

  it('reasoningReplay and reasoningField: which assistant messages carry reasoning, under which name', () => {
    const reasoningOf = (request: ChatRequest) =>
      request.messages.filter((m) => m.role === 'assistant').map((m) => ({ rc: (m as { reasoning_content?: string }).reasoning_content, r: (m as { reasoning?: string }).reasoning }));
    expect(reasoningOf(plain.request)).toEqual([{ rc: 'think 1', r: undefined }, { rc: 'think 2', r: undefined }]);
    expect(reasoningOf(convert({ reasoningReplay: 'tool-calls' }).request)).toEqual([{ rc: 'think 1', r: undefined }, { rc: undefined, r: undefined }]);
    expect(reasoningOf(convert({ reasoningReplay: 'none' }).request)).toEqual([{ rc: undefined, r: undefined }, { rc: undefined, r: undefined }]);
    expect(reasoningOf(convert({ reasoningField: 'reasoning' }).request)).toEqual([{ rc: undefined, r: 'think 1' }, { rc: undefined, r: 'think 2' }]);
    expect(reasoningOf(convert({ reasoningField: 'think-tags' }).request)).toEqual([{ rc: 'think 1', r: undefined }, { rc: 'think 2', r: undefined }]);
    const none = convert({ reasoningReplay: 'none' }).request.messages.filter((m) => m.role === 'assistant');
    expect(none.every((m) => !('reasoning_content' in m) && !('reasoning' in m))).toBe(true);
  });

  it("keeps reasoning_details where reasoning is replayed, and a call's extra_content whatever the id format", () => {
    const details = [{ type: 'reasoning.encrypted', data: 'CiUB', index: 0 }];
    const extra = { google: { thought_signature: 'sig' } };
    const request: ChatRequest = {
      model: 'm',
      stream: true,
      messages: [
        { role: 'user', content: 'go' },
        { role: 'assistant', content: null, reasoning_content: 'r', reasoning_details: details, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'exec_command', arguments: '{}' }, extra_content: extra }] },
        { role: 'tool', tool_call_id: 'call_1', content: 'ok' },
      ],
    };
    const assistantOf = (quirks: Parameters<typeof withQuirks>[0]) => applyRequestQuirks(request, new Map(), withQuirks(quirks)).request.messages[1] as Record<string, any>;
    expect(assistantOf({})).toMatchObject({ reasoning_content: 'r', reasoning_details: details, tool_calls: [{ extra_content: extra }] });
    expect(assistantOf({ reasoningField: 'reasoning' })).toMatchObject({ reasoning: 'r', reasoning_details: details });
    const none = assistantOf({ reasoningReplay: 'none' });
    expect('reasoning_details' in none).toBe(false);
    expect(none.tool_calls[0].extra_content).toEqual(extra);
    expect(assistantOf({ toolCallIdFormat: 'alnum9' }).tool_calls[0]).toMatchObject({ id: expect.stringMatching(ALNUM9_TOOL_CALL_ID), extra_content: extra });
  });

  it('toolCallIdFormat alnum9: every id becomes 9 alphanumerics, calls and answers alike, and the map leads back', () => {
    const { request, toolCallIds } = convert({ toolCallIdFormat: 'alnum9' });
    const assistant = request.messages.find((m) => m.role === 'assistant' && m.tool_calls) as Extract<ChatRequest['messages'][number], { role: 'assistant' }>;
    const ids = assistant.tool_calls!.map((c) => c.id);
    expect(ids.every((id) => ALNUM9_TOOL_CALL_ID.test(id))).toBe(true);
    const answers = request.messages.filter((m) => m.role === 'tool').map((m) => (m as { tool_call_id: string }).tool_call_id);
    expect(answers).toEqual(ids);
    expect(ids.map((id) => toolCallIds.get(id))).toEqual(['call_abc', 'functions.exec_command:1']);
    // The same Codex ids map to the same upstream ids on the next request.
    expect(convert({ toolCallIdFormat: 'alnum9' }).toolCallIds).toEqual(toolCallIds);
  });

  it('toolNameMaxLength: long names are shortened everywhere, and the name map follows', () => {
    const longName = 'mcp__a_server_with_a_rather_long_name__a_tool_with_an_even_longer_name_than_that';
    expect(plain.toolNames.has(longName.slice(0, 64)) || [...plain.toolNames.keys()].some((k) => k.length > 32)).toBe(true);
    const { request, toolNames } = convert({ toolNameMaxLength: 32 });
    const names = request.tools!.map((t) => t.function.name);
    expect(names.every((n) => n.length <= 32)).toBe(true);
    expect(names[0]).toBe('exec_command');
    const short = names[1];
    expect(toolNames.get(short)).toEqual({ name: 'a_tool_with_an_even_longer_name_than_that', namespace: 'mcp__a_server_with_a_rather_long_name', kind: 'function' });
    expect(request.tool_choice).toEqual({ type: 'function', function: { name: short } });
    const called = request.messages.flatMap((m) => (m.role === 'assistant' ? (m.tool_calls ?? []).map((c) => c.function.name) : []));
    expect(called).toEqual(['exec_command', short]);
  });

  it('bends the same frozen tools once per provider, with the same result as unfrozen ones', () => {
    const frozen = deepFreeze(structuredClone(tools)) as ResponsesRequest['tools'];
    const short = withQuirks({ toolNameMaxLength: 40, strictTools: false });
    const first = convertToChatRequest({ ...body, tools: frozen }, { model: 'up', quirks: short });
    const again = convertToChatRequest({ ...body, tools: frozen }, { model: 'up', quirks: short });
    const other = convertToChatRequest({ ...body, tools: frozen }, { model: 'up', quirks: withQuirks({ strictTools: true }) });
    expect(first.request).toEqual(convertToChatRequest(body, { model: 'up', quirks: short }).request);
    expect(again.request.tools).toBe(first.request.tools);
    expect(again.toolNames).toEqual(first.toolNames);
    expect(other.request.tools).not.toBe(first.request.tools);
    expect(other.request.tools?.[0].function.strict).toBe(true);
    expect(first.request.tools?.[0].function).not.toHaveProperty('strict');
  });
});
