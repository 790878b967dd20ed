// An upstream no profile describes, whose chat template refuses the shape of Codex's conversation
// (several system messages, two user messages in a row, a system role at all), or which wants a
// thought signature on a history it did not sign: each refusal is answered once by reshaping, the
// shape is remembered for the bridge's lifetime, and logged.
import { describe, expect, it } from 'vitest';
import { bridgeWithMockPerTest } from './bridge-harness.js';
import type { MockTurn } from '../helpers/mock-upstream.js';
import { CodexConversation } from '../providers/codex-client.js';
import { decodeReasoningEnvelope } from '../../src/translate/reasoning-envelope.js';

const shell = (cmd: string) => ({ name: 'exec_command', arguments: JSON.stringify({ cmd }) });

describe('adaptive message shape', () => {
  const startHarness = bridgeWithMockPerTest();

  it('a Qwen-style template behind a server without a reasoning parser: one leading system message, <think> read as reasoning', async () => {
    const lines: string[] = [];
    const turns: MockTurn[] = [{ reasoning: 'List first.', toolCalls: [shell('ls')] }, { reasoning: 'Done.', content: 'Three files.' }];
    const harness = await startHarness({ turns, rules: { reasoningField: 'think-tags', singleLeadingSystem: true } }, { log: (line) => lines.push(line) });
    const codex = new CodexConversation(harness.bridge.url, { prompt: 'how many files?' });
    const first = await codex.send();
    expect(first.status).toBe(200);
    expect(first.output.map((i) => i.type)).toEqual(['reasoning', 'function_call']);
    expect(decodeReasoningEnvelope(first.output[0].encrypted_content)?.text).toBe('List first.');
    codex.answer(first);
    const second = await codex.send();
    expect(second.output.find((i) => i.type === 'message')?.content[0].text).toBe('Three files.');

    const requests = harness.upstream.requests;
    expect(requests.map((r) => r.status)).toEqual([400, 200, 200]);
    expect(requests[0].rejection).toMatch(/^System message must be at the beginning/);
    for (const r of requests.slice(1)) expect(r.body.messages.filter((m) => m.role === 'system').length).toBe(1);
    expect(requests[1].body.messages[0].role).toBe('system');
    // The reasoning parsed out of <think> goes back as reasoning, not as text.
    expect(requests[2].body.messages.find((m) => m.role === 'assistant')).toMatchObject({ content: null, reasoning_content: 'List first.' });
    expect(lines.filter((l) => l.includes('refused'))).toEqual([
      `upstream ${new URL(harness.upstream.url).host} refused the conversation's shape (HTTP 400); retrying as single-system, and sending it so from now on`,
    ]);
  });

  it('a Mistral-style template: system messages merged first, then consecutive user messages, each learnt once', async () => {
    const harness = await startHarness({ turns: [{ content: 'ok' }], rules: { alternatingRoles: true } });
    const step = await new CodexConversation(harness.bridge.url, { prompt: 'hi' }).send();
    expect(step.status).toBe(200);
    const requests = harness.upstream.requests;
    expect(requests.map((r) => r.status)).toEqual([400, 400, 200]);
    expect(requests[0].rejection).toMatch(/conversation roles must alternate/);
    expect(requests[2].body.messages.map((m) => m.role)).toEqual(['system', 'user']);
    // Another conversation goes straight through.
    expect((await new CodexConversation(harness.bridge.url, { prompt: 'again' }).send()).status).toBe(200);
    expect(requests.map((r) => r.status).slice(3)).toEqual([200]);
  });

  it('a Gemma-style template with no system role: the system text opens the first user message', async () => {
    const harness = await startHarness({ turns: [{ content: 'ok' }], rules: { rejectSystemRole: true } });
    const step = await new CodexConversation(harness.bridge.url, { prompt: 'hi' }).send();
    expect(step.status).toBe(200);
    const requests = harness.upstream.requests;
    expect(requests.map((r) => r.rejection ?? r.status)).toEqual(['System role not supported', 200]);
    expect(requests[1].body.messages.map((m) => m.role)).toEqual(['user']);
  });

  it('Gemini 3 and a history it did not sign: the documented placeholder signature, from then on', async () => {
    const harness = await startHarness({ turns: [{ content: 'ok' }], rules: { thoughtSignatures: true } });
    const input = [
      { type: 'message', role: 'user', content: 'how many files?' },
      { type: 'function_call', call_id: 'call_other_model', name: 'exec_command', arguments: '{"cmd":"ls"}' },
      { type: 'function_call_output', call_id: 'call_other_model', output: 'a b c' },
    ];
    const body = { model: 'm', stream: true, input, tools: [{ type: 'function', name: 'exec_command', parameters: { type: 'object' } }] };
    const step = await new CodexConversation(harness.bridge.url, { body }).send();
    expect(step.status).toBe(200);
    const requests = harness.upstream.requests;
    expect(requests.map((r) => r.status)).toEqual([400, 200]);
    expect(requests[0].rejection).toMatch(/^Function call is missing a thought_signature/);
    const assistant = requests[1].body.messages.find((m) => m.role === 'assistant') as { tool_calls: Array<{ extra_content?: unknown }> };
    expect(assistant.tool_calls[0].extra_content).toEqual({ google: { thought_signature: 'skip_thought_signature_validator' } });
  });

  it('stops once every shape that refusal names was tried, and hands the refusal to the client', async () => {
    const refusal: MockTurn = { status: 400, errorBody: { object: 'error', message: 'Conversation roles must alternate user/assistant/user/assistant/...', type: 'BadRequestError', code: 400 } };
    const harness = await startHarness({ turns: [refusal] });
    const step = await new CodexConversation(harness.bridge.url, { prompt: 'hi' }).send();
    expect(step.status).toBe(400);
    expect(step.text).toContain('Conversation roles must alternate');
    // The first try, then one retry per shape: one leading system message, then alternating users.
    expect(harness.upstream.requests).toHaveLength(3);
    const last = harness.upstream.requests[2].body.messages;
    expect(last.map((m) => m.role)).toEqual(['system', 'user']);
  });
});
