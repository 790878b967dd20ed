// DeepSeek/Kimi thinking models reject a history whose assistant tool-call messages lost their
// reasoning_content. Codex replays our reasoning items verbatim; the envelope carries the text.
// When a client strips encrypted_content, the conversation-scoped SessionStore fills it in.
import { describe, expect, it } from 'vitest';
import { postResponses, bridgeWithMockPerTest } from './bridge-harness.js';
import type { MockTurn } from '../helpers/mock-upstream.js';

const turns: MockTurn[] = [
  { reasoning: 'Plan: list files.', toolCalls: [{ id: 'call_ls', name: 'exec_command', arguments: '{"cmd":"ls"}' }] },
  { reasoning: 'Done thinking.', content: 'There are 3 files.' },
];
const tools = [{ type: 'function', name: 'exec_command', parameters: { type: 'object', properties: { cmd: { type: 'string' } } } }];
const threadHeaders = { 'thread-id': 'thread-reasoning-1' };

/** Codex-style: the whole history every time, our output items replayed as they came. */
async function codexTurns(url: string, strip: boolean) {
  const input: any[] = [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'how many files?' }] }];
  const first = await postResponses(url, { model: 'mock-model', stream: true, input, tools }, threadHeaders);
  const output = first.events.at(-1)!.response.output as any[];
  expect(output.map((i) => i.type)).toEqual(['reasoning', 'function_call']);
  const replayed = output.map((item) => (strip && item.type === 'reasoning' ? { ...item, encrypted_content: null } : item));
  input.push(...replayed, { type: 'function_call_output', call_id: 'call_ls', output: 'a b c' });
  return postResponses(url, { model: 'mock-model', stream: true, input, tools }, threadHeaders);
}

describe('reasoning round-trip under DeepSeek rules', () => {
  const startHarness = bridgeWithMockPerTest();

  it('passes reasoning back through the encrypted_content envelope', async () => {
    const harness = await startHarness({ turns, rules: { reasoning: 'deepseek' } });
    const second = await codexTurns(harness.bridge.url, false);
    expect(second.events.at(-1)?.type).toBe('response.completed');
    expect(harness.upstream.requests.map((r) => r.status)).toEqual([200, 200]);
    expect(harness.upstream.requests[1].body.messages[1]).toMatchObject({ role: 'assistant', reasoning_content: 'Plan: list files.' });
  });

  it('restores stripped reasoning from the store, scoped to the conversation', async () => {
    const harness = await startHarness({ turns, rules: { reasoning: 'deepseek' } });
    const second = await codexTurns(harness.bridge.url, true);
    expect(second.events.at(-1)?.type).toBe('response.completed');
    expect(harness.upstream.requests.map((r) => r.status)).toEqual([200, 200]);
    expect(harness.upstream.requests[1].body.messages[1]).toMatchObject({ reasoning_content: 'Plan: list files.' });
  });

  it('is really what makes the upstream accept it: without envelope or store, DeepSeek rejects', async () => {
    const harness = await startHarness({ turns, rules: { reasoning: 'deepseek' } });
    await codexTurns(harness.bridge.url, false);
    // A different conversation cannot borrow this one's reasoning.
    const input = [
      { type: 'message', role: 'user', content: 'how many files?' },
      { type: 'function_call', call_id: 'call_ls', name: 'exec_command', arguments: '{"cmd":"ls"}' },
      { type: 'function_call_output', call_id: 'call_ls', output: 'a b c' },
    ];
    const reply = await postResponses(harness.bridge.url, { model: 'mock-model', stream: true, input, tools }, { 'thread-id': 'another-thread' });
    expect(reply.status).toBe(400);
    expect(JSON.parse(reply.text).error.message).toMatch(/reasoning_content in the thinking mode must be passed back/);
    expect(harness.upstream.requests.at(-1)?.status).toBe(400);
  });
});
