// Each provider, both ways through the pure translators with its quirk profile:
//   a captured Codex request → the chat request → accepted by that provider's enforcing rules;
//   the provider's recorded answers (test/fixtures/providers/<id>/, and other/ for upstreams no
//   profile describes) → the Responses events Codex accepts → replayed as history in the next
//   request, which that provider accepts.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { resolveQuirks } from '../../src/providers/quirks/index.js';
import { convertToChatRequest } from '../../src/translate/convert-to-chat-request.js';
import { DEFAULT_QUIRKS, type ProviderQuirks } from '../../src/translate/provider-quirks.js';
import type { ChatMessage, ChatRequest, ResponsesRequest } from '../../src/translate/types.js';
import { checkChatRequest, type MockRules } from '../helpers/mock-upstream.js';
import { codexStreamProblems } from './codex-stream-checks.js';
import { FIXTURE_EXPECTATIONS, type AssistantMessage } from './fixture-expectations.js';
import { acceptedReplay, nextRequestAfter, NO_PROFILE_DIR, recordedFixtures, translateFixture } from './recorded-fixtures.js';
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

// ---------------------------------------------------------------- recorded answers

const recorded = recordedFixtures();
const dirOf = (name: string) => name.split('/')[0];
const quirksFor = (name: string) => (dirOf(name) === NO_PROFILE_DIR ? { ...DEFAULT_QUIRKS } : quirksOf(dirOf(name)));

describe('each recorded provider answer → what Codex accepts → the next request', () => {
  it('every recording has an expectation, and every provider has recordings', () => {
    expect(recorded.map((f) => f.name).sort()).toEqual(Object.keys(FIXTURE_EXPECTATIONS).sort());
    const dirs = [...new Set(recorded.map((f) => dirOf(f.name)))].sort();
    expect(dirs).toEqual([...PROVIDER_MOCKS.map((m) => m.id), NO_PROFILE_DIR].sort());
  });

  for (const fixture of recorded) {
    const expected = FIXTURE_EXPECTATIONS[fixture.name];
    if (!expected) continue;
    it(`${fixture.name} (${fixture.kind})`, async () => {
      const quirks = quirksFor(fixture.name);
      const { events, response } = await translateFixture(fixture, quirks, toolLoopBody.tools);
      if (fixture.kind === 'stream') {
        expect(codexStreamProblems(events)).toEqual([]);
        expect(events.at(-1)?.type).toBe(`response.${expected.end}`);
      }
      expect(response.status).toBe(expected.end);
      if (expected.code) expect(response.error?.code).toBe(expected.code);
      const output = response.output as unknown as Array<Record<string, any>>;
      if (expected.items) expect(output.map((i) => i.type)).toEqual(expected.items);
      expected.check?.(output, response as never);
      if (expected.withoutProfile) {
        const plain = await translateFixture(fixture, { ...DEFAULT_QUIRKS }, toolLoopBody.tools);
        expect(codexStreamProblems(plain.events)).toEqual([]);
        expected.withoutProfile(plain.events, plain.response);
      }
      if (expected.end === 'failed') return;

      // Replayed as history, as Codex replays it: the provider accepts the next request.
      const next = nextRequestAfter(response.output, quirks, toolLoopBody.tools);
      const rules = dirOf(fixture.name) === NO_PROFILE_DIR ? (expected.replayRules ?? {}) : providerMock(dirOf(fixture.name)).rules;
      expect(checkChatRequest(next, expected.foreignReplay ? foreignHistoryRules(rules) : rules)).toBeUndefined();
      const assistant = next.messages.find((m): m is AssistantMessage => m.role === 'assistant');
      if (!assistant) return;
      expected.replay?.(assistant, next);
      // Where the provider's acceptance of the next request was recorded too: every reasoning block
      // and tool-call extra it accepted goes back unchanged.
      const accepted = acceptedReplay(fixture.name);
      if (accepted) {
        expect(accepted.reasoning_details.length).toBeGreaterThan(0);
        expect(assistant.reasoning_details).toEqual(expect.arrayContaining(accepted.reasoning_details));
        expect(assistant.tool_calls?.map((c) => c.id)).toEqual(accepted.tool_calls.map((c: { id: string }) => c.id));
      }
    });
  }
});
