// An upstream no profile describes, refusing parameters the bridge sends: each refusal is retried
// without the parameter once, remembered for the bridge's lifetime, and logged.
import { describe, expect, it } from 'vitest';
import { bridgeWithMockPerTest } from './bridge-harness.js';
import type { MockTurn } from '../helpers/mock-upstream.js';
import { CodexConversation } from '../providers/codex-client.js';
import { providerMock } from '../providers/provider-mocks.js';

const turns: MockTurn[] = [
  { reasoning: 'List first.', toolCalls: [{ name: 'exec_command', arguments: '{"cmd":"ls"}' }] },
  { reasoning: 'Done.', content: 'Three files.' },
];

describe('adaptive parameter fallback', () => {
  const startHarness = bridgeWithMockPerTest();

  it('a Mistral-strict upstream without its profile: stream_options and replayed reasoning are dropped after their 422s', async () => {
    const lines: string[] = [];
    const harness = await startHarness({ turns, rules: providerMock('mistral').rules }, { log: (line) => lines.push(line) });
    const codex = new CodexConversation(harness.bridge.url, { prompt: 'how many files?' });
    const first = await codex.send();
    expect(first.status).toBe(200);
    codex.answer(first);
    const second = await codex.send();
    expect(second.status).toBe(200);
    expect(second.output.find((i) => i.type === 'message')?.content[0].text).toBe('Three files.');

    const requests = harness.upstream.requests;
    expect(requests.map((r) => r.status)).toEqual([422, 200, 422, 200]);
    expect(requests[0].rejection).toMatch(/stream_options/);
    expect(requests[2].rejection).toMatch(/reasoning_content/);
    // Remembered: the later requests never carry them again.
    expect('stream_options' in requests[2].body).toBe(false);
    expect(requests[3].body.messages.some((m) => 'reasoning_content' in m)).toBe(false);
    expect(lines.filter((l) => l.includes('refused'))).toEqual([
      'upstream ' + new URL(harness.upstream.url).host + ' refused stream_options (HTTP 422); retrying without it, and leaving it out from now on',
      'upstream ' + new URL(harness.upstream.url).host + ' refused reasoning_content (HTTP 422); retrying without it, and leaving it out from now on',
    ]);
    expect(lines[0]).toBe('quirks: defaults (no provider profile matches this upstream)');

    // A third request in another conversation goes straight through.
    const other = await new CodexConversation(harness.bridge.url, { prompt: 'again' }).send();
    expect(other.status).toBe(200);
    expect(requests.at(-1)?.status).toBe(200);
    expect(requests).toHaveLength(5);
  });

  it('a Gemini-style "Unknown name" for parallel_tool_calls', async () => {
    const harness = await startHarness({ turns: [{ content: 'ok' }], rules: { rejectFields: ['parallel_tool_calls'], rejectionStyle: 'gemini' } });
    const step = await new CodexConversation(harness.bridge.url, { prompt: 'hi' }).send();
    expect(step.status).toBe(200);
    expect(harness.upstream.requests.map((r) => r.status)).toEqual([400, 200]);
  });

  it('gives up after a few parameters and returns the refusal to the client', async () => {
    const harness = await startHarness({ turns: [{ content: 'ok' }], rules: { rejectFields: ['stream_options', 'parallel_tool_calls', 'tool_choice', 'reasoning_effort'] } });
    const codex = new CodexConversation(harness.bridge.url, { prompt: 'hi', body: { ...(await import('../providers/codex-client.js')).CODEX_TURN_1, reasoning: { effort: 'high' } } });
    const step = await codex.send();
    expect(step.status).toBe(400);
    expect(harness.upstream.requests.map((r) => r.status)).toEqual([400, 400, 400, 400]);
    // The next request starts without the three it learnt, and only needs one more retry.
    const again = await codex.send();
    expect(again.status).toBe(200);
    expect(harness.upstream.requests.map((r) => r.status).slice(4)).toEqual([400, 200]);
  });

  it('does not retry refusals that are not about a parameter we sent', async () => {
    const harness = await startHarness({ turns, rules: providerMock('deepseek').rules });
    const input = [
      { type: 'message', role: 'user', content: 'how many files?' },
      { type: 'function_call', call_id: 'call_ls', name: 'exec_command', arguments: '{"cmd":"ls"}' },
      { type: 'function_call_output', call_id: 'call_ls', output: 'a b c' },
    ];
    const codex = new CodexConversation(harness.bridge.url, { body: { model: 'm', stream: true, input, tools: [{ type: 'function', name: 'exec_command', parameters: { type: 'object' } }] } });
    const step = await codex.send();
    expect(step.status).toBe(400);
    expect(harness.upstream.requests).toHaveLength(1);
  });
});
