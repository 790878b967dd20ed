// The reasoning side channel is read off a response's output directly (reasoningEntries), where it
// used to translate the output back to chat messages first. Whatever an upstream streams — reasoning,
// text and tool calls in any order, interleaved — both ways give the same entries, so a client that
// drops `encrypted_content` gets back exactly what it got before.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { callKey, reasoningEntries, textKey } from '../../src/state/session-store.js';
import { ChatStreamToResponsesEvents } from '../../src/translate/chat-stream-to-responses-events.js';
import { convertToChatMessages } from '../../src/translate/convert-to-chat-messages.js';
import type { ChatChunk, ChatMessage } from '../../src/translate/types.js';
import { encodeReasoningEnvelope } from '../../src/translate/reasoning-envelope.js';
import { assistantTurn } from '../helpers/output-items.js';
import { someText } from './arbitraries.js';
import { fuzzParameters } from './fuzz-config.js';

/** The entries as the bridge used to compute them: from the output translated back to chat. */
function entriesViaChat(messages: readonly ChatMessage[]): Map<string, string> {
  const entries = new Map<string, string>();
  for (const message of messages) {
    if (message.role !== 'assistant' || !message.reasoning_content) continue;
    for (const call of message.tool_calls ?? []) entries.set(callKey(call.id), message.reasoning_content);
    if (message.content) entries.set(textKey(message.content), message.reasoning_content);
  }
  return entries;
}

type Segment = { kind: 'reasoning' | 'text'; text: string } | { kind: 'call'; name: string };

const segments = fc.array(
  fc.oneof(
    fc.record({ kind: fc.constantFrom('reasoning' as const, 'text' as const), text: someText }),
    fc.record({ kind: fc.constant('call' as const), name: fc.constantFrom('exec_command', 'apply_patch') }),
  ),
  { minLength: 1, maxLength: 10 },
);

function outputOf(plan: Segment[]) {
  const translator = new ChatStreamToResponsesEvents({ responseId: 'resp_fuzz', model: 'm', createdAt: 0, toolNames: new Map(), upstreamHost: 'upstream.test' });
  translator.start();
  let calls = 0;
  for (const segment of plan) {
    const delta =
      segment.kind === 'call'
        ? { tool_calls: [{ index: calls, id: `call_${calls++}`, type: 'function' as const, function: { name: segment.name, arguments: '{}' } }] }
        : segment.kind === 'reasoning'
          ? { reasoning_content: segment.text }
          : { content: segment.text };
    translator.push({ choices: [{ index: 0, delta }] } as ChatChunk);
  }
  translator.push({ choices: [{ index: 0, delta: {}, finish_reason: calls > 0 ? 'tool_calls' : 'stop' }] });
  translator.end({ sawDone: true });
  return translator.response.output;
}

describe('reasoning entries of a response', () => {
  it('are those of the output translated back to chat, for any interleaving of reasoning, text and calls', () => {
    fc.assert(
      fc.property(segments, (plan) => {
        const output = outputOf(plan);
        expect(reasoningEntries(output)).toEqual(entriesViaChat(convertToChatMessages(output)));
      }),
      fuzzParameters(),
    );
  });

  it('key each turn by its calls and its text', () => {
    const output = outputOf([
      { kind: 'reasoning', text: 'think' },
      { kind: 'text', text: 'Running it.' },
      { kind: 'call', name: 'exec_command' },
    ]);
    expect(reasoningEntries(output)).toEqual(new Map([[textKey('Running it.'), 'think'], [callKey('call_0'), 'think']]));
  });

  it('join the reasoning items of one turn as the chat translation does (an output the bridge did not write)', () => {
    const reasoning = (text: string) => ({ type: 'reasoning' as const, id: `rs_${text}`, summary: [{ type: 'summary_text', text }], encrypted_content: encodeReasoningEnvelope({ text }) });
    const output = [reasoning('first'), reasoning('second'), ...assistantTurn({ text: 'Done.', callIds: ['call_9'] })];
    const expected = new Map([[textKey('Done.'), 'first\n\nsecond'], [callKey('call_9'), 'first\n\nsecond']]);
    expect(reasoningEntries(output)).toEqual(expected);
    expect(entriesViaChat(convertToChatMessages(output))).toEqual(expected);
  });
});
