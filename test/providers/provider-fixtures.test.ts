// Each provider, both ways through the pure translators with its quirk profile:
//   a captured Codex request → the chat request → accepted by that provider's enforcing rules;
//   the provider's recorded stream (test/fixtures/providers/<id>/) → the Responses events Codex accepts.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { resolveQuirks } from '../../src/providers/quirks/index.js';
import { parseSseBytes } from '../../src/server/upstream-client.js';
import { ChatStreamToResponsesEvents } from '../../src/translate/chat-stream-to-responses-events.js';
import { convertToChatRequest } from '../../src/translate/convert-to-chat-request.js';
import { convertToChatTools } from '../../src/translate/convert-to-chat-tools.js';
import { DEFAULT_QUIRKS, type ProviderQuirks } from '../../src/translate/provider-quirks.js';
import { decodeReasoningEnvelope } from '../../src/translate/reasoning-envelope.js';
import type { ChatMessage, ChatRequest, ResponsesRequest, ResponsesStreamEvent } from '../../src/translate/types.js';
import { checkChatRequest, type MockRules } from '../helpers/mock-upstream.js';
import { codexStreamProblems, finalResponse, outputOf } from './codex-stream-checks.js';
import { PROVIDER_MOCKS, providerMock } from './provider-mocks.js';

const codexFixture = (name: string, index: number) =>
  (JSON.parse(readFileSync(new URL(`../fixtures/codex-0.169/${name}`, import.meta.url), 'utf8')) as Array<{ body: ResponsesRequest }>)[index].body;

/** Turn 2 of a tool loop: developer prompts, a reasoning item, a call and its output. With an effort set in config. */
const toolLoopBody: ResponsesRequest = { ...codexFixture('reasoning-item-replay.json', 1), reasoning: { effort: 'medium', summary: 'auto' } };
/**
 * As a thinking model would have left the history: each call preceded by its reasoning (these two
 * captures came from a model without reasoning, which DeepSeek and Kimi thinking mode refuse).
 */
function withReasoningBeforeCalls(body: ResponsesRequest): ResponsesRequest {
  const input = (body.input as Array<{ type?: string }>).flatMap((item, i, all) =>
    item.type === 'function_call' && all[i - 1]?.type !== 'reasoning' && all[i - 1]?.type !== 'function_call'
      ? [{ type: 'reasoning', summary: [], content: [{ type: 'reasoning_text', text: 'I will use a tool.' }], encrypted_content: null }, item]
      : [item],
  );
  return { ...body, input: input as ResponsesRequest['input'] };
}
/** A user image and a view_image output image. */
const imageBody = withReasoningBeforeCalls(codexFixture('image-input.json', 1));
/** MCP namespaces and an array output. */
const namespaceBody = withReasoningBeforeCalls(codexFixture('mcp-namespace-and-array-output.json', 1));

const quirksOf = (id: string) => resolveQuirks({ provider: id, upstream: 'http://127.0.0.1:1/v1' }).quirks;
const assistants = (request: ChatRequest) => request.messages.filter((m): m is Extract<ChatMessage, { role: 'assistant' }> => m.role === 'assistant');

/** Provider-specific properties of the translated tool-loop request, beyond "the provider accepts it". */
const requestChecks: Record<string, (request: ChatRequest) => void> = {
  deepseek: (r) => expect(assistants(r)[0].reasoning_content).toBe('raw cot before tool'),
  kimi: (r) => expect(assistants(r)[0].reasoning_content).toBe('raw cot before tool'),
  qwen: (r) => {
    expect(r.messages.filter((m) => m.role === 'system')).toHaveLength(1);
    expect('reasoning_effort' in r).toBe(false);
  },
  glm: (r) => expect(['parallel_tool_calls', 'reasoning_effort'].filter((k) => k in r)).toEqual([]),
  openrouter: (r) => expect(assistants(r)[0]).toMatchObject({ reasoning: 'raw cot before tool' }),
  groq: (r) => expect(assistants(r).every((m) => !('reasoning' in m) && !('reasoning_content' in m))).toBe(true),
  mistral: (r) => {
    expect('stream_options' in r).toBe(false);
    expect(assistants(r)[0].tool_calls?.[0].id).toMatch(/^[a-zA-Z0-9]{9}$/);
    expect(assistants(r).every((m) => !('reasoning_content' in m))).toBe(true);
  },
  xai: (r) => expect(r.reasoning_effort).toBe('high'),
  gemini: (r) => expect(r.reasoning_effort).toBe('medium'),
  ollama: (r) => expect(assistants(r)[0]).toMatchObject({ reasoning: 'raw cot before tool' }),
  lmstudio: (r) => expect(r.messages[0].role === 'system' && r.messages.filter((m) => m.role === 'system').length === 1).toBe(true),
  vllm: (r) => expect(r.messages[0].role === 'system' && r.messages.filter((m) => m.role === 'system').length === 1).toBe(true),
};

