import { describe, expect, it } from 'vitest';
import { addCost, costOf, emptyUsage, hourOf, legacyBucket, mergeBuckets, parseBuckets, requestBucket, type UsageBucket } from './session-usage.js';

const usage = (inputTokens: number) => ({ inputTokens, cachedTokens: 1, outputTokens: 2, reasoningTokens: 1 });
const at = (iso: string) => Date.parse(iso);

describe('usage by hour and model', () => {
  it('one bucket per UTC hour and model; the same hour and model add up, cost included', () => {
    const a = requestBucket(at('2026-12-01T10:05:00Z'), 'm1', usage(10), 0.5);
    const b = requestBucket(at('2026-12-01T10:55:00Z'), 'm1', usage(20), 0.25);
    const c = requestBucket(at('2026-12-01T11:00:00Z'), 'm1', usage(30), null);
    const d = requestBucket(at('2026-12-01T10:30:00Z'), 'm2', usage(40), null);
    expect(hourOf(at('2026-12-01T10:59:59Z'))).toBe('2026-12-01T10');
    const merged = mergeBuckets([c, a], [d, b]);
    expect(merged.map((x) => [x.hour, x.model, x.requests, x.inputTokens, x.costUsd, x.unpricedRequests])).toEqual([
      ['2026-12-01T10', 'm1', 2, 30, 0.75, 0],
      ['2026-12-01T10', 'm2', 1, 40, null, 1],
      ['2026-12-01T11', 'm1', 1, 30, null, 1],
    ]);
    expect(costOf(merged)).toEqual({ costUsd: 0.75, unpricedRequests: 2 });
    expect(costOf([c, d])).toEqual({ costUsd: null, unpricedRequests: 2 });
  });

  it('null means no price: it adds nothing, and stays only when both sides have none', () => {
    expect(addCost(null, null)).toBeNull();
    expect(addCost(null, 0)).toBe(0);
    expect(addCost(1, null)).toBe(1);
    expect(addCost(1, 2)).toBe(3);
  });

  it('reads buckets back, dropping malformed ones and negative or odd costs', () => {
    const good: UsageBucket = requestBucket(at('2026-12-01T10:05:00Z'), 'm', usage(5), 0.1);
    expect(parseBuckets([good, null, { hour: 'yesterday' }, { ...good, model: 'n', costUsd: -1 }, { ...good, model: 'o', costUsd: 'x' }])).toEqual([
      good,
      { ...good, model: 'n', costUsd: null },
      { ...good, model: 'o', costUsd: null },
    ]);
    expect(parseBuckets('nope')).toEqual([]);
  });

  it('a v1 record becomes one unpriced bucket at its last update (none if it used nothing)', () => {
    expect(legacyBucket('2026-05-01T09:20:00.000Z', 'm', 3, usage(100))).toEqual([
      { hour: '2026-05-01T09', model: 'm', requests: 3, ...usage(100), costUsd: null, unpricedRequests: 3 },
    ]);
    expect(legacyBucket('2026-05-01T09:20:00.000Z', 'm', 0, { inputTokens: 0, cachedTokens: 0, outputTokens: 0, reasoningTokens: 0 })).toEqual([]);
  });
});

describe('buckets by client', () => {
  it('keeps the requests of each client name apart, and reads the name back', () => {
    const alice = requestBucket(Date.UTC(2026, 11, 3, 10), 'm', { ...emptyUsage(), inputTokens: 10 }, 0.1, 'alice');
    const bob = requestBucket(Date.UTC(2026, 11, 3, 10, 30), 'm', { ...emptyUsage(), inputTokens: 20 }, 0.2, 'bob');
    const merged = mergeBuckets([alice], [bob, alice]);
    expect(merged.map((b) => [b.clientName, b.requests, b.inputTokens])).toEqual([
      ['alice', 2, 20],
      ['bob', 1, 20],
    ]);
    expect(parseBuckets(JSON.parse(JSON.stringify(merged)))).toEqual(merged);
  });
});
