import { describe, expect, it } from 'vitest';
import { ChatStreamToResponsesEvents, type ResponseContext } from './chat-stream-to-responses-events.js';
import { convertToChatTools } from './convert-to-chat-tools.js';
import { decodeReasoningEnvelope } from './reasoning-envelope.js';
import type { ChatChunk, ResponsesStreamEvent } from './types.js';
import { DEFAULT_QUIRKS } from './provider-quirks.js';

const { toolNames } = convertToChatTools([
  { type: 'function', name: 'exec_command', parameters: { type: 'object' } },
  { type: 'namespace', name: 'mcp__demo', tools: [{ type: 'function', name: 'echo_text' }] },
  { type: 'custom', name: 'apply_patch', format: { type: 'grammar', syntax: 'lark', definition: 'start: x' } },
]);
const context: ResponseContext = { responseId: 'resp_abc', model: 'm', createdAt: 1700000000, toolNames, upstreamHost: 'up.example' };

const delta = (d: Record<string, unknown>, finish: string | null = null): ChatChunk => ({ choices: [{ index: 0, delta: d, finish_reason: finish }] });

function run(chunks: ChatChunk[], end: { sawDone: boolean } | null = { sawDone: true }) {
  const translator = new ChatStreamToResponsesEvents(context);
  const events: ResponsesStreamEvent[] = [...translator.start()];
  for (const chunk of chunks) events.push(...translator.push(chunk));
  if (end) events.push(...translator.end(end));
  return { translator, events, types: events.map((e) => e.type) };
}
const doneItems = (events: ResponsesStreamEvent[]) => events.filter((e) => e.type === 'response.output_item.done').map((e) => e.item as Record<string, unknown>);
const last = (events: ResponsesStreamEvent[]) => events.at(-1) as { type: string; response: Record<string, any> };