/**
 * The provider's rules for a history another model wrote (these captures): no signed thinking or
 * thought signatures to give back. Their replay is checked on each provider's own recorded streams
 * below, and a foreign history on Gemini in test/integration/adaptive-message-shape.test.ts.
 */
function foreignHistoryRules(rules: MockRules): MockRules {
  const { thoughtSignatures: _signatures, ...rest } = rules;
  return rest.reasoning === 'anthropic' ? { ...rest, reasoning: 'none' } : rest;
}

describe('Codex request → each provider', () => {
  for (const mock of PROVIDER_MOCKS) {
    it(`${mock.id}: the captured requests translate into ones ${mock.id} accepts`, () => {
      const quirks = quirksOf(mock.id);
      for (const body of [toolLoopBody, imageBody, namespaceBody]) {
        const { request } = convertToChatRequest(body, { model: 'up', quirks });
        expect(checkChatRequest(request, foreignHistoryRules(mock.rules)), `${mock.id}: ${JSON.stringify(body.input).slice(0, 80)}`).toBeUndefined();
      }
      requestChecks[mock.id](convertToChatRequest(toolLoopBody, { model: 'up', quirks }).request);
    });
  }

  it('the profiles are what makes them acceptable: without them, these providers refuse', () => {
    const plain = (body: ResponsesRequest) => convertToChatRequest(body, { model: 'up', quirks: { ...DEFAULT_QUIRKS } }).request;
    expect(checkChatRequest(plain(imageBody), providerMock('deepseek').rules)).toMatch(/unknown variant `image_url`/);
    for (const id of ['qwen', 'lmstudio', 'vllm']) expect(checkChatRequest(plain(toolLoopBody), providerMock(id).rules), id).toMatch(/System message must be at the beginning/);
    expect(checkChatRequest(plain(toolLoopBody), providerMock('mistral').rules)).toMatch(/Extra inputs are not permitted|Tool call id was/);
    expect(checkChatRequest(plain(toolLoopBody), { ...providerMock('mistral').rules, rejectFields: [], rejectMessageFields: [] })).toMatch(/Tool call id was call_1 but must be a-z, A-Z, 0-9, with a length of 9/);
    expect(checkChatRequest(plain(toolLoopBody), providerMock('xai').rules)).toMatch(/Invalid reasoning_effort: medium/);
    expect(checkChatRequest(plain({ ...toolLoopBody, reasoning: { effort: 'minimal' } }), foreignHistoryRules(providerMock('gemini').rules))).toBeUndefined(); // minimal → low already
  });
});

// ---------------------------------------------------------------- streams

interface StreamExpectation {
  end: 'completed' | 'failed';
  items?: string[];
  code?: string;
  check?: (output: Array<Record<string, any>>, events: ResponsesStreamEvent[]) => void;
  /** What goes wrong with the default quirks instead of the provider's (the reason for the profile). */
  withoutProfile?: (events: ResponsesStreamEvent[]) => void;
}

const reasoningText = (item: Record<string, any>) => decodeReasoningEnvelope(item.encrypted_content)?.text;
const usage = (events: ResponsesStreamEvent[]) => finalResponse(events).usage;

