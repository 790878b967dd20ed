// What each recorded provider answer (test/fixtures/providers/) must become for Codex, and what the
// next request must carry back. Keyed by `<dir>/<behaviour>`; test/providers/provider-fixtures.test.ts
// runs them.
import { expect } from 'vitest';
import { decodeReasoningEnvelope } from '../../src/translate/reasoning-envelope.js';
import type { ChatMessage, ChatRequest, ResponsesResponse, ResponsesStreamEvent } from '../../src/translate/types.js';
import type { MockRules } from '../helpers/mock-upstream.js';
import { outputOf } from './codex-stream-checks.js';

export type AssistantMessage = Extract<ChatMessage, { role: 'assistant' }>;

export interface FixtureExpectation {
  end: 'completed' | 'incomplete' | 'failed';
  items?: string[];
  code?: string;
  check?: (output: Array<Record<string, any>>, response: ResponsesResponse & Record<string, any>) => void;
  /** What goes wrong with the default quirks instead of the provider's (the reason for the profile). Streams only. */
  withoutProfile?: (events: ResponsesStreamEvent[], response: Record<string, any>) => void;
  /** The assistant message of the next request, with this answer replayed as history: beyond "the provider accepts it". */
  replay?: (assistant: AssistantMessage, request: ChatRequest) => void;
  /** The rules the next request must pass, for `other/` (the providers' own mock rules otherwise). */
  replayRules?: MockRules;
  /** Checked against the rules for a history this provider did not sign (Gemini 2.5 signs nothing). */
  foreignReplay?: boolean;
}

const reasoningText = (item: Record<string, any>) => decodeReasoningEnvelope(item.encrypted_content)?.text;
/** The reasoning_details blocks a replay item carries. */
const detailsOf = (item: Record<string, any>) => (decodeReasoningEnvelope(item.encrypted_content)?.details ?? []) as Array<Record<string, any>>;