describe('ChatStreamToResponsesEvents', () => {
  it('streams text: created → added → deltas → done → completed with usage', () => {
    const { types, events } = run([
      delta({ role: 'assistant', content: '' }),
      delta({ content: 'Hel' }),
      delta({ content: 'lo' }, 'stop'),
      { choices: [], usage: { prompt_tokens: 10, completion_tokens: 3, total_tokens: 13, prompt_tokens_details: { cached_tokens: 4 }, completion_tokens_details: { reasoning_tokens: 1 } } },
    ]);
    expect(types).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
    const completed = last(events).response;
    expect(completed.id).toBe('resp_abc');
    expect(completed.output).toEqual([{ type: 'message', id: 'msg_abc_0', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: 'Hello', annotations: [] }] }]);
    expect(completed.usage).toEqual({ input_tokens: 10, output_tokens: 3, total_tokens: 13, input_tokens_details: { cached_tokens: 4 }, output_tokens_details: { reasoning_tokens: 1 } });
    expect(completed.output_text).toBe('Hello');
  });

  it('emits reasoning as its own item with summary_index and a readable envelope, closed before the text', () => {
    const { events } = run([delta({ reasoning_content: 'thin' }), delta({ reasoning_content: 'king' }), delta({ content: 'ok' }, 'stop')]);
    const summaryDeltas = events.filter((e) => e.type === 'response.reasoning_summary_text.delta');
    expect(summaryDeltas.map((e) => e.summary_index)).toEqual([0, 0]);
    const items = doneItems(events);
    expect(items.map((i) => i.type)).toEqual(['reasoning', 'message']);
    expect(decodeReasoningEnvelope(items[0].encrypted_content)).toEqual({ text: 'thinking', responseId: 'resp_abc' });
    // The reasoning item is done before the message item is even added.
    const reasoningDone = events.findIndex((e) => e.type === 'response.output_item.done');
    const messageAdded = events.findIndex((e) => e.type === 'response.output_item.added' && (e.item as { type: string }).type === 'message');
    expect(reasoningDone).toBeLessThan(messageAdded);
  });

  it('accepts the `reasoning` field name too', () => {
    const { events } = run([delta({ reasoning: 'r' }), delta({ content: 'x' }, 'stop')]);
    expect(doneItems(events)[0]).toMatchObject({ type: 'reasoning', summary: [{ text: 'r' }] });
  });

  it('accumulates parallel tool calls whose ids arrive only on the first fragment', () => {
    const { events } = run([
      delta({ tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'exec_command', arguments: '' } }] }),
      delta({ tool_calls: [{ index: 0, function: { arguments: '{"cmd":' } }] }),
      delta({ tool_calls: [{ index: 1, id: 'call_2', type: 'function', function: { name: 'exec_command', arguments: '{"cmd"' } }] }),
      delta({ tool_calls: [{ index: 0, function: { arguments: '"ls"}' } }] }),
      delta({ tool_calls: [{ index: 1, function: { arguments: ':"pwd"}' } }] }, 'tool_calls'),
    ]);
    const items = doneItems(events);
    expect(items).toEqual([
      { type: 'function_call', id: 'fc_abc_0', call_id: 'call_1', name: 'exec_command', arguments: '{"cmd":"ls"}', status: 'completed' },
      { type: 'function_call', id: 'fc_abc_1', call_id: 'call_2', name: 'exec_command', arguments: '{"cmd":"pwd"}', status: 'completed' },
    ]);
    const argDeltas = events.filter((e) => e.type === 'response.function_call_arguments.delta').map((e) => `${e.item_id}:${e.delta}`);
    expect(argDeltas).toEqual(['fc_abc_0:{"cmd":', 'fc_abc_1:{"cmd"', 'fc_abc_0:"ls"}', 'fc_abc_1::"pwd"}']);
  });

  it('tolerates ids repeated on every fragment', () => {
    const { events } = run([
      delta({ tool_calls: [{ index: 0, id: 'c', function: { name: 'exec_command', arguments: '{"a"' } }] }),
      delta({ tool_calls: [{ index: 0, id: 'c', function: { name: 'exec_command', arguments: ':1}' } }] }, 'tool_calls'),
    ]);
    expect(doneItems(events)).toEqual([{ type: 'function_call', id: 'fc_abc_0', call_id: 'c', name: 'exec_command', arguments: '{"a":1}', status: 'completed' }]);
  });

  it('splits a second call that reuses index 0 with a new id', () => {
    const { events } = run([
      delta({ tool_calls: [{ index: 0, id: 'a', function: { name: 'exec_command', arguments: '{}' } }] }),
      delta({ tool_calls: [{ index: 0, id: 'b', function: { name: 'exec_command', arguments: '{"x":1}' } }] }, 'tool_calls'),
    ]);
    expect(doneItems(events).map((i) => i.call_id)).toEqual(['a', 'b']);
  });

  it('returns namespaced calls as function_call{name, namespace}', () => {
    const { events } = run([delta({ tool_calls: [{ index: 0, id: 'n1', function: { name: 'mcp__demo__echo_text', arguments: '{"text":"yo"}' } }] }, 'tool_calls')]);
    expect(doneItems(events)[0]).toMatchObject({ type: 'function_call', name: 'echo_text', namespace: 'mcp__demo', arguments: '{"text":"yo"}' });
  });

  it('returns apply_patch as a custom_tool_call with the raw patch', () => {
    const patch = '*** Begin Patch\n*** Add File: a\n+x\n*** End Patch\n';
    const args = JSON.stringify({ input: patch });
    const { events } = run([
      delta({ tool_calls: [{ index: 0, id: 'p', function: { name: 'apply_patch', arguments: args.slice(0, 10) } }] }),
      delta({ tool_calls: [{ index: 0, function: { arguments: args.slice(10) } }] }, 'tool_calls'),
    ]);
    expect(doneItems(events)).toEqual([{ type: 'custom_tool_call', id: 'fc_abc_0', call_id: 'p', name: 'apply_patch', input: patch, status: 'completed' }]);
    expect(events.find((e) => e.type === 'response.custom_tool_call_input.done')).toMatchObject({ input: patch });
    expect(events.some((e) => e.type === 'response.function_call_arguments.delta')).toBe(false);
  });

  it('accepts a raw (non-JSON) patch from a model that ignored the schema', () => {
    const { events } = run([delta({ tool_calls: [{ index: 0, id: 'p', function: { name: 'apply_patch', arguments: '*** Begin Patch' } }] }, 'tool_calls')]);
    expect(doneItems(events)[0]).toMatchObject({ input: '*** Begin Patch' });
  });

  it('turns empty arguments into "{}" and generates a missing call id', () => {
    const { events } = run([delta({ tool_calls: [{ index: 0, function: { name: 'exec_command' } }] }, 'tool_calls')]);
    expect(doneItems(events)[0]).toMatchObject({ call_id: 'call_abc_0', arguments: '{}' });
  });

  it('never emits a tool call cut mid-arguments as done: the response fails', () => {
    const { events, types } = run([delta({ tool_calls: [{ index: 0, id: 'c', function: { name: 'exec_command', arguments: '{"cmd":"rm -' } }] })], { sawDone: false });
    expect(types).not.toContain('response.output_item.done');
    expect(last(events)).toMatchObject({ type: 'response.failed', response: { status: 'failed', error: { code: 'upstream_stream_truncated' } } });
  });

  it('fails a call truncated by finish_reason length even when the stream ended cleanly', () => {
    const { events } = run([delta({ tool_calls: [{ index: 0, id: 'c', function: { name: 'exec_command', arguments: '{"cmd":"ec' } }] }, 'length')]);
    expect(doneItems(events)).toEqual([]);
    expect(last(events).response.error.code).toBe('upstream_tool_call_truncated');
  });

  it('fails a stream cut mid-text, keeping what was already closed', () => {
    const { events } = run([delta({ reasoning_content: 'r' }), delta({ content: 'half' })], { sawDone: false });
    expect(last(events).type).toBe('response.failed');
    expect(last(events).response.output.map((i: { type: string }) => i.type)).toEqual(['reasoning']);
  });

  it('accepts a stream that ends without [DONE] after a finish_reason', () => {
    const { events } = run([delta({ content: 'ok' }, 'stop')], { sawDone: false });
    expect(last(events).type).toBe('response.completed');
  });

  it('maps an {"error":…} inside a 200 stream to response.failed', () => {
    const { events } = run([delta({ content: 'a' }), { error: { message: 'This model\'s maximum context length is 65536 tokens', code: 400 } } as ChatChunk]);
    expect(last(events)).toMatchObject({ type: 'response.failed', response: { error: { code: 'context_length_exceeded' } } });
  });

  it('produces nothing after it finished and keeps keep-alives as JSON events', () => {
    const translator = new ChatStreamToResponsesEvents(context);
    translator.start();
    expect(translator.keepAlive()).toMatchObject({ type: 'response.in_progress', response: { id: 'resp_abc', status: 'in_progress' } });
    translator.push(delta({ content: 'x' }, 'stop'));
    expect(translator.end({ sawDone: true }).at(-1)?.type).toBe('response.completed');
    expect(translator.push(delta({ content: 'more' }))).toEqual([]);
    expect(translator.fail({ code: 'x', message: 'y' })).toEqual([]);
  });

  it('ignores garbage chunks without throwing', () => {
    const { events } = run([null as unknown as ChatChunk, { choices: 'nope' } as unknown as ChatChunk, { choices: [{ delta: { tool_calls: [null] } }] } as unknown as ChatChunk, delta({ content: 'fine' }, 'stop')]);
    expect(last(events).type).toBe('response.completed');
  });

  it('never sends end_turn or a bare error event; an answer cut by the output limit ends incomplete', () => {
    const { events } = run([delta({ content: 'x' }, 'length'), { choices: [], usage: { prompt_tokens: 7, completion_tokens: 1 } }]);
    const text = JSON.stringify(events);
    expect(text).not.toContain('end_turn');
    expect(events.map((e) => e.type)).not.toContain('error');
    expect(events.map((e) => e.type)).not.toContain('response.completed');
    expect(last(events)).toMatchObject({
      type: 'response.incomplete',
      response: { status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' }, output_text: 'x', usage: { input_tokens: 7, output_tokens: 1 } },
    });
    // Only the output limit: a finished answer is complete, with no incomplete_details.
    expect(last(run([delta({ content: 'x' }, 'stop')]).events).response).toMatchObject({ status: 'completed', incomplete_details: null });
  });
});

