import { describe, expect, it } from 'vitest';
import { Command } from 'commander';
import { parseSince, registerUsage } from '../cli/usage.js';
import type { SessionRecord } from '../sessions/session-records.js';
import type { SessionsBackend } from '../sessions/sessions-backend.js';
import type { UsageBucket } from '../sessions/session-usage.js';
import { summarizeUsage, type UsageRow } from './usage-command.js';

const bucket = (hour: string, model: string, inputTokens: number, costUsd: number | null): UsageBucket => ({
  hour,
  model,
  requests: 2,
  inputTokens,
  cachedTokens: inputTokens / 2,
  outputTokens: 10,
  reasoningTokens: 3,
  costUsd,
  unpricedRequests: costUsd === null ? 2 : 0,
});

const session = (id: string, title: string, buckets: UsageBucket[]): SessionRecord => ({
  id,
  client: 'codex',
  title,
  model: buckets.at(-1)!.model,
  upstream: 'h',
  cwd: null,
  createdAt: '2026-12-01T00:00:00.000Z',
  updatedAt: '2026-12-03T00:00:00.000Z',
  requests: buckets.reduce((n, b) => n + b.requests, 0),
  usage: { inputTokens: 0, outputTokens: 0, cachedTokens: 0, reasoningTokens: 0 },
  buckets,
});

// Midday UTC: the same local day in any zone from UTC-11 to UTC+11.
const SESSIONS = [
  session('01a30000-0000-7000-8000-000000000001', 'older work', [bucket('2026-12-01T12', 'deepseek-chat', 1_000, 0.5), bucket('2026-12-02T12', 'kimi-k2.6', 2_000, 1.25)]),
  session('01a40000-0000-7000-8000-000000000002', 'newer work', [bucket('2026-12-02T11', 'deepseek-chat', 4_000, 0.25), bucket('2026-12-03T12', 'local-model', 8_000, null)]),
];

const keyed = (rows: UsageRow[]) => rows.map((row) => [row.key, row.requests, row.inputTokens, row.costUsd, row.unpricedRequests]);
const sum = (rows: UsageRow[], field: 'inputTokens' | 'requests' | 'cachedTokens' | 'outputTokens' | 'reasoningTokens') => rows.reduce((n, row) => n + row[field], 0);

describe('usage by day, model and session', () => {
  it('groups the same buckets three ways; each total is the sum of its rows', () => {
    const byDay = summarizeUsage(SESSIONS, 'day');
    expect(keyed(byDay.rows)).toEqual([
      ['2026-12-01', 2, 1_000, 0.5, 0],
      ['2026-12-02', 4, 6_000, 1.5, 0],
      ['2026-12-03', 2, 8_000, null, 2],
    ]);
    expect(keyed(summarizeUsage(SESSIONS, 'model').rows)).toEqual([
      ['kimi-k2.6', 2, 2_000, 1.25, 0],
      ['deepseek-chat', 4, 5_000, 0.75, 0],
      ['local-model', 2, 8_000, null, 2],
    ]);
    const bySession = summarizeUsage(SESSIONS, 'session');
    expect(bySession.rows.map((row) => [row.key, row.title, row.costUsd])).toEqual([
      [SESSIONS[1].id, 'newer work', 0.25],
      [SESSIONS[0].id, 'older work', 1.75],
    ]);
    for (const by of ['day', 'model', 'session'] as const) {
      const { rows, total } = summarizeUsage(SESSIONS, by);
      expect(total).toMatchObject({ requests: 8, inputTokens: 15_000, cachedTokens: 7_500, outputTokens: 40, reasoningTokens: 12, costUsd: 2, unpricedRequests: 2 });
      for (const field of ['requests', 'inputTokens', 'cachedTokens', 'outputTokens', 'reasoningTokens'] as const) expect(sum(rows, field)).toBe(total[field]);
      expect(rows.reduce((n, row) => n + (row.costUsd ?? 0), 0)).toBeCloseTo(total.costUsd!, 12);
    }
  });

  it('--since keeps the hours that end after it', () => {
    const { rows, total } = summarizeUsage(SESSIONS, 'model', Date.parse('2026-12-02T11:30:00Z'));
    expect(keyed(rows)).toEqual([
      ['kimi-k2.6', 2, 2_000, 1.25, 0],
      ['deepseek-chat', 2, 4_000, 0.25, 0],
      ['local-model', 2, 8_000, null, 2],
    ]);
    expect(total.inputTokens).toBe(14_000);
  });

  it('parses --since as an age or a day', () => {
    const now = Date.parse('2026-12-10T00:00:00Z');
    expect(parseSince('7d', now)).toEqual({ ms: now - 7 * 86_400_000, label: 'in the last 7d' });
    expect(parseSince('2026-12-01').label).toBe('since 2026-12-01');
    expect(new Date(parseSince('2026-12-01').ms).getHours()).toBe(0);
    for (const bad of ['yesterday', '2026-02-30', '0d']) expect(() => parseSince(bad)).toThrow();
  });
});

