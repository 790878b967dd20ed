// The compatibility scenarios: what Codex needs to work, run for real (bridge with the provider's
// profile, in front of a mock enforcing that provider's rules), each with a verdict and a reason.
import type { MockTurn } from '../helpers/mock-upstream.js';
import { CodexConversation, startProviderBridge, type CodexStep } from '../providers/codex-client.js';
import { codexStreamProblems } from '../providers/codex-stream-checks.js';

export const SCENARIOS = ['text', 'tools', 'parallel tools', 'reasoning round-trip', 'images', 'usage'] as const;
export type Scenario = (typeof SCENARIOS)[number];

export interface ScenarioResult {
  ok: boolean;
  /** Why not, when not. */
  note?: string;
}

const shell = (cmd: string) => ({ name: 'exec_command', arguments: JSON.stringify({ cmd }) });
const PIXEL = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC';

const SCRIPTS: Record<Scenario, MockTurn[]> = {
  text: [{ content: 'Hello from the model.' }],
  // Thinking models reason before every call (and DeepSeek/Kimi refuse a replayed call without it).
  tools: [{ reasoning: 'List them.', toolCalls: [shell('ls')] }, { content: 'Three files.' }],
  'parallel tools': [{ reasoning: 'Both at once.', toolCalls: [shell('cat a'), shell('cat b')] }, { content: 'A and B.' }],
  'reasoning round-trip': [
    { reasoning: 'I should look at the files.', toolCalls: [shell('ls')] },
    { reasoning: 'Three of them.', content: 'Three files.' },
  ],
  images: [{ content: 'A single pixel.' }],
  usage: [{ content: 'Counted.', usage: { prompt_tokens: 1234, completion_tokens: 56, cached_tokens: 1000, reasoning_tokens: 7 } }],
};

function stepProblem(step: CodexStep): string | undefined {
  if (step.status !== 200) return `HTTP ${step.status}: ${step.text.slice(0, 160)}`;
  const problems = codexStreamProblems(step.events as never);
  if (problems.length > 0) return problems.join('; ');
  if (step.events.at(-1)?.type !== 'response.completed') return `ended with ${step.events.at(-1)?.type}: ${JSON.stringify(step.events.at(-1)?.response?.error)}`;
  return undefined;
}

/** `withProfile: false` runs the bridge as if it did not know the provider (defaults, adaptive fallback only). */
export async function runScenario(provider: string, scenario: Scenario, { withProfile = true } = {}): Promise<ScenarioResult> {
  const harness = await startProviderBridge(provider, SCRIPTS[scenario], withProfile ? {} : { provider: undefined });
  try {
    const codex =
      scenario === 'images'
        ? new CodexConversation(harness.bridge.url, { content: [{ type: 'input_text', text: 'What is in this picture?' }, { type: 'input_image', image_url: PIXEL }] })
        : new CodexConversation(harness.bridge.url, { prompt: 'Look at the files.' });
    const steps: CodexStep[] = [];
    for (let i = 0; i < SCRIPTS[scenario].length; i++) {
      const step = await codex.send();
      steps.push(step);
      const problem = stepProblem(step);
      if (problem) return { ok: false, note: `step ${i + 1}: ${problem}` };
      codex.answer(step);
    }
    const refused = harness.upstream.requests.find((r) => r.rejection);
    if (refused) return { ok: false, note: `the provider refused a request: ${refused.rejection}` };

    const items = (step: CodexStep, type: string) => step.output.filter((i) => i.type === type);
    switch (scenario) {
      case 'text':
        return items(steps[0], 'message')[0]?.content?.[0]?.text === 'Hello from the model.' ? { ok: true } : { ok: false, note: 'the text did not arrive' };
      case 'tools':
      case 'parallel tools': {
        const calls = items(steps[0], 'function_call');
        const wanted = scenario === 'tools' ? 1 : 2;
        if (calls.length !== wanted) return { ok: false, note: `${calls.length} calls arrived, ${wanted} expected` };
        const answered = harness.upstream.requests.at(-1)!.body.messages.filter((m) => m.role === 'tool').length;
        return answered === wanted ? { ok: true } : { ok: false, note: `${answered} tool results reached the provider` };
      }
      case 'reasoning round-trip': {
        // Reasoning with something to show (an item with an empty summary only carries replay state).
        const shownIn = (step: CodexStep) => items(step, 'reasoning').some((i) => (i.summary ?? []).length > 0);
        const shown = shownIn(steps[0]) && shownIn(steps[1]);
        return shown ? { ok: true } : { ok: false, note: 'the provider does not return the reasoning through its chat API, so Codex has none to show or replay' };
      }
      case 'images': {
        const sent = harness.upstream.requests[0].body.messages.some((m) => Array.isArray(m.content) && m.content.some((p) => p.type === 'image_url'));
        return sent ? { ok: true } : { ok: false, note: 'the chat API takes no images: each is replaced by a note saying one was left out' };
      }
      case 'usage': {
        const usage = steps[0].usage;
        const right = usage?.input_tokens === 1234 && usage?.output_tokens === 56 && usage?.input_tokens_details?.cached_tokens === 1000;
        return right ? { ok: true } : { ok: false, note: `usage arrived as ${JSON.stringify(usage)}` };
      }
    }
  } finally {
    await harness.close();
  }
}