describe('ChatStreamToResponsesEvents with provider quirks', () => {
  const withQuirksRun = (quirks: Partial<import('./provider-quirks.js').ProviderQuirks>, chunks: ChatChunk[], end: { sawDone: boolean } = { sawDone: true }, extra: Partial<ResponseContext> = {}) => {
    const translator = new ChatStreamToResponsesEvents({ ...context, ...extra, quirks: { ...DEFAULT_QUIRKS, ...quirks } });
    const events: ResponsesStreamEvent[] = [...translator.start()];
    for (const chunk of chunks) events.push(...translator.push(chunk));
    events.push(...translator.end(end));
    return events;
  };

  it('think-tags: <think> split across deltas becomes a reasoning item, the rest the message', () => {
    const events = withQuirksRun({ reasoningField: 'think-tags' }, [
      delta({ role: 'assistant', content: '' }),
      delta({ content: '<th' }),
      delta({ content: 'ink>\nI should ' }),
      delta({ content: 'say hi.</thi' }),
      delta({ content: 'nk>\n\nHi' }),
      delta({ content: '!' }, 'stop'),
    ]);
    const items = doneItems(events);
    expect(items.map((i) => i.type)).toEqual(['reasoning', 'message']);
    expect(items[0].summary).toEqual([{ type: 'summary_text', text: 'I should say hi.' }]);
    expect(items[1].content).toEqual([{ type: 'output_text', text: 'Hi!', annotations: [] }]);
    expect(events.filter((e) => e.type === 'response.output_text.delta').map((e) => e.delta).join('')).toBe('Hi!');
    expect(last(events).type).toBe('response.completed');
  });

  it('think-tags: a tool call right after the reasoning, with no text in between', () => {
    const events = withQuirksRun({ reasoningField: 'think-tags' }, [
      delta({ content: '<think>list files</think>\n\n' }),
      delta({ tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'exec_command', arguments: '{"cmd":"ls"}' } }] }),
      delta({}, 'tool_calls'),
    ]);
    expect(doneItems(events).map((i) => i.type)).toEqual(['reasoning', 'function_call']);
  });

  it('without the think-tags quirk too, a <think> that opens the answer is reasoning; one later in it stays text', () => {
    const { events } = run([delta({ content: '<thi' }), delta({ content: 'nk>x</think>y' }, 'stop')]);
    expect(doneItems(events).map((i) => i.type)).toEqual(['reasoning', 'message']);
    expect(decodeReasoningEnvelope(doneItems(events)[0].encrypted_content)?.text).toBe('x');
    expect(last(events).response.output_text).toBe('y');
    const later = run([delta({ content: 'Use ' }), delta({ content: '<think>x</think> tags' }, 'stop')]).events;
    expect(doneItems(later).map((i) => i.type)).toEqual(['message']);
    expect(last(later).response.output_text).toBe('Use <think>x</think> tags');
  });

  it('reads Magistral-style content parts: thinking parts are reasoning, text parts are text', () => {
    const { events } = run([
      delta({ content: [{ type: 'thinking', thinking: [{ type: 'text', text: 'Hmm, ' }] }] }),
      delta({ content: [{ type: 'thinking', thinking: [{ type: 'text', text: 'two.' }] }] }),
      delta({ content: [{ type: 'text', text: '1+1=2' }] }, 'stop'),
    ]);
    const items = doneItems(events);
    expect(items.map((i) => i.type)).toEqual(['reasoning', 'message']);
    expect(items[0].summary).toEqual([{ type: 'summary_text', text: 'Hmm, two.' }]);
  });

  it("reads Kimi's usage from inside the finishing choice", () => {
    const { events } = run([delta({ content: 'ok' }), { choices: [{ index: 0, delta: {}, finish_reason: 'stop', usage: { prompt_tokens: 19, completion_tokens: 13, total_tokens: 32 } }] }]);
    expect(last(events).response.usage).toMatchObject({ input_tokens: 19, output_tokens: 13, total_tokens: 32 });
  });

  it("reads Groq's usage from x_groq", () => {
    const { events } = run([delta({ content: 'ok' }), { choices: [{ index: 0, delta: {}, finish_reason: 'stop' }], x_groq: { usage: { prompt_tokens: 7, completion_tokens: 2, total_tokens: 9 } } }]);
    expect(last(events).response.usage).toMatchObject({ input_tokens: 7, output_tokens: 2, total_tokens: 9 });
  });

  it('restores tool-call ids the request rewrote, and leaves new ones alone', () => {
    const events = withQuirksRun(
      { toolCallIdFormat: 'alnum9' },
      [
        delta({ tool_calls: [{ index: 0, id: 'Ab3dE6gH9', type: 'function', function: { name: 'exec_command', arguments: '{}' } }] }),
        delta({ tool_calls: [{ index: 1, id: 'Zz9yY8xX7', type: 'function', function: { name: 'exec_command', arguments: '{}' } }] }),
        delta({}, 'tool_calls'),
      ],
      { sawDone: true },
      { toolCallIds: new Map([['Ab3dE6gH9', 'call_original']]) },
    );
    expect(doneItems(events).map((i) => i.call_id)).toEqual(['call_original', 'Zz9yY8xX7']);
  });

  it("finishReasons: a provider's own values — error fails the response, its length truncates", () => {
    const failed = withQuirksRun({ finishReasons: { error: 'error' } }, [delta({ content: 'partial' }), delta({}, 'error')]);
    expect(last(failed).type).toBe('response.failed');
    expect(last(failed).response.error.code).toBe('upstream_error');
    const cut = withQuirksRun({ finishReasons: { model_length: 'length' } }, [
      delta({ tool_calls: [{ index: 0, id: 'c', type: 'function', function: { name: 'exec_command', arguments: '{"cmd":"l' } }] }),
      delta({}, 'model_length'),
    ]);
    expect(last(cut).response.error.code).toBe('upstream_tool_call_truncated');
  });

  it('doneMarker required: a finish_reason without [DONE] is a cut stream', () => {
    expect(last(withQuirksRun({}, [delta({ content: 'x' }, 'stop')], { sawDone: false })).type).toBe('response.completed');
    const cut = withQuirksRun({ doneMarker: 'required' }, [delta({ content: 'x' }, 'stop')], { sawDone: false });
    expect(last(cut).response.error.code).toBe('upstream_stream_truncated');
  });
});

