// A session's usage by hour and model: what `codex-bridge usage` reports by day, model or session,
// and what `sessions list` shows as cost. Each request is priced when it completes (see
// src/pricing/price-request.ts) and added to the bucket of its UTC hour and model, so every report
// is a sum of the same buckets: the totals equal the sum over sessions, days or models. An hour is
// kept rather than a day so that a day can be cut in the reader's own time zone.

export interface SessionUsage {
  inputTokens: number;
  outputTokens: number;
  cachedTokens: number;
  reasoningTokens: number;
}

/** Requests, their tokens and their cost, summed. */
export interface UsageTotals {
  requests: number;
  inputTokens: number;
  cachedTokens: number;
  outputTokens: number;
  reasoningTokens: number;
  /** USD of the requests that had a price; null when none of them had one. */
  costUsd: number | null;
  /** Requests with no known price: their tokens are counted above, their cost is not. */
  unpricedRequests: number;
}

export interface UsageBucket extends UsageTotals {
  /** The UTC hour the requests completed in: "2026-12-03T10". */
  hour: string;
  model: string;
  /** The name of the client's token (`serve --tokens`); absent for a bridge with one token. */
  clientName?: string;
}

export const emptyUsage = (): SessionUsage => ({ inputTokens: 0, outputTokens: 0, cachedTokens: 0, reasoningTokens: 0 });

export function addUsage(a: SessionUsage, b: SessionUsage): SessionUsage {
  return {
    inputTokens: a.inputTokens + b.inputTokens,
    outputTokens: a.outputTokens + b.outputTokens,
    cachedTokens: a.cachedTokens + b.cachedTokens,
    reasoningTokens: a.reasoningTokens + b.reasoningTokens,
  };
}

/** The Responses usage object (as handleResponses reports it) in the file's terms. */
export function usageFromResponses(usage: unknown): SessionUsage {
  const out = emptyUsage();
  if (!usage || typeof usage !== 'object') return out;
  const u = usage as Record<string, unknown>;
  const count = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) && value > 0 ? Math.floor(value) : 0);
  out.inputTokens = count(u.input_tokens);
  out.outputTokens = count(u.output_tokens);
  out.cachedTokens = count((u.input_tokens_details as Record<string, unknown> | undefined)?.cached_tokens);
  out.reasoningTokens = count((u.output_tokens_details as Record<string, unknown> | undefined)?.reasoning_tokens);
  return out;
}

/** "2026-12-03T10" for a time in that UTC hour. */
export const hourOf = (ms: number): string => new Date(ms).toISOString().slice(0, 13);

/** The start of a bucket's hour, in epoch ms (NaN if the hour is malformed). */
export const hourStart = (hour: string): number => Date.parse(`${hour}:00:00.000Z`);

/** Costs add up; null (no price) adds nothing, and stays null only if both are. */
export const addCost = (a: number | null, b: number | null): number | null => (a === null ? b : b === null ? a : a + b);

/** One request's bucket. */
export function requestBucket(atMs: number, model: string, usage: SessionUsage, costUsd: number | null, clientName?: string): UsageBucket {
  return { hour: hourOf(atMs), model, ...(clientName !== undefined && { clientName }), requests: 1, ...usage, costUsd, unpricedRequests: costUsd === null ? 1 : 0 };
}

function addBucket(a: UsageBucket, b: UsageBucket): UsageBucket {
  return {
    hour: a.hour,
    model: a.model,
    ...(a.clientName !== undefined && { clientName: a.clientName }),
    requests: a.requests + b.requests,
    inputTokens: a.inputTokens + b.inputTokens,
    cachedTokens: a.cachedTokens + b.cachedTokens,
    outputTokens: a.outputTokens + b.outputTokens,
    reasoningTokens: a.reasoningTokens + b.reasoningTokens,
    costUsd: addCost(a.costUsd, b.costUsd),
    unpricedRequests: a.unpricedRequests + b.unpricedRequests,
  };
}

/** Both lists in one, the same hour, model and client added together, oldest hour first. */
export function mergeBuckets(a: readonly UsageBucket[], b: readonly UsageBucket[]): UsageBucket[] {
  const byKey = new Map<string, UsageBucket>();
  for (const bucket of [...a, ...b]) {
    const key = `${bucket.hour}\u0000${bucket.model}\u0000${bucket.clientName ?? ''}`;
    const existing = byKey.get(key);
    byKey.set(key, existing ? addBucket(existing, bucket) : bucket);
  }
  const client = (bucket: UsageBucket) => bucket.clientName ?? '';
  return [...byKey.values()].sort((x, y) =>
    x.hour < y.hour ? -1 : x.hour > y.hour ? 1 : x.model < y.model ? -1 : x.model > y.model ? 1 : client(x) < client(y) ? -1 : client(x) > client(y) ? 1 : 0,
  );
}

/** What some buckets cost: the sum of the priced requests (null if none was), and how many were not priced. */
export function costOf(buckets: readonly UsageBucket[]): { costUsd: number | null; unpricedRequests: number } {
  let costUsd: number | null = null;
  let unpricedRequests = 0;
  for (const bucket of buckets) {
    costUsd = addCost(costUsd, bucket.costUsd);
    unpricedRequests += bucket.unpricedRequests;
  }
  return { costUsd, unpricedRequests };
}

const count = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) && value >= 0 ? Math.floor(value) : 0);

/** Buckets as read from the file; malformed ones are dropped. */
export function parseBuckets(value: unknown): UsageBucket[] {
  if (!Array.isArray(value)) return [];
  const buckets: UsageBucket[] = [];
  for (const raw of value as Array<Record<string, unknown> | null>) {
    if (!raw || typeof raw !== 'object' || typeof raw.hour !== 'string' || !Number.isFinite(hourStart(raw.hour))) continue;
    const cost = raw.costUsd;
    buckets.push({
      hour: raw.hour,
      model: typeof raw.model === 'string' ? raw.model : '',
      ...(typeof raw.clientName === 'string' && raw.clientName !== '' && { clientName: raw.clientName }),
      requests: count(raw.requests),
      inputTokens: count(raw.inputTokens),
      cachedTokens: count(raw.cachedTokens),
      outputTokens: count(raw.outputTokens),
      reasoningTokens: count(raw.reasoningTokens),
      costUsd: typeof cost === 'number' && Number.isFinite(cost) && cost >= 0 ? cost : null,
      unpricedRequests: count(raw.unpricedRequests),
    });
  }
  return mergeBuckets([], buckets);
}

/**
 * The usage of a record written before buckets existed (schema v1), as one bucket at its last
 * update: its tokens counted, its cost unknown (it was never priced per request).
 */
export function legacyBucket(updatedAt: string, model: string, requests: number, usage: SessionUsage): UsageBucket[] {
  const ms = Date.parse(updatedAt);
  if (!Number.isFinite(ms) || (requests === 0 && usage.inputTokens + usage.outputTokens === 0)) return [];
  return [{ hour: hourOf(ms), model, requests, ...usage, costUsd: null, unpricedRequests: requests }];
}
