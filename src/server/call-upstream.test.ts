import { describe, expect, it } from 'vitest';
import { MAX_FAILED_ATTEMPTS_PER_TURN, TurnFailures, turnIdOf } from './call-upstream.js';

describe('turnIdOf', () => {
  it("reads Codex's turn id from x-codex-turn-metadata", () => {
    expect(turnIdOf({ 'x-codex-turn-metadata': '{"turn_id":"01a2","request_kind":"turn"}' })).toBe('01a2');
  });
  it('is undefined for other clients and for junk', () => {
    expect(turnIdOf({})).toBeUndefined();
    expect(turnIdOf({ 'x-codex-turn-metadata': 'not json' })).toBeUndefined();
    expect(turnIdOf({ 'x-codex-turn-metadata': '{"turn_id":7}' })).toBeUndefined();
    expect(turnIdOf({ 'x-codex-turn-metadata': 'null' })).toBeUndefined();
  });
});

describe('TurnFailures', () => {
  it('gives the first request of a turn the bridge\'s retries, and the client\'s retries none', () => {
    const turns = new TurnFailures();
    expect(turns.empty).toBe(true);
    expect(turns.retriesFor('t', 3)).toBe(3);
    expect(turns.recordFailures('t', 4)).toBe(4);
    expect(turns.empty).toBe(false);
    expect(turns.retriesFor('t', 3)).toBe(0);
    expect(turns.retriesFor('other', 3)).toBe(3);
  });

  it(`is exhausted at ${MAX_FAILED_ATTEMPTS_PER_TURN} failed attempts`, () => {
    const turns = new TurnFailures();
    turns.recordFailures('t', MAX_FAILED_ATTEMPTS_PER_TURN - 1);
    expect(turns.exhausted('t')).toBe(false);
    turns.recordFailures('t', 1);
    expect(turns.exhausted('t')).toBe(true);
  });

  it('never lets the bridge alone go past the limit', () => {
    expect(new TurnFailures(3).retriesFor('t', 5)).toBe(2);
  });

  it('starts again after a success', () => {
    const turns = new TurnFailures();
    turns.recordFailures('t', 9);
    turns.recordSuccess('t');
    expect(turns.failed('t')).toBe(0);
    expect(turns.retriesFor('t', 3)).toBe(3);
    expect(turns.empty).toBe(true);
  });

  it('without a turn: nothing is counted, the bridge always retries', () => {
    const turns = new TurnFailures();
    expect(turns.recordFailures(undefined, 5)).toBe(0);
    expect(turns.exhausted(undefined)).toBe(false);
    expect(turns.retriesFor(undefined, 3)).toBe(3);
    expect(turns.empty).toBe(true);
  });

  it('forgets turns nobody asked about for ten minutes', () => {
    let now = 0;
    const turns = new TurnFailures(MAX_FAILED_ATTEMPTS_PER_TURN, () => now);
    turns.recordFailures('old', 4);
    now += 10 * 60_000 + 1;
    expect(turns.failed('old')).toBe(0);
    for (let i = 0; i < 64; i++) turns.recordFailures(`t${i}`, 1);
    now += 10 * 60_000 + 1;
    turns.recordFailures('new', 1);
    for (let i = 0; i < 64; i++) turns.recordFailures(`u${i}`, 1);
    expect(turns.failed('t0')).toBe(0);
    expect(turns.failed('new')).toBe(1);
  });
});
