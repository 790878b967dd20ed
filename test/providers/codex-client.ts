// A client that behaves like Codex 0.169 towards the bridge: the captured request as a base, the
// whole history every time, output items replayed verbatim, every call answered.
import { readFileSync } from 'node:fs';
import { postResponses, startBridgeWithMock } from '../integration/bridge-harness.js';
import type { MockTurn } from '../helpers/mock-upstream.js';
import { providerMock } from './provider-mocks.js';

const captured = JSON.parse(readFileSync(new URL('../fixtures/codex-0.169/reasoning-item-replay.json', import.meta.url), 'utf8')) as Array<{ body: Record<string, any> }>;
/** Codex's first request of a turn: developer prompts, environment context, the user's prompt, all its tools. */
export const CODEX_TURN_1 = captured[0].body;

/** A bridge (with the provider's quirk profile) in front of a mock that enforces the provider's rules. */
export async function startProviderBridge(id: string, turns: MockTurn[], overrides: Record<string, unknown> = {}, log?: (line: string) => void) {
  const mock = providerMock(id);
  const script = turns.map((turn): MockTurn => {
    const out = mock.exposesReasoning ? { ...turn } : (({ reasoning: _reasoning, ...rest }) => rest)(turn);
    if (mock.reasoningTokensSeparate && turn.usage) {
      // The same counts, reported the provider's way: completion_tokens without the reasoning.
      const { prompt_tokens, completion_tokens, cached_tokens = 0, reasoning_tokens = 0 } = turn.usage;
      out.rawUsage = {
        prompt_tokens,
        completion_tokens: completion_tokens - reasoning_tokens,
        total_tokens: prompt_tokens + completion_tokens,
        prompt_tokens_details: { cached_tokens },
        completion_tokens_details: { reasoning_tokens },
      };
    }
    return out;
  });
  return startBridgeWithMock({ turns: script, rules: mock.rules }, { provider: id, ...(log && { log }), ...overrides });
}

export interface CodexStep {
  status: number;
  events: Array<Record<string, any>>;
  output: Array<Record<string, any>>;
  usage: Record<string, any> | null;
  text: string;
}

export class CodexConversation {
  readonly input: Array<Record<string, unknown>>;
  private readonly body: Record<string, unknown>;

  constructor(
    private readonly url: string,
    options: { prompt?: string; content?: unknown[]; body?: Record<string, unknown> } = {},
    private readonly thread = `thread-${Math.random().toString(36).slice(2)}`,
  ) {
    const base = options.body ?? CODEX_TURN_1;
    this.body = base;
    const input = (base.input as Array<Record<string, unknown>>).slice();
    if (options.prompt || options.content) {
      input[input.length - 1] = { type: 'message', role: 'user', content: options.content ?? [{ type: 'input_text', text: options.prompt }] };
    }
    this.input = input;
  }

  /** One request with the whole history; the completed output is appended, as Codex records it. */
  async send(): Promise<CodexStep> {
    const reply = await postResponses(this.url, { ...this.body, input: this.input }, { 'thread-id': this.thread });
    const last = reply.events.at(-1);
    const output = last?.type === 'response.completed' ? (last.response.output as Array<Record<string, any>>) : [];
    this.input.push(...output);
    return { status: reply.status, events: reply.events, output, usage: last?.response?.usage ?? null, text: reply.text };
  }

  /** Answers every call of the last step, as Codex does after running them. */
  answer(step: CodexStep, result: (call: Record<string, any>) => string = (call) => `ran ${call.name}`): void {
    for (const call of step.output.filter((i) => i.type === 'function_call')) {
      this.input.push({ type: 'function_call_output', call_id: call.call_id, output: result(call) });
    }
  }
}