const STREAMS: Record<string, StreamExpectation> = {
  'deepseek/thinking-tool-call': {
    end: 'completed',
    items: ['reasoning', 'function_call'],
    check: (out, events) => {
      expect(reasoningText(out[0])).toBe("The user wants to see what is in the folder. I'll run ls.");
      expect(out[1]).toMatchObject({ name: 'exec_command', call_id: 'call_00_Xc2pTq8sNw1vB4kR7mYe3dHf', arguments: '{"cmd": "ls -la"}' });
      expect(usage(events)).toMatchObject({ input_tokens: 21044, input_tokens_details: { cached_tokens: 20992 }, output_tokens_details: { reasoning_tokens: 38 } });
    },
  },
  'deepseek/thinking-then-answer': { end: 'completed', items: ['reasoning', 'message'], check: (out) => expect(out[1].content[0].text).toBe('There are 3 files.') },
  'deepseek/insufficient-system-resource': {
    end: 'failed',
    code: 'upstream_error',
    withoutProfile: (events) => expect(events.at(-1)?.type).toBe('response.completed'),
  },
  'kimi/tool-call-functions-ids-usage-in-choice': {
    end: 'completed',
    items: ['reasoning', 'function_call'],
    check: (out, events) => {
      expect(out[1]).toMatchObject({ call_id: 'functions.exec_command:0', arguments: '{"cmd": "ls"}' });
      expect(usage(events)).toMatchObject({ input_tokens: 8123, output_tokens: 40 });
    },
  },
  'qwen/reasoning-content-tool-call-empty-ids': {
    end: 'completed',
    items: ['reasoning', 'function_call'],
    check: (out, events) => {
      expect(out[1]).toMatchObject({ call_id: 'call_2b6f1d0c8e4a4f3b9a7c55', name: 'exec_command', arguments: '{"cmd": "ls"}' });
      expect(usage(events)).toMatchObject({ input_tokens: 9050, output_tokens_details: { reasoning_tokens: 9 } });
    },
  },
  'glm/reasoning-content-whole-tool-call': {
    end: 'completed',
    check: (out, events) => {
      expect(out.map((i) => i.type)).toContain('function_call');
      expect(reasoningText(out[0])?.trim()).toBe('List the folder first.');
      expect(out.find((i) => i.type === 'function_call')).toMatchObject({ call_id: 'call_-8141853342356716541', arguments: '{"cmd":"ls"}' });
      expect(usage(events)).toMatchObject({ input_tokens: 7020, input_tokens_details: { cached_tokens: 6912 } });
    },
  },
  'glm/network-error-finish': { end: 'failed', code: 'upstream_error', withoutProfile: (events) => expect(events.at(-1)?.type).toBe('response.completed') },
  'openrouter/reasoning-field': {
    end: 'completed',
    items: ['reasoning', 'message', 'reasoning'],
    check: (out, events) => {
      expect(reasoningText(out[0])).toBe('The user greets me. Reply briefly.');
      expect(out[1].content[0].text).toBe('Hello there!');
      // The reasoning_details blocks, merged, for the replay; shown once, through `reasoning`.
      expect(decodeReasoningEnvelope(out[2].encrypted_content)?.details).toEqual([{ type: 'reasoning.text', text: 'The user greets me. Reply briefly.', format: 'unknown', index: 0 }]);
      expect(usage(events)).toMatchObject({ input_tokens: 512, output_tokens_details: { reasoning_tokens: 8 } });
    },
  },
  'openrouter/error-mid-stream': {
    end: 'failed',
    code: 'upstream_error',
    check: (_out, events) => expect(finalResponse(events).error?.message).toContain('Provider returned error'),
  },
  'groq/x-groq-usage-reasoning-field': {
    end: 'completed',
    items: ['reasoning', 'function_call'],
    check: (_out, events) => expect(usage(events)).toMatchObject({ input_tokens: 6120, output_tokens: 31, total_tokens: 6151 }),
  },
  'groq/error-inside-200-stream': {
    end: 'failed',
    code: 'upstream_error',
    check: (_out, events) => expect(finalResponse(events).error?.message).toContain('Failed to call a function'),
  },
  'mistral/tool-call-id-9-chars': {
    end: 'completed',
    items: ['function_call', 'function_call'],
    check: (out, events) => {
      expect(out.map((i) => i.call_id)).toEqual(['D681PevKs', 'q2Lw8Zx0c']);
      expect(out.map((i) => i.arguments)).toEqual(['{"cmd": "ls"}', '{"cmd": "pwd"}']);
      expect(usage(events)).toMatchObject({ input_tokens: 5980 });
    },
  },
  'mistral/magistral-thinking-parts': {
    end: 'completed',
    items: ['reasoning', 'message'],
    check: (out) => {
      expect(reasoningText(out[0])).toBe('Two plus two is four.');
      expect(out[1].content[0].text).toBe('4');
    },
  },
  'xai/reasoning-content-usage-before-last': {
    end: 'completed',
    items: ['reasoning', 'message'],
    // xAI counts reasoning apart from completion_tokens: the output is both.
    check: (_out, events) => expect(usage(events)).toMatchObject({ input_tokens: 300, output_tokens: 20, total_tokens: 320, input_tokens_details: { cached_tokens: 256 }, output_tokens_details: { reasoning_tokens: 15 } }),
    withoutProfile: (events) => expect(usage(events)).toMatchObject({ output_tokens: 5 }),
  },
  'gemini/no-done-marker': {
    end: 'completed',
    items: ['message'],
    check: (out, events) => {
      expect(out[0].content[0].text).toBe('Hello from Gemini.');
      expect(usage(events)).toMatchObject({ input_tokens: 400 });
    },
  },
  'gemini/parallel-tool-calls-without-index': {
    end: 'completed',
    items: ['function_call', 'function_call'],
    check: (out) => {
      expect(out.map((i) => i.call_id)).toEqual(['function-call-5371861393357734321', 'function-call-5371861393357734322']);
      expect(out.map((i) => JSON.parse(i.arguments).cmd)).toEqual(['ls', 'git status']);
    },
  },
  'ollama/reasoning-field-tool-call': {
    end: 'completed',
    items: ['reasoning', 'function_call'],
    check: (out, events) => {
      expect(reasoningText(out[0])).toBe('Okay, list the files.');
      expect(usage(events)).toMatchObject({ input_tokens: 2048 });
    },
  },
  'lmstudio/think-tags-in-content': {
    end: 'completed',
    items: ['reasoning', 'message'],
    check: (out) => {
      expect(reasoningText(out[0])).toBe('Greeting; answer short.');
      expect(out[1].content[0].text).toBe('Hi! How can I help?');
    },
    // Any upstream's leading <think> is reasoning: the profile is not what parses it.
    withoutProfile: (events) => expect(reasoningText(outputOf(events)[0])).toBe('Greeting; answer short.'),
  },
  'vllm/think-tags-split-across-deltas': {
    end: 'completed',
    items: ['reasoning', 'function_call'],
    check: (out) => {
      expect(reasoningText(out[0])).toBe('The user wants the file list.');
      expect(out[1]).toMatchObject({ call_id: 'chatcmpl-tool-4e1f9b2a7c6d4e8f', arguments: '{"cmd": "ls"}' });
    },
    withoutProfile: (events) => expect(outputOf(events).map((i) => i.type)).toEqual(['reasoning', 'function_call']),
  },
  'vllm/reasoning-parser-field': { end: 'completed', items: ['reasoning', 'message'] },
};

