import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeChatRequest } from './encode-chat-request.js';
import { KeptCache } from './kept-cache.js';
import { deepFreeze } from '../translate/deep-freeze.js';
import type { ChatRequest } from '../translate/types.js';
import { FUZZ_RUNS } from '../../test/fuzz/fuzz-config.js';

const INSTRUCTIONS = `You are a coding agent — “careful”, terse.\n${'Follow AGENTS.md → always. '.repeat(120)}`;
const tools = () => [{ type: 'function' as const, function: { name: 'exec_command', description: 'Runs a command — in a shell.', parameters: { type: 'object', properties: {} } } }];

function request(overrides: Partial<ChatRequest> = {}): ChatRequest {
  return {
    model: 'deepseek-chat',
    messages: [
      { role: 'system', content: INSTRUCTIONS },
      { role: 'user', content: 'fix the tests' },
      { role: 'developer', content: `${INSTRUCTIONS} (env)` },
      { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'exec_command', arguments: '{}' } }] },
      { role: 'tool', tool_call_id: 'c1', content: 'ok' },
      { role: 'tool', tool_call_id: 'c2', content: `big output — ${'x'.repeat(2000)}` },
    ],
    stream: true,
    stream_options: { include_usage: true },
    tools: tools(),
    ...overrides,
  };
}

describe('encodeChatRequest', () => {
  it('is the UTF-8 of JSON.stringify, the first time and when it reuses kept parts', () => {
    const frozenTools = deepFreeze(tools());
    for (let round = 0; round < 3; round++) {
      for (const r of [request(), request({ tools: frozenTools }), request({ messages: [{ role: 'user', content: 'only' }] })]) {
        expect(encodeChatRequest(r).toString('utf8')).toBe(JSON.stringify(r));
      }
    }
  });

  it('never serves stale bytes for tools that are not frozen', () => {
    const changing = tools();
    expect(encodeChatRequest(request({ tools: changing })).toString()).toContain('"exec_command"');
    changing[0].function.name = 'renamed';
    expect(encodeChatRequest(request({ tools: changing })).toString()).toContain('"renamed"');
  });

  it('leaves out what JSON.stringify leaves out', () => {
    const r = { ...request(), temperature: undefined, messages: [{ role: 'system', content: INSTRUCTIONS, name: undefined }, undefined] } as unknown as ChatRequest;
    expect(encodeChatRequest(r).toString()).toBe(JSON.stringify(r));
  });

  it('agrees with JSON.stringify on any request', () => {
    const text = fc.oneof(fc.string(), fc.constant(INSTRUCTIONS), fc.constant(`${INSTRUCTIONS}\u2028"\\`), fc.string({ unit: 'grapheme', minLength: 2048, maxLength: 2100 }));
    const message = fc.record(
      { role: fc.constantFrom('system', 'developer', 'user', 'assistant', 'tool'), content: fc.oneof(text, fc.constant(null), fc.jsonValue({ maxDepth: 2 })), name: fc.option(fc.string(), { nil: undefined }) },
      { requiredKeys: ['role'] },
    );
    const chat = fc.record(
      {
        model: fc.string(),
        messages: fc.array(message, { maxLength: 6 }),
        tools: fc.oneof(fc.constant(tools()), fc.constant(deepFreeze(tools())), fc.jsonValue({ maxDepth: 2 })),
        stream: fc.boolean(),
        temperature: fc.option(fc.double(), { nil: undefined }),
      },
      { requiredKeys: ['messages'] },
    );
    fc.assert(
      fc.property(chat, (r) => {
        expect(encodeChatRequest(r as ChatRequest).toString('utf8')).toBe(JSON.stringify(r));
      }),
      { numRuns: FUZZ_RUNS },
    );
  });

  it('reuses the bytes of a long text it has seen, whatever the message', () => {
    const kept = new KeptCache<Buffer>(1024 * 1024);
    const first = encodeChatRequest(request(), kept);
    const texts = [INSTRUCTIONS, `${INSTRUCTIONS} (env)`, `big output — ${'x'.repeat(2000)}`];
    for (const text of texts) expect(kept.find(text)?.toString()).toBe(JSON.stringify(text));
    expect(kept.find('fix the tests')).toBeUndefined(); // short texts are encoded each time
    expect(encodeChatRequest(request(), kept).equals(first)).toBe(true);
  });
});
