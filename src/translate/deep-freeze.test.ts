import { describe, expect, it } from 'vitest';
import { deepFreeze, isDeepFrozen } from './deep-freeze.js';

describe('deepFreeze', () => {
  it('freezes every level and marks what it froze', () => {
    const value = deepFreeze({ a: [{ b: { c: 1 } }], s: 'x' });
    expect(Object.isFrozen(value.a[0].b)).toBe(true);
    expect(isDeepFrozen(value)).toBe(true);
    expect(isDeepFrozen(value.a[0])).toBe(true);
    expect(() => {
      (value.a[0].b as { c: number }).c = 2;
    }).toThrow(TypeError);
  });

  it('does not take a shallow Object.freeze for a deep one', () => {
    const shallow = Object.freeze({ inner: { c: 1 } });
    expect(isDeepFrozen(shallow)).toBe(false);
    expect(isDeepFrozen(deepFreeze(shallow))).toBe(true);
    expect(Object.isFrozen(shallow.inner)).toBe(true);
  });
});