const fixturesDir = new URL('../fixtures/providers/', import.meta.url);
const recorded = readdirSync(fixturesDir, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .flatMap((d) => readdirSync(new URL(`${d.name}/`, fixturesDir)).filter((f) => f.endsWith('.chunks.txt')).map((f) => `${d.name}/${f.replace(/\.chunks\.txt$/, '')}`));

/** The recorded bytes, cut into odd-sized pieces as a network would, through the real SSE parser and the translator. */
async function replay(name: string, quirks: ProviderQuirks): Promise<ResponsesStreamEvent[]> {
  const bytes = readFileSync(new URL(`${name}.chunks.txt`, fixturesDir));
  async function* pieces() {
    for (let i = 0, size = 1; i < bytes.length; i += size, size = (size * 7) % 61 + 1) yield bytes.subarray(i, i + size);
  }
  const { toolNames } = convertToChatTools(toolLoopBody.tools);
  const translator = new ChatStreamToResponsesEvents({ responseId: 'resp_fixture', model: 'm', createdAt: 1764000000, toolNames, upstreamHost: 'provider.example', quirks });
  const events = [...translator.start()];
  let sawDone = false;
  for await (const event of parseSseBytes(pieces())) {
    if (event.type === 'done') {
      sawDone = true;
      break;
    }
    if (event.type === 'chunk') events.push(...translator.push(event.chunk));
  }
  events.push(...translator.end({ sawDone }));
  return events;
}

describe('each provider stream → the Responses events Codex accepts', () => {
  it('every recorded stream has an expectation, and every provider has recordings', () => {
    expect(recorded.sort()).toEqual(Object.keys(STREAMS).sort());
    expect([...new Set(recorded.map((r) => r.split('/')[0]))].sort()).toEqual(PROVIDER_MOCKS.map((m) => m.id).sort());
  });

  for (const [name, expected] of Object.entries(STREAMS)) {
    it(name, async () => {
      const events = await replay(name, quirksOf(name.split('/')[0]));
      expect(codexStreamProblems(events)).toEqual([]);
      expect(events.at(-1)?.type).toBe(`response.${expected.end}`);
      if (expected.code) expect(finalResponse(events).error?.code).toBe(expected.code);
      if (expected.items) expect(outputOf(events).map((i) => i.type)).toEqual(expected.items);
      expected.check?.(outputOf(events), events);
      if (expected.withoutProfile) {
        const plain = await replay(name, { ...DEFAULT_QUIRKS });
        expect(codexStreamProblems(plain)).toEqual([]);
        expected.withoutProfile(plain);
      }
    });
  }
});