describe('ChatStreamToResponsesEvents: provider state that must come back', () => {
  const envelopeOf = (item: Record<string, unknown>) => decodeReasoningEnvelope(item.encrypted_content);

  it('reasoning_details alone: their text is shown as reasoning, the merged blocks ride in a last item that shows nothing', () => {
    const { events } = run([
      delta({ reasoning: null, reasoning_details: [{ type: 'reasoning.text', text: 'Look ', format: 'anthropic-claude-v1', index: 0 }] }),
      delta({ reasoning: null, reasoning_details: [{ type: 'reasoning.text', text: 'first.', format: 'anthropic-claude-v1', index: 0 }] }),
      delta({ reasoning: null, reasoning_details: [{ type: 'reasoning.text', signature: 'EqcD', format: 'anthropic-claude-v1', index: 0 }] }),
      delta({ tool_calls: [{ index: 0, id: 'toolu_1', type: 'function', function: { name: 'exec_command', arguments: '{"cmd":"ls"}' } }] }, 'tool_calls'),
    ]);
    const items = doneItems(events);
    expect(items.map((i) => i.type)).toEqual(['reasoning', 'function_call', 'reasoning']);
    expect(items[0].summary).toEqual([{ type: 'summary_text', text: 'Look first.' }]);
    expect(items[2]).toMatchObject({ summary: [] });
    expect(envelopeOf(items[2])).toEqual({
      text: '',
      responseId: 'resp_abc',
      details: [{ type: 'reasoning.text', text: 'Look first.', signature: 'EqcD', format: 'anthropic-claude-v1', index: 0 }],
    });
    // The replay item is added and done with no summary parts or deltas: nothing to show.
    const replayId = items[2].id;
    expect(events.filter((e) => (e as { item_id?: unknown }).item_id === replayId)).toEqual([]);
    expect(last(events).response.output.map((i: { id: string }) => i.id)).toEqual(items.map((i) => i.id));
  });

  it('shows a thought once when both reasoning and reasoning_details carry it', () => {
    const { events } = run([
      delta({ reasoning: 'Hi.', reasoning_details: [{ type: 'reasoning.text', text: 'Hi.', index: 0 }] }),
      delta({ content: 'Hello' }, 'stop'),
    ]);
    expect(doneItems(events)[0].summary).toEqual([{ type: 'summary_text', text: 'Hi.' }]);
    expect(events.filter((e) => e.type === 'response.reasoning_summary_text.delta').map((e) => e.delta)).toEqual(['Hi.']);
  });

  it('keeps an encrypted block that arrives after the tool call and the text (Vercel AI Gateway)', () => {
    const { events } = run([
      delta({ tool_calls: [{ index: 0, id: 'dED', type: 'function', function: { name: 'exec_command', arguments: '{}' } }] }),
      delta({ reasoning_details: [{ type: 'reasoning.encrypted', data: 'ClkB', format: 'google-gemini-v1', index: 0 }] }, 'tool_calls'),
    ]);
    const items = doneItems(events);
    expect(items.map((i) => i.type)).toEqual(['function_call', 'reasoning']);
    expect(envelopeOf(items[1])?.details).toEqual([{ type: 'reasoning.encrypted', data: 'ClkB', format: 'google-gemini-v1', index: 0 }]);
  });

  it("keeps Gemini's thought signature per call, under the id Codex knows, and never on the call itself", () => {
    const signature = { google: { thought_signature: 'CrICAdHt' } };
    const { events } = run([
      delta({ tool_calls: [{ id: 'function-call-1', type: 'function', extra_content: signature, function: { name: 'exec_command', arguments: '{"cmd":"ls"}' } }] }),
      delta({ tool_calls: [{ id: 'function-call-2', type: 'function', function: { name: 'exec_command', arguments: '{"cmd":"pwd"}' } }] }),
      delta({}, 'tool_calls'),
    ]);
    const items = doneItems(events);
    expect(items.map((i) => i.type)).toEqual(['function_call', 'function_call', 'reasoning']);
    expect(JSON.stringify(items.slice(0, 2))).not.toContain('CrICAdHt');
    expect(envelopeOf(items[2])).toEqual({ text: '', responseId: 'resp_abc', toolCallExtras: { 'function-call-1': signature } });
  });

  it('adds no replay item when there is nothing to replay', () => {
    const { events } = run([delta({ reasoning_content: 'r', reasoning_details: [] }), delta({ content: 'x' }, 'stop')]);
    expect(doneItems(events).map((i) => i.type)).toEqual(['reasoning', 'message']);
  });

  it('response.failed keeps the usage the upstream reported, even on the error chunk itself', () => {
    const { events } = run([delta({ content: 'par' }), { error: { message: 'Provider returned error', code: 502 }, usage: { prompt_tokens: 40, completion_tokens: 3 } }], null);
    expect(last(events)).toMatchObject({ type: 'response.failed', response: { usage: { input_tokens: 40, output_tokens: 3, total_tokens: 43 } } });
    const cut = run([delta({ content: 'par' }), { choices: [], usage: { prompt_tokens: 9, completion_tokens: 2 } }], { sawDone: false }).events;
    expect(last(cut)).toMatchObject({ type: 'response.failed', response: { usage: { input_tokens: 9, output_tokens: 2 } } });
  });
});
