// Provider × scenario, run for real. In `npm test` it pins the matrix the README shows; `npm run compat`
// runs the same file and prints the matrix (test/compat/compat-matrix-reporter.ts).
import { describe, expect, it } from 'vitest';
import { QUIRK_PROFILES } from '../../src/providers/quirks/index.js';
import { PROVIDER_MOCKS } from '../providers/provider-mocks.js';
import { runScenario, SCENARIOS, type Scenario } from './compat-scenarios.js';

/** What the README's "Provider compatibility" table says. ✗ cells are the providers' own limits. */
const EXPECTED_FAILURES: Record<string, Scenario[]> = {
  deepseek: ['images'],
  gemini: ['reasoning round-trip'],
};

export interface CompatCell {
  provider: string;
  name: string;
  scenario: Scenario;
  ok: boolean;
  note?: string;
}

describe('provider compatibility matrix', () => {
  for (const mock of PROVIDER_MOCKS) {
    const name = QUIRK_PROFILES.find((p) => p.id === mock.id)?.name ?? mock.id;
    for (const scenario of SCENARIOS) {
      it(`${mock.id} × ${scenario}`, async ({ task }) => {
        const result = await runScenario(mock.id, scenario);
        const cell: CompatCell = { provider: mock.id, name, scenario, ...result };
        (task.meta as Record<string, unknown>).compat = cell;
        const expected = !(EXPECTED_FAILURES[mock.id] ?? []).includes(scenario);
        expect(result.ok, result.note).toBe(expected);
      });
    }
  }

  it('measures the profiles: without them, these cells turn ✗', async () => {
    const without = async (id: string, scenario: Scenario) => (await runScenario(id, scenario, { withProfile: false })).ok;
    expect(await without('qwen', 'text')).toBe(false); // a second system message
    expect(await without('mistral', 'tools')).toBe(false); // stream_options and reasoning_content refused (recovered, but refused)
    expect(await without('xai', 'text')).toBe(true); // no effort sent: nothing to refuse
    expect(await without('vllm', 'reasoning round-trip')).toBe(false); // <think> stays in the text
    expect(await without('xai', 'usage')).toBe(false); // reasoning tokens missing from the output
  });
});
