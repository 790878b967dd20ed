import { describe, expect, it } from 'vitest';
import { deepFreeze } from './deep-freeze.js';
import { convertToChatMessages, COMPACTION_PROMPT } from './convert-to-chat-messages.js';
import { encodeReasoningEnvelope } from './reasoning-envelope.js';
import { TranslationError } from './translation-error.js';
import type { ResponsesInputItem } from './types.js';

const user = (text: string): ResponsesInputItem => ({ type: 'message', role: 'user', content: [{ type: 'input_text', text }] });
const call = (callId: string, name: string, args: string, namespace?: string): ResponsesInputItem => ({
  type: 'function_call',
  call_id: callId,
  name,
  arguments: args,
  ...(namespace && { namespace }),
});
const output = (callId: string, out: unknown): ResponsesInputItem => ({ type: 'function_call_output', call_id: callId, output: out as string });
const reasoning = (text: string, responseId = 'resp_1'): ResponsesInputItem => ({
  type: 'reasoning',
  summary: [{ type: 'summary_text', text }],
  encrypted_content: encodeReasoningEnvelope({ text, responseId }),
});

describe('convertToChatMessages', () => {
  it('turns developer messages into system and keeps user text as a string', () => {
    const messages = convertToChatMessages([
      { type: 'message', role: 'developer', content: [{ type: 'input_text', text: 'be brief' }] },
      user('hi'),
    ]);
    expect(messages).toEqual([
      { role: 'system', content: 'be brief' },
      { role: 'user', content: 'hi' },
    ]);
  });

  it('accepts string content and items without a type (EasyInputMessage)', () => {
    expect(convertToChatMessages([{ role: 'user', content: 'plain' } as ResponsesInputItem])).toEqual([{ role: 'user', content: 'plain' }]);
  });

  it('keeps images as chat image parts next to text', () => {
    const messages = convertToChatMessages([
      {
        type: 'message',
        role: 'user',
        content: [
          { type: 'input_text', text: 'look' },
          { type: 'input_image', image_url: 'data:image/png;base64,AAAA', detail: 'high' },
        ],
      },
    ]);
    expect(messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'look' },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA', detail: 'high' } },
        ],
      },
    ]);
  });

  it('groups consecutive (parallel) function calls into one assistant message, answered by tool messages', () => {
    const messages = convertToChatMessages([user('go'), call('c1', 'exec_command', '{"cmd":"ls"}'), call('c2', 'exec_command', '{"cmd":"pwd"}'), output('c1', 'a'), output('c2', 'b')]);
    expect(messages).toEqual([
      { role: 'user', content: 'go' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          { id: 'c1', type: 'function', function: { name: 'exec_command', arguments: '{"cmd":"ls"}' } },
          { id: 'c2', type: 'function', function: { name: 'exec_command', arguments: '{"cmd":"pwd"}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'c1', content: 'a' },
      { role: 'tool', tool_call_id: 'c2', content: 'b' },
    ]);
  });

  it('merges assistant text and the calls that follow it into one message', () => {
    const messages = convertToChatMessages([
      user('go'),
      { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Let me look.' }] },
      call('c1', 'exec_command', '{}'),
      output('c1', 'ok'),
    ]);
    expect(messages[1]).toMatchObject({ role: 'assistant', content: 'Let me look.', tool_calls: [{ id: 'c1' }] });
  });

  it('sends "{}" for empty arguments', () => {
    const messages = convertToChatMessages([user('go'), call('c1', 'get_goal', ''), output('c1', 'none')]);
    expect(messages[1]).toMatchObject({ tool_calls: [{ function: { arguments: '{}' } }] });
  });

  it('re-flattens namespaced calls to the names the upstream was offered', () => {
    const messages = convertToChatMessages([user('x'), call('c1', 'echo_text', '{"text":"yo"}', 'mcp__demo'), output('c1', 'yo')]);
    expect(messages[1]).toMatchObject({ tool_calls: [{ function: { name: 'mcp__demo__echo_text' } }] });
  });

  it('flattens an array tool output to text and moves its images into a following user message', () => {
    const messages = convertToChatMessages([
      user('x'),
      call('c1', 'view_image', '{"path":"a.png"}'),
      output('c1', [
        { type: 'input_text', text: 'here it is' },
        { type: 'input_image', image_url: 'data:image/png;base64,QQ==' },
      ]),
      user('thanks'),
    ]);
    expect(messages.slice(2)).toEqual([
      { role: 'tool', tool_call_id: 'c1', content: 'here it is\n[1 image attached in the next message]' },
      { role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/png;base64,QQ==' } }] },
      { role: 'user', content: 'thanks' },
    ]);
  });

  it('round-trips apply_patch as a custom tool call with one string argument', () => {
    const patch = '*** Begin Patch\n*** Add File: a.txt\n+hi\n*** End Patch\n';
    const messages = convertToChatMessages([
      user('patch'),
      { type: 'custom_tool_call', call_id: 'p1', name: 'apply_patch', input: patch },
      { type: 'custom_tool_call_output', call_id: 'p1', output: 'Success' },
    ]);
    expect(messages[1]).toMatchObject({ tool_calls: [{ id: 'p1', function: { name: 'apply_patch' } }] });
    const args = JSON.parse((messages[1] as { tool_calls: Array<{ function: { arguments: string } }> }).tool_calls[0].function.arguments);
    expect(args).toEqual({ input: patch });
    expect(messages[2]).toEqual({ role: 'tool', tool_call_id: 'p1', content: 'Success' });
  });

  it('attaches reasoning from the envelope to the assistant turn that follows it', () => {
    const messages = convertToChatMessages([user('go'), reasoning('think first'), call('c1', 'exec_command', '{}'), output('c1', 'ok'), reasoning('now answer'), { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'done' }] }]);
    expect(messages[1]).toMatchObject({ role: 'assistant', reasoning_content: 'think first', tool_calls: [{ id: 'c1' }] });
    expect(messages[3]).toEqual({ role: 'assistant', content: 'done', reasoning_content: 'now answer' });
  });

  it('falls back to the lookup when the envelope was stripped', () => {
    const stripped: ResponsesInputItem = { type: 'reasoning', summary: [{ type: 'summary_text', text: 's' }], encrypted_content: null };
    const messages = convertToChatMessages([user('go'), stripped, call('c9', 'exec_command', '{}'), output('c9', 'ok'), { type: 'message', role: 'assistant', content: 'bye' }], {
      reasoningLookup: { byCallId: (id) => (id === 'c9' ? 'from store' : undefined), byAssistantText: (t) => (t === 'bye' ? 'bye reasoning' : undefined) },
    });
    expect(messages[1]).toMatchObject({ reasoning_content: 'from store' });
    expect(messages[3]).toMatchObject({ content: 'bye', reasoning_content: 'bye reasoning' });
  });

  it('answers calls that have no output, and keeps orphan outputs as context', () => {
    const messages = convertToChatMessages([user('go'), call('c1', 'exec_command', '{}'), user('stop'), output('zz', 'late')]);
    expect(messages).toEqual([
      { role: 'user', content: 'go' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'exec_command', arguments: '{}' } }] },
      { role: 'tool', tool_call_id: 'c1', content: 'aborted: no output was recorded for this call' },
      { role: 'user', content: 'stop' },
      { role: 'user', content: 'Output of tool call zz:\nlate' },
    ]);
  });

  it('gives an empty tool output a non-empty content', () => {
    expect(convertToChatMessages([user('x'), call('c1', 'f', '{}'), output('c1', '')])[2]).toEqual({ role: 'tool', tool_call_id: 'c1', content: '(no output)' });
  });

  it('turns a compaction trigger into a summary request and skips hosted-tool items', () => {
    const messages = convertToChatMessages([user('x'), { type: 'web_search_call', id: 'ws' }, { type: 'tool_search_call', call_id: 't' }, { type: 'compaction_trigger' }]);
    expect(messages).toEqual([
      { role: 'user', content: 'x' },
      { role: 'user', content: COMPACTION_PROMPT },
    ]);
  });

  it('rejects unknown item types, bad roles and bad parts with a message naming the place', () => {
    expect(() => convertToChatMessages([user('x'), { type: 'bogus_item' }])).toThrowError(/input\[1\]: unknown input item type "bogus_item"/);
    expect(() => convertToChatMessages([{ type: 'message', role: 'robot', content: 'x' } as ResponsesInputItem])).toThrowError(TranslationError);
    expect(() => convertToChatMessages([{ type: 'message', role: 'user', content: [{ type: 'input_audio' }] } as ResponsesInputItem])).toThrowError(/input\[0\]\.content\[0\]/);
    expect(() => convertToChatMessages([null as unknown as ResponsesInputItem])).toThrowError(/input\[0\] must be an object/);
  });
});