export const FIXTURE_EXPECTATIONS: Record<string, FixtureExpectation> = {
  'deepseek/thinking-tool-call': {
    end: 'completed',
    items: ['reasoning', 'function_call'],
    check: (out, response) => {
      expect(reasoningText(out[0])).toBe("The user wants to see what is in the folder. I'll run ls.");
      expect(out[1]).toMatchObject({ name: 'exec_command', call_id: 'call_00_Xc2pTq8sNw1vB4kR7mYe3dHf', arguments: '{"cmd": "ls -la"}' });
      expect(response.usage).toMatchObject({ input_tokens: 21044, input_tokens_details: { cached_tokens: 20992 }, output_tokens_details: { reasoning_tokens: 38 } });
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
    check: (out, response) => {
      expect(out[1]).toMatchObject({ call_id: 'functions.exec_command:0', arguments: '{"cmd": "ls"}' });
      expect(response.usage).toMatchObject({ input_tokens: 8123, output_tokens: 40 });
    },
  },
  'qwen/reasoning-content-tool-call-empty-ids': {
    end: 'completed',
    items: ['reasoning', 'function_call'],
    check: (out, response) => {
      expect(out[1]).toMatchObject({ call_id: 'call_2b6f1d0c8e4a4f3b9a7c55', name: 'exec_command', arguments: '{"cmd": "ls"}' });
      expect(response.usage).toMatchObject({ input_tokens: 9050, output_tokens_details: { reasoning_tokens: 9 } });
    },
  },
  'glm/reasoning-content-whole-tool-call': {
    end: 'completed',
    check: (out, response) => {
      expect(out.map((i) => i.type)).toContain('function_call');
      expect(reasoningText(out[0])?.trim()).toBe('List the folder first.');
      expect(out.find((i) => i.type === 'function_call')).toMatchObject({ call_id: 'call_-8141853342356716541', arguments: '{"cmd":"ls"}' });
      expect(response.usage).toMatchObject({ input_tokens: 7020, input_tokens_details: { cached_tokens: 6912 } });
    },
  },
  'glm/network-error-finish': { end: 'failed', code: 'upstream_error', withoutProfile: (events) => expect(events.at(-1)?.type).toBe('response.completed') },
  'openrouter/reasoning-field': {
    end: 'completed',
    items: ['reasoning', 'message', 'reasoning'],
    check: (out, response) => {
      expect(reasoningText(out[0])).toBe('The user greets me. Reply briefly.');
      expect(out[1].content[0].text).toBe('Hello there!');
      // The reasoning_details blocks, merged, for the replay; shown once, through `reasoning`.
      expect(decodeReasoningEnvelope(out[2].encrypted_content)?.details).toEqual([{ type: 'reasoning.text', text: 'The user greets me. Reply briefly.', format: 'unknown', index: 0 }]);
      expect(response.usage).toMatchObject({ input_tokens: 512, output_tokens_details: { reasoning_tokens: 8 } });
    },
  },
  'openrouter/error-mid-stream': {
    end: 'failed',
    code: 'upstream_error',
    check: (_out, response) => expect(response.error?.message).toContain('Provider returned error'),
  },
  'groq/x-groq-usage-reasoning-field': {
    end: 'completed',
    items: ['reasoning', 'function_call'],
    check: (_out, response) => expect(response.usage).toMatchObject({ input_tokens: 6120, output_tokens: 31, total_tokens: 6151 }),
  },
  'groq/error-inside-200-stream': {
    end: 'failed',
    code: 'upstream_error',
    check: (_out, response) => expect(response.error?.message).toContain('Failed to call a function'),
  },
  'mistral/tool-call-id-9-chars': {
    end: 'completed',
    items: ['function_call', 'function_call'],
    check: (out, response) => {
      expect(out.map((i) => i.call_id)).toEqual(['D681PevKs', 'q2Lw8Zx0c']);
      expect(out.map((i) => i.arguments)).toEqual(['{"cmd": "ls"}', '{"cmd": "pwd"}']);
      expect(response.usage).toMatchObject({ input_tokens: 5980 });
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
    check: (_out, response) => expect(response.usage).toMatchObject({ input_tokens: 300, output_tokens: 20, total_tokens: 320, input_tokens_details: { cached_tokens: 256 }, output_tokens_details: { reasoning_tokens: 15 } }),
    withoutProfile: (_events, response) => expect(response.usage).toMatchObject({ output_tokens: 5 }),
  },
  'gemini/no-done-marker': {
    end: 'completed',
    items: ['message'],
    check: (out, response) => {
      expect(out[0].content[0].text).toBe('Hello from Gemini.');
      expect(response.usage).toMatchObject({ input_tokens: 400 });
    },
  },
  'gemini/parallel-tool-calls-without-index': {
    end: 'completed',
    items: ['function_call', 'function_call'],
    check: (out) => {
      expect(out.map((i) => i.call_id)).toEqual(['function-call-5371861393357734321', 'function-call-5371861393357734322']);
      expect(out.map((i) => JSON.parse(i.arguments).cmd)).toEqual(['ls', 'git status']);
    },
    // Gemini 2.5 signs nothing; on Gemini 3 such a history gets the placeholder signature (adaptive).
    foreignReplay: true,
  },
  'ollama/reasoning-field-tool-call': {
    end: 'completed',
    items: ['reasoning', 'function_call'],
    check: (out, response) => {
      expect(reasoningText(out[0])).toBe('Okay, list the files.');
      expect(response.usage).toMatchObject({ input_tokens: 2048 });
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
  'openrouter/reasoning-details-claude-signed-tool-call': {
    end: 'completed',
    items: ['reasoning', 'function_call', 'reasoning'],
    check: (out, response) => {
      expect(reasoningText(out[0])).toMatch(/^The user is asking for weather information in Florence, Italy\./);
      expect(out[1]).toMatchObject({ call_id: 'toolu_bdrk_01N8hD5cYDw4WfvnjKXAkA2W', arguments: '{"location": "Florence, Italy"}' });
      // One signed thinking block: the text pieces and the late signature, merged.
      const [block] = detailsOf(out[2]);
      expect(block).toMatchObject({ type: 'reasoning.text', format: 'anthropic-claude-v1', index: 0, text: reasoningText(out[0]) });
      expect(block.signature).toMatch(/^Eq0ECkgIDRAB/);
      expect(response.usage).toMatchObject({ output_tokens_details: { reasoning_tokens: 99 } });
    },
    replay: (assistant) => expect(assistant).toMatchObject({ reasoning: expect.stringMatching(/^The user is asking/), reasoning_details: [expect.objectContaining({ type: 'reasoning.text' })] }),
  },
  'openrouter/reasoning-details-claude-whole-message': {
    end: 'completed',
    items: ['reasoning', 'function_call', 'reasoning'],
    check: (out) => expect(detailsOf(out[2])).toEqual([expect.objectContaining({ type: 'reasoning.text', signature: expect.stringMatching(/^EvgC/), text: reasoningText(out[0]) })]),
  },
  'openrouter/reasoning-details-gemini-encrypted-tool-call': {
    end: 'completed',
    items: ['reasoning', 'function_call', 'reasoning'],
    check: (out) => {
      expect(reasoningText(out[0])).toMatch(/^\*\*Assessing User Intent\*\*[\s\S]*\*\*Pinpointing the Tool's Use\*\*/);
      // The encrypted block shares index 0 with the text block: two blocks, not one.
      expect(detailsOf(out[2]).map((b) => b.type)).toEqual(['reasoning.text', 'reasoning.encrypted']);
      expect(detailsOf(out[2])[1]).toMatchObject({ id: 'tool_weather_wJMhKbJOiIeWsXDA84qT', data: expect.stringMatching(/^CiUBjz1r/) });
    },
  },
  'gemini/thought-signature-tool-call': {
    end: 'completed',
    items: ['function_call', 'reasoning'],
    check: (out) => {
      expect(out[0]).toMatchObject({ call_id: 'function-call-1', name: 'check_flight' });
      expect(JSON.stringify(out[0])).not.toContain('Signature A');
      expect(decodeReasoningEnvelope(out[1].encrypted_content)?.toolCallExtras).toEqual({ 'function-call-1': { google: { thought_signature: '<Signature A>' } } });
    },
    replay: (assistant) => expect(assistant.tool_calls?.[0].extra_content).toEqual({ google: { thought_signature: '<Signature A>' } }),
  },
  'gemini/thought-signature-parallel-tool-calls': {
    end: 'completed',
    items: ['function_call', 'function_call', 'reasoning'],
    check: (out, response) => {
      expect(out.slice(0, 2).map((i) => JSON.parse(i.arguments).location)).toEqual(['Paris', 'London']);
      expect(response.usage).toMatchObject({ input_tokens: 120, output_tokens: 42 });
    },
    // The signature on the first call, as it came; none on the parallel call after it.
    replay: (assistant) => expect(assistant.tool_calls?.map((c) => c.extra_content)).toEqual([{ google: { thought_signature: '<Signature A>' } }, undefined]),
  },
  'groq/qwen-reasoning-cut-by-length': {
    end: 'incomplete',
    items: ['reasoning'],
    check: (out, response) => {
      expect(reasoningText(out[0])).toMatch(/^Here's a thinking process:[\s\S]*calculation process$/);
      expect(response.incomplete_details).toEqual({ reason: 'max_output_tokens' });
      expect(response.usage).toMatchObject({ input_tokens: 27, output_tokens: 64, output_tokens_details: { reasoning_tokens: 64 } });
    },
  },
  'groq/reasoning-cut-by-length-streamed': {
    end: 'incomplete',
    items: ['reasoning'],
    check: (_out, response) => expect(response).toMatchObject({ incomplete_details: { reason: 'max_output_tokens' }, usage: { input_tokens: 27, output_tokens: 64 } }),
  },
  'other/vercel-gateway-gemini-encrypted-after-tool-call': {
    end: 'completed',
    items: ['reasoning', 'function_call', 'reasoning'],
    // The encrypted block came after the call; it still goes back on the call's message.
    check: (out) => expect(detailsOf(out[2]).map((b) => b.type)).toEqual(['reasoning.text', 'reasoning.encrypted']),
    replayRules: { reasoning: 'anthropic' },
  },
  'other/avian-kimi-reasoning-details-tool-call': {
    end: 'completed',
    // The host sends a blank content delta before and after the call; kept as the text it is.
    items: ['reasoning', 'message', 'function_call', 'message', 'reasoning'],
    check: (out) => {
      // reasoning_content and reasoning_details carry the same thought: shown once.
      expect(reasoningText(out[0])).toBe(detailsOf(out[4])[0].text);
      expect(out[2]).toMatchObject({ call_id: 'functions.weather:0' });
    },
    replayRules: { reasoning: 'kimi' },
    replay: (assistant) => expect(assistant).toMatchObject({ reasoning_content: expect.stringMatching(/^I need to get the weather/), reasoning_details: [expect.objectContaining({ format: 'unknown' })] }),
  },
  'other/raw-think-split-tags-tool-call': {
    end: 'completed',
    items: ['reasoning', 'function_call'],
    check: (out) => {
      expect(reasoningText(out[0])).toBe('The user wants the file list; run ls.');
      expect(out[1]).toMatchObject({ call_id: 'call_9f3b2a', arguments: '{"cmd": "ls"}' });
    },
    replayRules: { reasoning: 'deepseek' },
    replay: (assistant) => expect(assistant).toMatchObject({ content: null, reasoning_content: 'The user wants the file list; run ls.' }),
  },
  'other/raw-think-answer-quoting-the-tag': {
    end: 'completed',
    items: ['reasoning', 'message'],
    check: (out) => {
      expect(reasoningText(out[0])).toBe('They ask what the tag means.');
      // A <think> later in the answer stays text.
      expect(out[1].content[0].text).toBe('Models without a reasoning parser wrap their thoughts in <think>…</think> before the answer.');
    },
  },
};
