import { describe, expect, it } from 'vitest';
import { KeptCache } from './kept-cache.js';

describe('KeptCache', () => {
  it('keeps what fits, and a full cache keeps what it has rather than churn through a history', () => {
    const cache = new KeptCache<number>(1000, 8);
    const history = Array.from({ length: 15 }, (_, i) => `item ${i}`); // 100 each: 1500 in all
    // A session whose history is larger than the cache, sent again every turn, in the same order.
    for (let turn = 0; turn < 5; turn++) {
      cache.nextRequest();
      for (const key of history) if (cache.find(key) === undefined) cache.keep(key, turn, 100);
    }
    expect(history.filter((key) => cache.find(key) !== undefined)).toEqual(history.slice(0, 10));
    expect(cache.find('item 0')).toBe(0); // kept since the first turn
  });

  it('makes room by dropping entries no request touched for a while', () => {
    const cache = new KeptCache<string>(300, 4);
    for (const key of ['a', 'b', 'c']) cache.keep(key, key, 100);
    cache.keep('d', 'd', 100);
    expect(cache.find('d')).toBeUndefined();
    for (let i = 0; i < 6; i++) {
      cache.nextRequest();
      cache.find('a'); // still in use
    }
    cache.keep('d', 'd', 100);
    expect(['a', 'b', 'c', 'd'].map((key) => cache.find(key))).toEqual(['a', undefined, undefined, 'd']);
  });

  it('holds several values under one key and returns the one that matches', () => {
    const cache = new KeptCache<{ n: number }>(1000);
    cache.keep('k', { n: 1 }, 10);
    cache.keep('k', { n: 2 }, 10);
    expect(cache.find('k', (v) => v.n === 2)).toEqual({ n: 2 });
    expect(cache.find('k', (v) => v.n === 3)).toBeUndefined();
    expect(cache.find('k')).toEqual({ n: 1 });
  });

  it('keeps nothing with no room at all', () => {
    const cache = new KeptCache<string>(0);
    cache.keep('a', 'a', 1);
    expect(cache.find('a')).toBeUndefined();
  });
});
