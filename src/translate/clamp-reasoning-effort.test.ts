import { describe, expect, it } from 'vitest';
import { clampReasoningEffort } from './clamp-reasoning-effort.js';

const efforts = ['none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max', 'ultra'];
const clampAll = (accepted: string[]) => efforts.map((e) => clampReasoningEffort(e, accepted));

describe('clampReasoningEffort', () => {
  it('with the default low/medium/high, maps like the bridge always did', () => {
    expect(clampAll(['low', 'medium', 'high'])).toEqual([undefined, 'low', 'low', 'medium', 'high', 'high', 'high', 'high']);
  });

  it("sends 'none' only where it is accepted (Gemini), and never 'minimal' there", () => {
    expect(clampAll(['none', 'low', 'medium', 'high'])).toEqual(['none', 'low', 'low', 'medium', 'high', 'high', 'high', 'high']);
  });

  it('picks the nearest value, the higher on a tie (grok-3-mini: low|high)', () => {
    expect(clampAll(['low', 'high'])).toEqual([undefined, 'low', 'low', 'high', 'high', 'high', 'high', 'high']);
    expect(clampAll(['low', 'high', 'max'])).toEqual([undefined, 'low', 'low', 'high', 'high', 'max', 'max', 'high']);
  });

  it('sends nothing when the provider takes no reasoning_effort, or Codex sent none', () => {
    expect(clampAll([])).toEqual(efforts.map(() => undefined));
    expect(clampReasoningEffort(undefined, ['low'])).toBeUndefined();
    expect(clampReasoningEffort(3, ['low'])).toBeUndefined();
  });

  it('passes values off the scale only by exact name', () => {
    expect(clampReasoningEffort('default', ['none', 'default'])).toBe('default');
    expect(clampReasoningEffort('high', ['none', 'default'])).toBeUndefined();
  });
});
