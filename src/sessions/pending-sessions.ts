import type { SessionStore } from '../state/session-store.js';
import { addUsage, mergeRecord, sliceOf, type SessionDelta, type SessionStoreSlice, type UpstreamSetting } from './session-records.js';
import { mergeBuckets } from './session-usage.js';
import { newWriteId, type SessionChanges } from './sessions-backend.js';

// What the recorder has seen and not written yet, by conversation: each request's delta summed into
// its conversation's, taken out whole as the batch of one write, and put back in front of newer
// requests when that write fails.

export interface PendingEntry {
  delta: SessionDelta;
  /** The SessionStore changed for this conversation since it was last written. */
  storeChanged: boolean;
  /**
   * A Codex thread (thread-id header): Codex sends the whole history on every request and never
   * previous_response_id (codex-protocol.md §1), so only the reasoning side channel is worth saving,
   * not the stored responses (each a full copy of the history).
   */
  codex: boolean;
  /** Some request of it got an answer: requests that all failed (a 401, a dead upstream) start no session. */
  answered: boolean;
}

export interface Batch {
  entries: Map<string, PendingEntry>;
  slices: Map<string, SessionStoreSlice>;
  /** Names the write that carries this batch (see SessionsBackend.updateOnExit). */
  writeId: string;
}

function upstreamFields(from: UpstreamSetting): UpstreamSetting {
  return { provider: from.provider, upstreamUrl: from.upstreamUrl, apiKeyEnv: from.apiKeyEnv };
}

export function mergeEntry(into: Map<string, PendingEntry>, entry: PendingEntry): void {
  const existing = into.get(entry.delta.id);
  if (!existing) {
    into.set(entry.delta.id, entry);
    return;
  }
  // `existing` is older (a failed batch put back in front of newer requests, or the other way round).
  const [older, newer] = existing.delta.lastAt <= entry.delta.lastAt ? [existing.delta, entry.delta] : [entry.delta, existing.delta];
  into.set(entry.delta.id, {
    delta: {
      id: older.id,
      title: older.title || newer.title,
      model: newer.model || older.model,
      upstream: newer.upstream || older.upstream,
      cwd: older.cwd ?? newer.cwd,
      firstAt: Math.min(older.firstAt, newer.firstAt),
      lastAt: newer.lastAt,
      requests: older.requests + newer.requests,
      usage: addUsage(older.usage, newer.usage),
      client: older.client ?? newer.client,
      clientName: older.clientName ?? newer.clientName,
      ...(newer.upstreamUrl ? upstreamFields(newer) : upstreamFields(older)),
      buckets: mergeBuckets(older.buckets ?? [], newer.buckets ?? []),
    },
    storeChanged: existing.storeChanged || entry.storeChanged,
    codex: existing.codex || entry.codex,
    answered: existing.answered || entry.answered,
  });
}

/** An older batch followed by a newer one. */
export function combine(older: Batch, newer: Batch): Batch {
  const entries = new Map(older.entries);
  for (const entry of newer.entries.values()) mergeEntry(entries, entry);
  return { entries, slices: new Map([...older.slices, ...newer.slices]), writeId: newer.writeId };
}

/** A batch as changes to the stored records: each conversation's delta merged into its record (a new one only once answered). */
export function changesOf(batch: Batch): SessionChanges {
  return new Map(
    [...batch.entries].map(([id, entry]) => [id, (stored) => (stored || entry.answered ? mergeRecord(stored, entry.delta, batch.slices.get(id)) : undefined)]),
  );
}

export class PendingSessions {
  private entries = new Map<string, PendingEntry>();

  constructor(private readonly store?: SessionStore) {}

  get size(): number {
    return this.entries.size;
  }

  has(id: string): boolean {
    return this.entries.has(id);
  }

  add(entry: PendingEntry): void {
    mergeEntry(this.entries, entry);
  }

  clear(): void {
    this.entries.clear();
  }

  /** Everything pending, as one write, with the SessionStore's data of each conversation it changed. */
  take(): Batch {
    const entries = this.entries;
    this.entries = new Map();
    const slices = new Map<string, SessionStoreSlice>();
    const changed = new Set([...entries.values()].filter((entry) => entry.storeChanged).map((entry) => entry.delta.id));
    if (this.store && changed.size > 0) {
      const data = this.store.toJSON(changed);
      for (const id of changed) {
        const slice = sliceOf(data, id);
        slices.set(id, entries.get(id)!.codex ? { responses: [], reasoning: slice.reasoning } : slice);
      }
    }
    return { entries, slices, writeId: newWriteId() };
  }

  /** A batch whose write failed goes back, in front of what came meanwhile. */
  putBack(batch: Batch): void {
    const newer = this.entries;
    this.entries = new Map(batch.entries);
    for (const entry of newer.values()) mergeEntry(this.entries, entry);
  }
}