describe('codex-bridge usage', () => {
  const backend: SessionsBackend = {
    location: '/x/sessions.json',
    list: async () => SESSIONS,
    load: async () => ({ v: 1, responses: [], reasoning: {} }),
    update: async () => {},
    remove: async () => ({ removed: 0, left: 2 }),
    check: async () => ({ level: 'ok', detail: '' }),
  };
  async function cli(args: string[]) {
    let out = '';
    const program = new Command('codex-bridge').exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
    registerUsage(program, { sessions: backend, out: (text) => void (out += text), color: false, columns: 120 });
    await program.parseAsync(['node', 'codex-bridge', 'usage', ...args]);
    return out;
  }

  it('prints a table with a total row and says which models had no price', async () => {
    const lines = (await cli(['--by', 'model'])).trimEnd().split('\n');
    expect(lines.map((line) => line.split(/\s{2,}/))).toEqual([
      ['MODEL', 'REQS', 'INPUT', 'CACHED', 'OUTPUT', 'REASONING', 'COST'],
      ['kimi-k2.6', '2', '2k', '1k', '10', '3', '$1.25'],
      ['deepseek-chat', '4', '5k', '2.5k', '20', '6', '$0.75'],
      ['local-model', '2', '8k', '4k', '10', '3', '-'],
      ['TOTAL', '8', '15k', '7.5k', '40', '12', '$2.00+'],
      ['+ 2 requests had no known price (local-model): the cost is that of the others'],
    ]);
  });

  it('--by session shows each id by its shortest unique prefix and its title; --json gives rows and total', async () => {
    const lines = (await cli(['--by', 'session'])).trimEnd().split('\n');
    expect(lines[1].split(/\s{2,}/)).toEqual(['01a4', '4', '12k', '6k', '20', '6', '$0.25+', 'newer work']);
    const json = JSON.parse(await cli(['--json', '--since', '2026-11-01']));
    expect(json.by).toBe('day');
    expect(json.rows).toHaveLength(3);
    expect(json.total).toMatchObject({ key: 'total', inputTokens: 15_000, costUsd: 2 });
  });
});

describe('usage by client (the name of a gateway token)', () => {
  it('groups by the name each request came with, the unnamed ones apart; the total is the same', () => {
    const named = (hour: string, model: string, inputTokens: number, costUsd: number | null, clientName?: string): UsageBucket => ({
      ...bucket(hour, model, inputTokens, costUsd),
      ...(clientName && { clientName }),
    });
    const sessions = [
      session('01a50000-0000-7000-8000-000000000003', 'team work', [named('2026-12-02T12', 'deepseek-chat', 1_000, 0.5, 'alice'), named('2026-12-02T12', 'deepseek-chat', 3_000, 1, 'bob')]),
      session('01a60000-0000-7000-8000-000000000004', 'local work', [named('2026-12-03T12', 'deepseek-chat', 500, 0.25)]),
    ];
    const byClient = summarizeUsage(sessions, 'client');
    expect(keyed(byClient.rows)).toEqual([
      ['bob', 2, 3_000, 1, 0],
      ['alice', 2, 1_000, 0.5, 0],
      ['(no name)', 2, 500, 0.25, 0],
    ]);
    expect(byClient.total.inputTokens).toBe(summarizeUsage(sessions, 'day').total.inputTokens);
    expect(sum(byClient.rows, 'inputTokens')).toBe(4_500);
  });
});
