import { UsageError } from '../output/usage-error.js';
import type { SessionRecord } from '../sessions/session-records.js';
import type { SessionsBackend } from '../sessions/sessions-backend.js';
import { addCost, hourStart, type UsageBucket, type UsageTotals } from '../sessions/session-usage.js';
import { columns, formatTokens, formatUsd, oneLine, paint, printable, wantsColor } from '../output/terminal-format.js';

// What `codex-bridge usage` does (the flags are in src/cli/usage.ts): token totals and cost over
// time, by day (in the local time zone), model, session or client (the name of a gateway's token,
// `serve --tokens`), from the sessions' hourly buckets (each
// request priced when it completed: src/pricing). Every grouping sums the same buckets, so the
// total is the sum of the rows whichever way they are cut.

export type UsageGrouping = 'day' | 'model' | 'session' | 'client';

/** The row of requests made without a named token (a bridge with one token). */
export const UNNAMED_CLIENT = '(no name)';

export interface UsageFlags {
  /** Only usage from this time on (epoch ms). */
  since?: number;
  /** What --since means, for messages: "in the last 7d", "since 2026-12-01". */
  sinceLabel?: string;
  by?: UsageGrouping;
  json?: boolean;
  /** The shared store (redis://…) instead of this machine's sessions file. */
  store?: string;
}

export interface UsageDeps {
  env?: NodeJS.ProcessEnv;
  out?: (text: string) => void;
  columns?: number;
  color?: boolean;
  sessions?: SessionsBackend;
}

export interface UsageRow extends UsageTotals {
  /** The day (YYYY-MM-DD), the model, or the session id. */
  key: string;
  /** For sessions: its title and its id's shortest unique prefix. */
  title?: string;
  shortId?: string;
}

const emptyRow = (key: string): UsageRow => ({ key, requests: 0, inputTokens: 0, cachedTokens: 0, outputTokens: 0, reasoningTokens: 0, costUsd: null, unpricedRequests: 0 });

function add(row: UsageRow, bucket: UsageBucket): void {
  row.requests += bucket.requests;
  row.inputTokens += bucket.inputTokens;
  row.cachedTokens += bucket.cachedTokens;
  row.outputTokens += bucket.outputTokens;
  row.reasoningTokens += bucket.reasoningTokens;
  row.costUsd = addCost(row.costUsd, bucket.costUsd);
  row.unpricedRequests += bucket.unpricedRequests;
}

