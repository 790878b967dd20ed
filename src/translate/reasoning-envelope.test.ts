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
});