describe('convertToChatMessages: provider state from the envelopes', () => {
  const replayState = (details?: unknown[], toolCallExtras?: Record<string, unknown>): ResponsesInputItem => ({
    type: 'reasoning',
    summary: [],
    encrypted_content: encodeReasoningEnvelope({ text: '', responseId: 'resp_1', details, toolCallExtras }),
  });
  const signature = { google: { thought_signature: '<Signature A>' } };
  const details = [{ type: 'reasoning.text', text: 'Look first.', signature: 'EqcD', format: 'anthropic-claude-v1', index: 0 }];

  it('puts reasoning_details back on the assistant message of their turn, and the signature on its call', () => {
    const messages = convertToChatMessages([
      user('list files'),
      reasoning('Look first.'),
      call('function-call-1', 'exec_command', '{"cmd":"ls"}'),
      call('function-call-2', 'exec_command', '{"cmd":"pwd"}'),
      replayState(details, { 'function-call-1': signature }),
      output('function-call-1', 'a'),
      output('function-call-2', '/'),
      { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'done' }] },
      user('thanks'),
    ]);
    expect(messages[1]).toEqual({
      role: 'assistant',
      content: null,
      reasoning_content: 'Look first.',
      reasoning_details: details,
      tool_calls: [
        { id: 'function-call-1', type: 'function', function: { name: 'exec_command', arguments: '{"cmd":"ls"}' }, extra_content: signature },
        { id: 'function-call-2', type: 'function', function: { name: 'exec_command', arguments: '{"cmd":"pwd"}' } },
      ],
    });
    // A turn without replay state gets none, and a replay item shows no text as reasoning.
    expect(messages[4]).toEqual({ role: 'assistant', content: 'done' });
  });

  it('attaches state that ends a text answer to that answer, and drops state no assistant message follows', () => {
    const messages = convertToChatMessages([user('hi'), { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Hello' }] }, replayState(details), user('bye')]);
    expect(messages[1]).toEqual({ role: 'assistant', content: 'Hello', reasoning_details: details });
    expect(convertToChatMessages([user('hi'), replayState(details), user('again')])).toEqual([
      { role: 'user', content: 'hi' },
      { role: 'user', content: 'again' },
    ]);
  });
});

describe('convertToChatMessages on frozen content', () => {
  it('converts frozen content once: the same text each turn, and the same result as unfrozen', () => {
    const items = deepFreeze([
      { type: 'message', role: 'developer', content: [{ type: 'input_text', text: 'Be terse.' }, { type: 'input_text', text: 'Use rg.' }] },
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'look' }, { type: 'input_image', image_url: 'data:image/png;base64,AAAA' }] },
    ]) as never;
    const first = convertToChatMessages(items);
    const second = convertToChatMessages(items);
    expect(second).toEqual(first);
    expect(Array.isArray(first[1].content)).toBe(true);
    expect(second[1].content).toBe(first[1].content); // the parts converted once, not a copy
    expect(first).toEqual(convertToChatMessages(structuredClone(items)));
  });
});