/** The local calendar day an hour starts in: "2026-12-03". */
function localDay(ms: number): string {
  const date = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** The rows for `by` and their total, from every session's buckets that end after `since`. */
export function summarizeUsage(sessions: readonly SessionRecord[], by: UsageGrouping, since?: number): { rows: UsageRow[]; total: UsageRow } {
  const rows = new Map<string, UsageRow>();
  const total = emptyRow('total');
  const lastSeen = new Map<string, number>();
  for (const session of sessions) {
    for (const bucket of session.buckets) {
      const start = hourStart(bucket.hour);
      if (since !== undefined && start + 3_600_000 <= since) continue;
      const key = by === 'day' ? localDay(start) : by === 'model' ? bucket.model || '(unknown)' : by === 'client' ? (bucket.clientName ?? UNNAMED_CLIENT) : session.id;
      let row = rows.get(key);
      if (!row) {
        row = by === 'session' ? { ...emptyRow(key), title: session.title } : emptyRow(key);
        rows.set(key, row);
      }
      add(row, bucket);
      add(total, bucket);
      lastSeen.set(key, Math.max(lastSeen.get(key) ?? 0, start));
    }
  }
  const list = [...rows.values()];
  if (by === 'day') list.sort((a, b) => (a.key < b.key ? -1 : 1));
  else if (by === 'model' || by === 'client') list.sort((a, b) => (b.costUsd ?? -1) - (a.costUsd ?? -1) || b.inputTokens + b.outputTokens - (a.inputTokens + a.outputTokens));
  else list.sort((a, b) => lastSeen.get(b.key)! - lastSeen.get(a.key)!);
  return { rows: list, total };
}

export async function showUsage(deps: UsageDeps, flags: UsageFlags): Promise<void> {
  const env = deps.env ?? process.env;
  const out = deps.out ?? ((text: string) => void process.stdout.write(text));
  const by = flags.by ?? 'day';
  let sessions: SessionsBackend;
  let all: SessionRecord[];
  try {
    sessions = deps.sessions ?? (await (await import('../sessions/open-sessions-backend.js')).openStoreBackend({ env, store: flags.store }));
  } catch (error) {
    if (error instanceof UsageError) throw error;
    const { describePathError } = await import('../output/path-error.js');
    throw new UsageError(describePathError(error) ?? `cannot read the sessions (${(error as Error).message}) — codex-bridge doctor says why`, 1);
  }
  try {
    all = await sessions.list();
  } catch (error) {
    const { describePathError } = await import('../output/path-error.js');
    throw new UsageError(describePathError(error) ?? `cannot read the sessions (${(error as Error).message}) — codex-bridge doctor says why`, 1);
  } finally {
    if (!deps.sessions) await sessions.close?.();
  }
  const { rows, total } = summarizeUsage(all, by, flags.since);
  if (by === 'session') {
    const { shortIds } = await import('../sessions/short-ids.js');
    const short = shortIds(all.map((session) => session.id));
    for (const row of rows) row.shortId = short.get(row.key);
  }
  if (flags.json) {
    out(`${JSON.stringify({ by, since: flags.since === undefined ? null : new Date(flags.since).toISOString(), rows, total }, null, 2)}\n`);
    return;
  }
  if (rows.length === 0) {
    out(`no usage recorded${flags.sinceLabel ? ` ${flags.sinceLabel}` : ''} (${sessions.location})\n`);
    return;
  }
  const c = await paint(deps.color ?? wantsColor(env, Boolean(process.stdout.isTTY)));
  const cells = (row: UsageRow, key: string) => ({
    key,
    requests: String(row.requests),
    input: formatTokens(row.inputTokens),
    cached: formatTokens(row.cachedTokens),
    output: formatTokens(row.outputTokens),
    reasoning: formatTokens(row.reasoningTokens),
    cost: formatUsd(row.costUsd, row.unpricedRequests),
    title: row.title === undefined ? '' : oneLine(row.title) || '(no prompt)',
  });
  const heading = { key: by.toUpperCase(), requests: 'REQS', input: 'INPUT', cached: 'CACHED', output: 'OUTPUT', reasoning: 'REASONING', cost: 'COST', title: by === 'session' ? 'TITLE' : '' };
  const body = rows.map((row) => cells(row, printable(row.shortId ?? row.key)));
  const keys = ['key', 'requests', 'input', 'cached', 'output', 'reasoning', 'cost', 'title'] as const;
  const lines = columns(keys, [heading, ...body, cells(total, 'TOTAL')], {
    right: ['requests', 'input', 'cached', 'output', 'reasoning', 'cost'],
    width: deps.columns ?? (process.stdout.isTTY && process.stdout.columns ? process.stdout.columns : 120),
    style: (row, _key, text) => (row === 0 || row === body.length + 1 ? c.bold(text) : text),
  });
  if (total.unpricedRequests > 0) {
    const models = [...new Set(all.flatMap((session) => session.buckets.filter((b) => b.unpricedRequests > 0 && (flags.since === undefined || hourStart(b.hour) + 3_600_000 > flags.since)).map((b) => b.model || '(unknown)')))];
    lines.push(c.dim(`+ ${total.unpricedRequests} request${total.unpricedRequests === 1 ? '' : 's'} had no known price (${models.map(printable).join(', ')}): ${total.costUsd === null ? 'no cost is shown' : 'the cost is that of the others'}`));
  }
  out(`${lines.join('\n')}\n`);
}
