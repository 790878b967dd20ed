// The mock's replay rules refuse what the providers refuse, and accept what they accept.
import { describe, expect, it } from 'vitest';
import { checkChatRequest } from './mock-upstream.js';
import { completionBody, streamChunks } from './mock-upstream-answers.js';
import { mockThinkingSignature, mockThoughtSignature } from './mock-replay-rules.js';
import type { ChatMessage } from '../../src/translate/types.js';

const call = (id: string, extra?: Record<string, unknown>) => ({ id, type: 'function' as const, function: { name: 'exec_command', arguments: '{}' }, ...(extra && { extra_content: extra }) });
const conversation = (assistant: Record<string, unknown>): { model: string; messages: ChatMessage[] } => ({
  model: 'm',
  messages: [{ role: 'user', content: 'go' }, { role: 'assistant', content: null, ...assistant } as ChatMessage, { role: 'tool', tool_call_id: 'c1', content: 'ok' }],
});
const base = { id: 'chatcmpl-1', created: 1, model: 'm' };
const resolved = { calls: [{ id: 'c1', name: 'exec_command', arguments: '{}' }, { id: 'c2', name: 'exec_command', arguments: '{}' }], finishReason: 'tool_calls', usage: {} };

describe('thought signatures (Gemini 3)', () => {
  it('signs the first call of an answer only, streamed and whole', () => {
    const chunks = streamChunks({ toolCalls: [] }, resolved, base, { thoughtSignatures: true }, false);
    const calls = chunks.flatMap((c) => c.choices?.[0]?.delta?.tool_calls ?? []).filter((t) => t.id);
    expect(calls.map((t) => t.extra_content)).toEqual([{ google: { thought_signature: mockThoughtSignature('c1') } }, undefined]);
    const whole = completionBody({}, resolved, base, { thoughtSignatures: true }) as { choices: Array<{ message: { tool_calls: Array<Record<string, unknown>> } }> };
    expect(whole.choices[0].message.tool_calls.map((t) => 'extra_content' in t)).toEqual([true, false]);
  });

  it("refuses a replayed call without its signature, or with one it did not sign for that call, as Gemini words it", () => {
    const rules = { thoughtSignatures: true };
    expect(checkChatRequest(conversation({ tool_calls: [call('c1')] }), rules)).toMatch(/^Function call is missing a thought_signature in functionCall parts/);
    expect(checkChatRequest(conversation({ tool_calls: [call('c1', { google: { thought_signature: mockThoughtSignature('c9') } })] }), rules)).toMatch(/thought_signature/);
    expect(checkChatRequest(conversation({ tool_calls: [call('c1', { google: { thought_signature: mockThoughtSignature('c1') } })] }), rules)).toBeUndefined();
    // A recorded (real) signature only needs to be there.
    expect(checkChatRequest(conversation({ tool_calls: [call('c1', { google: { thought_signature: 'CrICAdHt' } })] }), rules)).toBeUndefined();
  });
});

describe('reasoning_details (OpenRouter in front of Anthropic)', () => {
  it('streams the thought as blocks whose signature comes last, alone or beside a plain field', () => {
    const turn = { reasoning: 'Look first.' };
    const only = streamChunks(turn, { ...resolved, calls: [] }, base, { reasoningField: 'reasoning-details' }, false).map((c) => c.choices?.[0]?.delta ?? {});
    expect(only.some((d) => 'reasoning' in d || 'reasoning_content' in d)).toBe(false);
    expect(only.flatMap((d) => (d.reasoning_details as Array<{ text?: string }> | undefined) ?? []).map((b) => b.text ?? '').join('')).toBe('Look first.');
    expect(only.at(-2)?.reasoning_details).toEqual([{ type: 'reasoning.text', signature: mockThinkingSignature('Look first.'), format: 'anthropic-claude-v1', index: 0 }]);
    const beside = streamChunks(turn, { ...resolved, calls: [] }, base, { reasoningField: 'reasoning', withReasoningDetails: true }, false).map((c) => c.choices?.[0]?.delta ?? {});
    expect(beside.map((d) => d.reasoning ?? '').join('')).toBe('Look first.');
  });

  it('refuses a tool-call turn without its signed thinking block, or with the text changed', () => {
    const rules = { reasoning: 'anthropic' as const };
    const signed = [{ type: 'reasoning.text', text: 'Look first.', signature: mockThinkingSignature('Look first.'), index: 0 }];
    expect(checkChatRequest(conversation({ tool_calls: [call('c1')], reasoning: 'Look first.' }), rules)).toMatch(/Expected `thinking` or `redacted_thinking`, but found `tool_use`/);
    expect(checkChatRequest(conversation({ tool_calls: [call('c1')], reasoning_details: [{ ...signed[0], text: 'Look later.' }] }), rules)).toMatch(/thinking/);
    expect(checkChatRequest(conversation({ tool_calls: [call('c1')], reasoning_details: signed }), rules)).toBeUndefined();
    expect(checkChatRequest(conversation({ tool_calls: [call('c1')], reasoning_details: [{ type: 'reasoning.encrypted', data: 'CiUB' }] }), rules)).toBeUndefined();
  });
});

describe('chat templates', () => {
  const messages = (...roles: string[]): ChatMessage[] => roles.map((role) => (role === 'tool' ? { role, tool_call_id: 'c1', content: 'ok' } : role === 'assistant' ? { role, content: null, tool_calls: [call('c1')] } : { role, content: 'x' }) as ChatMessage);
  it('alternating roles: one optional leading system message, then user and assistant in turn, tool results aside', () => {
    const rules = { alternatingRoles: true };
    expect(checkChatRequest({ model: 'm', messages: messages('system', 'user', 'assistant', 'tool', 'user') }, rules)).toBeUndefined();
    expect(checkChatRequest({ model: 'm', messages: messages('system', 'user', 'user') }, rules)).toBe('After the optional system message, conversation roles must alternate user/assistant/user/assistant/...');
    expect(checkChatRequest({ model: 'm', messages: messages('system', 'system', 'user') }, rules)).toMatch(/must alternate/);
  });
  it('no system role at all', () => {
    expect(checkChatRequest({ model: 'm', messages: messages('system', 'user') }, { rejectSystemRole: true })).toBe('System role not supported');
    expect(checkChatRequest({ model: 'm', messages: messages('user') }, { rejectSystemRole: true })).toBeUndefined();
  });
});