describe('convertToChatMessages: nothing dropped silently', () => {
  it('refuses an unresolved item reference as api.openai.com does, and hosted-tool items Codex never sends', () => {
    expect(() => convertToChatMessages([user('x'), { type: 'item_reference', id: 'msg_gone' }])).toThrowError("Item with id 'msg_gone' not found.");
    expect(() => convertToChatMessages([user('x'), { id: 'msg_bare' } as ResponsesInputItem])).toThrowError("Item with id 'msg_bare' not found.");
    for (const type of ['mcp_call', 'computer_call', 'file_search_call', 'code_interpreter_call']) {
      expect(() => convertToChatMessages([user('x'), { type, id: 'x_1' }])).toThrowError(new RegExp(`unknown input item type "${type}"`));
    }
  });

  it('skips the item types Codex sends that mean nothing to a chat model', () => {
    const codexOnly = ['web_search_call', 'local_shell_call', 'image_generation_call', 'tool_search_call', 'tool_search_output', 'additional_tools', 'compaction', 'compaction_summary', 'ghost_snapshot'];
    expect(convertToChatMessages([user('x'), ...codexOnly.map((type) => ({ type, id: `${type}_1` }))])).toEqual([{ role: 'user', content: 'x' }]);
  });

  it('refuses a tool output whose call is nowhere when asked to, and repairs one whose call is earlier', () => {
    const orphan = [user('x'), output('call_nowhere', 'late')];
    expect(() => convertToChatMessages(orphan, { orphanToolOutputs: 'reject' })).toThrowError('No tool call found for function call output with call_id call_nowhere.');
    const notes: string[] = [];
    expect(convertToChatMessages(orphan, { onRepair: (note) => notes.push(note) })[1]).toEqual({ role: 'user', content: 'Output of tool call call_nowhere:\nlate' });
    expect(notes).toEqual(['the output of tool call call_nowhere follows no call of that id; sent as a user message']);
    // The call is in the conversation, just not right before its output: repaired, not refused.
    const late = [user('x'), call('c1', 'f', '{}'), output('c1', 'a'), user('y'), output('c1', 'again')];
    expect(convertToChatMessages(late, { orphanToolOutputs: 'reject' })[4]).toEqual({ role: 'user', content: 'Output of tool call c1:\nagain' });
  });

  it('tells about a call left without output', () => {
    const notes: string[] = [];
    const messages = convertToChatMessages([user('x'), call('c9', 'f', '{}'), user('never mind')], { onRepair: (note) => notes.push(note) });
    expect(messages[2]).toEqual({ role: 'tool', tool_call_id: 'c9', content: 'aborted: no output was recorded for this call' });
    expect(notes).toEqual(['tool call c9 has no output; answered with "aborted"']);
  });
});

