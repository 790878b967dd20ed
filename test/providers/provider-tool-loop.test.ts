// For each provider: a 3-step Codex tool loop (one call, two parallel calls, the answer) through the
// real server, in front of a mock that refuses what that provider refuses.
import { afterEach, describe, expect, it } from 'vitest';
import type { MockTurn } from '../helpers/mock-upstream.js';
import { CodexConversation, startProviderBridge } from './codex-client.js';
import { codexStreamProblems } from './codex-stream-checks.js';
import { PROVIDER_MOCKS } from './provider-mocks.js';
import type { ChatRequest } from '../../src/translate/types.js';
import { mockThoughtSignature, reasoningDetailsOf } from '../helpers/mock-replay-rules.js';

const shell = (cmd: string) => ({ name: 'exec_command', arguments: JSON.stringify({ cmd }) });
const LOOP: MockTurn[] = [
  { reasoning: 'First, list the files.', toolCalls: [shell('ls')], usage: { prompt_tokens: 1000, completion_tokens: 20, reasoning_tokens: 8 } },
  { reasoning: 'Now read both at once.', toolCalls: [shell('cat a.txt'), shell('cat b.txt')], usage: { prompt_tokens: 1100, completion_tokens: 30 } },
  { reasoning: 'I have what I need.', content: 'a.txt says A, b.txt says B.', usage: { prompt_tokens: 1200, completion_tokens: 12 } },
];

const assistantsOf = (body: ChatRequest) => body.messages.filter((m) => m.role === 'assistant') as Array<Record<string, any>>;

/** What each provider's upstream requests show of its profile, beyond being accepted. */
const upstreamChecks: Record<string, (last: ChatRequest) => void> = {
  deepseek: (last) => expect(assistantsOf(last).map((m) => m.reasoning_content)).toEqual(['First, list the files.', 'Now read both at once.']),
  kimi: (last) => expect(assistantsOf(last).map((m) => m.reasoning_content)).toEqual(['First, list the files.', 'Now read both at once.']),
  qwen: (last) => expect(last.messages.filter((m) => m.role === 'system')).toHaveLength(1),
  glm: (last) => expect('parallel_tool_calls' in last).toBe(false),
  openrouter: (last) => {
    expect(assistantsOf(last).map((m) => m.reasoning)).toEqual(['First, list the files.', 'Now read both at once.']);
    // The signed thinking blocks, back unchanged.
    expect(assistantsOf(last).map((m) => m.reasoning_details)).toEqual(['First, list the files.', 'Now read both at once.'].map(reasoningDetailsOf));
  },
  groq: (last) => expect(assistantsOf(last).every((m) => m.reasoning === undefined && m.reasoning_content === undefined)).toBe(true),
  mistral: (last) => {
    expect('stream_options' in last).toBe(false);
    expect(assistantsOf(last).flatMap((m) => m.tool_calls.map((c: { id: string }) => c.id))).toEqual(['M00000001', 'M00000002', 'M00000003']);
  },
  xai: (last) => expect(assistantsOf(last).every((m) => m.reasoning_content === undefined)).toBe(true),
  gemini: (last) => {
    expect(last.stream_options).toEqual({ include_usage: true });
    // Each turn's first call carries the signature it came with; the parallel one after it none.
    const calls = assistantsOf(last).flatMap((m) => m.tool_calls);
    expect(calls.map((c) => c.extra_content?.google?.thought_signature)).toEqual([mockThoughtSignature(calls[0].id), mockThoughtSignature(calls[1].id), undefined]);
  },
  ollama: (last) => expect(assistantsOf(last).map((m) => m.reasoning)).toEqual(['First, list the files.', 'Now read both at once.']),
  lmstudio: (last) => expect(last.messages[0].role).toBe('system'),
  vllm: (last) => expect(last.messages.filter((m) => m.role === 'system')).toHaveLength(1),
};

describe('a 3-step Codex tool loop through serve, per provider', () => {
  let harness: Awaited<ReturnType<typeof startProviderBridge>> | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  for (const mock of PROVIDER_MOCKS) {
    it(mock.id, async () => {
      const lines: string[] = [];
      harness = await startProviderBridge(mock.id, LOOP, {}, (line) => lines.push(line));
      const codex = new CodexConversation(harness.bridge.url, { prompt: 'What do a.txt and b.txt say?' });

      const first = await codex.send();
      expect(first.status, first.text.slice(0, 400)).toBe(200);
      expect(codexStreamProblems(first.events as never)).toEqual([]);
      expect(first.output.filter((i) => i.type === 'function_call').map((i) => JSON.parse(i.arguments).cmd)).toEqual(['ls']);
      codex.answer(first);

      const second = await codex.send();
      expect(second.status, second.text.slice(0, 400)).toBe(200);
      expect(codexStreamProblems(second.events as never)).toEqual([]);
      expect(second.output.filter((i) => i.type === 'function_call').map((i) => JSON.parse(i.arguments).cmd)).toEqual(['cat a.txt', 'cat b.txt']);
      codex.answer(second, (call) => (JSON.parse(call.arguments).cmd === 'cat a.txt' ? 'A' : 'B'));

      const third = await codex.send();
      expect(third.status, third.text.slice(0, 400)).toBe(200);
      expect(codexStreamProblems(third.events as never)).toEqual([]);
      const message = third.output.find((i) => i.type === 'message');
      expect(message?.content[0].text).toBe('a.txt says A, b.txt says B.');
      expect(third.output.some((i) => i.type === 'reasoning')).toBe(mock.exposesReasoning);
      expect(third.usage).toMatchObject({ input_tokens: 1200, output_tokens: 12 });

      // The provider accepted every request, and Codex's call ids are the ones the provider made.
      const upstream = harness.upstream.requests;
      expect(upstream.map((r) => r.rejection ?? r.status)).toEqual([200, 200, 200]);
      const callIds = [...first.output, ...second.output].filter((i) => i.type === 'function_call').map((i) => i.call_id);
      expect(new Set(callIds).size).toBe(3);
      const last = upstream[2].body;
      expect(last.messages.filter((m) => m.role === 'tool')).toHaveLength(3);
      upstreamChecks[mock.id](last);
      expect(lines[0]).toBe(`quirks: ${mock.id} profile (matched by provider)`);
    });
  }
});
