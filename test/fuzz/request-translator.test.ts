// Property tests of the request translator (Responses body → Chat Completions request).
// - Any body at all: a translation or a TranslationError (the server's 400), never another throw.
// - Any translation: a chat request whose shape providers accept (roles, tool names, every tool call
//   answered), that serialises.
// - A body as Codex builds it: always translates, the strict mock upstream accepts the result, and
//   DeepSeek's reasoning rule holds whenever Codex replayed the reasoning.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { convertToChatRequest, type ConvertedChatRequest } from '../../src/translate/convert-to-chat-request.js';
import type { ReasoningLookup } from '../../src/translate/convert-to-chat-messages.js';
import { TranslationError } from '../../src/translate/translation-error.js';
import type { ChatRequest, ResponsesInputItem, ResponsesRequest } from '../../src/translate/types.js';
import { checkChatRequest } from '../helpers/mock-upstream.js';
import { anyBody, codexBody } from './arbitraries.js';
import { fuzzParameters, fuzzTimeout } from './fuzz-config.js';

const FUNCTION_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

/** A store-like lookup that knows some reasoning, as after earlier turns of the conversation. */
const lookup: ReasoningLookup = {
  byCallId: (id) => (id === 'call_1' ? 'remembered reasoning for call_1' : undefined),
  byAssistantText: (text) => (text.length % 3 === 0 ? 'remembered reasoning by text' : undefined),
};

const history: ResponsesInputItem[] = [
  { type: 'message', role: 'user', content: 'an earlier question' },
  { type: 'function_call', call_id: 'call_hist', name: 'exec_command', arguments: '{"cmd":"ls"}' },
  { type: 'function_call_output', call_id: 'call_hist', output: 'a.txt' },
];

type Outcome = { ok: true; value: ConvertedChatRequest } | { ok: false; error: unknown };

function translate(body: unknown, withHistory: boolean): Outcome {
  try {
    return {
      ok: true,
      value: convertToChatRequest(body as ResponsesRequest, { model: 'upstream-model', reasoningLookup: lookup, ...(withHistory && { history }) }),
    };
  } catch (error) {
    return { ok: false, error };
  }
}

/** Shape rules every translation must meet, whatever the body was. */
function expectWellFormed(request: ChatRequest, body: Record<string, unknown>): void {
  expect(() => JSON.stringify(request)).not.toThrow();
  expect(request.model).toBe('upstream-model');
  expect(request.stream).toBe(body.stream === true);
  if (!request.stream) expect(request.stream_options).toBeUndefined();
  expect(request.messages.length).toBeGreaterThan(0);
  expect(request.messages.some((m) => m.role !== 'system')).toBe(true);

  const toolNames = (request.tools ?? []).map((t) => t.function.name);
  for (const name of toolNames) expect(name).toMatch(FUNCTION_NAME);
  expect(new Set(toolNames).size).toBe(toolNames.length);
  if (request.tools !== undefined) expect(request.tools.length).toBeGreaterThan(0);
  else {
    expect(request.tool_choice).toBeUndefined();
    expect(request.parallel_tool_calls).toBeUndefined();
  }
  for (const key of ['max_tokens', 'temperature', 'top_p'] as const) {
    if (request[key] !== undefined) expect(Number.isFinite(request[key])).toBe(true);
  }

  // Every assistant tool call is answered right after its message, and every tool message answers one.
  let pending = new Set<string>();
  for (const message of request.messages) {
    expect(['system', 'user', 'assistant', 'tool']).toContain(message.role);
    if (message.role === 'tool') {
      expect(typeof message.tool_call_id).toBe('string');
      expect(pending.delete(message.tool_call_id)).toBe(true);
      expect(typeof message.content).toBe('string');
      expect(message.content).not.toBe('');
      continue;
    }
    expect([...pending]).toEqual([]);
    pending = new Set();
    if (message.role === 'system') {
      expect(typeof message.content).toBe('string');
      expect(message.content).not.toBe('');
    } else if (message.role === 'assistant') {
      expect(message.content === null || (typeof message.content === 'string' && message.content !== '')).toBe(true);
      expect(message.content !== null || (message.tool_calls?.length ?? 0) > 0).toBe(true);
      for (const call of message.tool_calls ?? []) {
        expect(call.type).toBe('function');
        expect(call.function.name).toMatch(FUNCTION_NAME);
        expect(typeof call.function.arguments).toBe('string');
        expect(call.function.arguments.trim()).not.toBe('');
        pending.add(call.id);
      }
    } else {
      const content = message.content;
      expect(typeof content === 'string' ? content !== '' : Array.isArray(content) && content.length > 0).toBe(true);
    }
  }
  expect([...pending]).toEqual([]);
}

describe('request translator, any body', () => {
  it(
    'gives a well-formed chat request or a TranslationError, never another throw',
    () => {
      fc.assert(
        fc.property(anyBody, fc.boolean(), (body, withHistory) => {
          const outcome = translate(body, withHistory);
          if (!outcome.ok) {
            expect(outcome.error).toBeInstanceOf(TranslationError);
            expect((outcome.error as Error).message).not.toBe('');
            return;
          }
          expectWellFormed(outcome.value.request, body as Record<string, unknown>);
          expect(Array.isArray(outcome.value.inputItems)).toBe(true);
        }),
        fuzzParameters(2),
      );
    },
    fuzzTimeout(15, 2),
  );

  it('never changes the body it was given', () => {
    fc.assert(
      fc.property(anyBody, (body) => {
        const before = JSON.stringify(body);
        translate(body, true);
        expect(JSON.stringify(body)).toBe(before);
      }),
      fuzzParameters(0.5),
    );
  }, fuzzTimeout(15, 0.5));
});

describe('request translator, bodies as Codex builds them', () => {
  it(
    'always translate, into requests the strict mock upstream accepts',
    () => {
      fc.assert(
        fc.property(codexBody, ({ body }) => {
          const outcome = translate(body, false);
          if (!outcome.ok) throw outcome.error;
          expectWellFormed(outcome.value.request, body);
          expect(checkChatRequest(outcome.value.request)).toBeUndefined();
          // Every tool Codex offered that a chat provider can run is offered upstream.
          const offered = (body.tools ?? []).flatMap((t) => (t.type === 'namespace' ? (t.tools as unknown[]) : [t])).filter((t) => ['function', 'custom'].includes((t as { type: string }).type));
          expect(outcome.value.request.tools?.length ?? 0).toBe(offered.length);
          expect(outcome.value.toolNames.size).toBe(offered.length);
        }),
        fuzzParameters(),
      );
    },
    fuzzTimeout(15),
  );

  it(
    'keep DeepSeek\'s rule: replayed reasoning reaches every assistant message that made tool calls',
    () => {
      fc.assert(
        fc.property(
          codexBody.filter((b) => b.reasoningOnEveryCallTurn),
          ({ body }) => {
            const outcome = translate(body, false);
            if (!outcome.ok) throw outcome.error;
            expect(checkChatRequest(outcome.value.request, { reasoning: 'deepseek' })).toBeUndefined();
          },
        ),
        fuzzParameters(0.5),
      );
    },
    fuzzTimeout(15, 0.5),
  );
});