describe('convertToChatMessages: input_file parts', () => {
  const text = Buffer.from('name,qty\napples,3\n').toString('base64');
  const withFile = (part: Record<string, unknown>): ResponsesInputItem[] => [
    { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Read this.' }, { type: 'input_file', ...part }] },
  ];

  it('inlines a text file, marked, for any provider', () => {
    for (const mode of ['text', 'file'] as const) {
      const [message] = convertToChatMessages(withFile({ filename: 'stock.csv', file_data: `data:text/csv;base64,${text}` }), { files: { mode } });
      expect(message).toEqual({ role: 'user', content: 'Read this.\n[contents of the file "stock.csv"]\nname,qty\napples,3\n' });
    }
  });

  it('sends a PDF as a chat file part to a provider that reads files, and its extracted text to one that does not', () => {
    const pdf = 'data:application/pdf;base64,JVBERi0xLjEK';
    const [asFile] = convertToChatMessages(withFile({ filename: 'a.pdf', file_data: pdf }), { files: { mode: 'file' } });
    expect(asFile.content).toEqual([
      { type: 'text', text: 'Read this.' },
      { type: 'file', file: { filename: 'a.pdf', file_data: pdf } },
    ]);
    const [asText] = convertToChatMessages(withFile({ filename: 'a.pdf', file_data: pdf }), { files: { mode: 'text', pdfText: (data) => (data === pdf ? 'Title: A' : undefined) } });
    expect(asText.content).toBe('Read this.\n[text extracted from the PDF "a.pdf"; its layout and images are not included]\nTitle: A');
  });

  it('refuses what it cannot send with a 400 naming the file, never dropping it', () => {
    const zip = `data:application/zip;base64,${Buffer.from([0x50, 0x4b, 3, 4, 0, 0]).toString('base64')}`;
    expect(() => convertToChatMessages(withFile({ filename: 'a.zip', file_data: zip }))).toThrowError(/input\[0\]\.content\[1\]: input_file "a\.zip" \(application\/zip\) cannot be sent to this provider/);
    expect(() => convertToChatMessages(withFile({ file_id: 'file-123' }))).toThrowError(/file_id "file-123": this bridge has no Files API/);
    expect(() => convertToChatMessages(withFile({ filename: 'r.pdf', file_url: 'https://example.com/r.pdf' }))).toThrowError(/does not fetch/);
    expect(convertToChatMessages(withFile({ filename: 'r.pdf', file_url: 'https://example.com/r.pdf' }), { files: { mode: 'file' } })[0].content).toContainEqual({
      type: 'file',
      file: { filename: 'r.pdf', file_data: 'https://example.com/r.pdf' },
    });
    expect(() => convertToChatMessages(withFile({ filename: 'a.pdf', file_data: 'data:application/pdf;base64,JVBERi0xLjEK' }))).toThrowError(/the PDF "a\.pdf" could not be read/);
  });

  it('moves a file in a tool output to the next user message, as images are', () => {
    const pdf = 'data:application/pdf;base64,JVBERi0xLjEK';
    const messages = convertToChatMessages([user('x'), call('c1', 'fetch', '{}'), output('c1', [{ type: 'input_file', filename: 'r.pdf', file_data: pdf }])], { files: { mode: 'file' } });
    expect(messages[2]).toEqual({ role: 'tool', tool_call_id: 'c1', content: '[1 attachment in the next message]' });
    expect(messages[3]).toEqual({ role: 'user', content: [{ type: 'file', file: { filename: 'r.pdf', file_data: pdf } }] });
  });
});
