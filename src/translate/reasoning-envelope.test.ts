import { describe, expect, it } from 'vitest';
import { decodeReasoningEnvelope, encodeReasoningEnvelope } from './reasoning-envelope.js';

describe('reasoning envelope', () => {
  it('round-trips any text, unicode included', () => {
    const text = 'think → 思考 "quotes" \n\u0000 end';
    expect(decodeReasoningEnvelope(encodeReasoningEnvelope({ text, responseId: 'resp_1' }))).toEqual({ text, responseId: 'resp_1' });
  });
  it('ignores foreign or damaged values', () => {
    expect(decodeReasoningEnvelope('gAAAAABencryptedByOpenAI')).toBeUndefined();
    expect(decodeReasoningEnvelope('cbr1.%%%')).toBeUndefined();
    expect(decodeReasoningEnvelope(null)).toBeUndefined();
    expect(decodeReasoningEnvelope(`cbr1.${Buffer.from('{"v":2,"t":"x"}').toString('base64url')}`)).toBeUndefined();
  });
  it('carries reasoning_details and tool-call extras verbatim, and leaves them out when there are none', () => {
    const details = [{ type: 'reasoning.text', text: 'hm', signature: 'EqcD', format: 'anthropic-claude-v1', index: 0 }, { type: 'reasoning.encrypted', data: 'CiUB', index: 0 }];
    const toolCallExtras = { 'function-call-1': { google: { thought_signature: 'Signature A' } } };
    const encoded = encodeReasoningEnvelope({ text: '', responseId: 'resp_2', details, toolCallExtras });
    expect(decodeReasoningEnvelope(encoded)).toEqual({ text: '', responseId: 'resp_2', details, toolCallExtras });
    const plain = encodeReasoningEnvelope({ text: 'x', details: [], toolCallExtras: {} });
    expect(JSON.parse(Buffer.from(plain.slice(5), 'base64url').toString())).toEqual({ v: 1, t: 'x' });
  });
  it('reads an envelope written before replay state existed, and ignores replay state of the wrong shape', () => {
    const old = `cbr1.${Buffer.from('{"v":1,"t":"old","r":"resp_0"}').toString('base64url')}`;
    expect(decodeReasoningEnvelope(old)).toEqual({ text: 'old', responseId: 'resp_0' });
    const odd = `cbr1.${Buffer.from('{"v":1,"t":"t","d":"nope","x":[1]}').toString('base64url')}`;
    expect(decodeReasoningEnvelope(odd)).toEqual({ text: 't', responseId: undefined });
  });
});
