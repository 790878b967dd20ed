// A bounded cache for what a client sends again on every turn.
//
// Codex sends a session's whole history on each turn, in the same order, so a least-recently-used
// cache too small for it would evict, on every insert, exactly the entry the rest of the request
// needs next, and never hit. This one keeps what it has when it is full, and only makes room by
// dropping entries no request touched for a while.

interface Entry<V> {
  value: V;
  size: number;
  lastUsed: number;
}

export class KeptCache<V, K = string> {
  private readonly byKey = new Map<K, Array<Entry<V>>>();
  private size = 0;
  private requests = 0;
  /** A sweep found nothing stale at this request: do not look again for a while. */
  private nextSweep = 0;

  constructor(
    /** Sum of the entries' sizes (as given to keep) at most. */
    private readonly maxSize: number,
    /** An entry no request touched for this many requests may make room for a new one. */
    private readonly staleAfterRequests = 64,
  ) {}

  /** Counts a request, for staleness. */
  nextRequest(): void {
    this.requests++;
  }

  /** The first value under `key` that `matches` accepts (several values may share a key). */
  find(key: K, matches?: (value: V) => boolean): V | undefined {
    const entries = this.byKey.get(key);
    if (!entries) return undefined;
    for (const entry of entries) {
      if (matches === undefined || matches(entry.value)) {
        entry.lastUsed = this.requests;
        return entry.value;
      }
    }
    return undefined;
  }

  /** Whether an entry of `size` would be kept (making room from stale entries if it can). */
  hasRoom(size: number): boolean {
    return this.size + size <= this.maxSize || this.sweep(size);
  }

  /** Keeps a value if there is room, or room can be made from stale entries; false if not kept. */
  keep(key: K, value: V, size: number): boolean {
    if (!this.hasRoom(size)) return false;
    const entry = { value, size, lastUsed: this.requests };
    const entries = this.byKey.get(key);
    if (entries) entries.push(entry);
    else this.byKey.set(key, [entry]);
    this.size += size;
    return true;
  }

  /** Drops stale entries; true if `needed` now fits. */
  private sweep(needed: number): boolean {
    if (this.requests < this.nextSweep) return false;
    for (const [key, entries] of this.byKey) {
      const fresh = entries.filter((entry) => this.requests - entry.lastUsed <= this.staleAfterRequests);
      if (fresh.length === entries.length) continue;
      for (const entry of entries) if (!fresh.includes(entry)) this.size -= entry.size;
      if (fresh.length === 0) this.byKey.delete(key);
      else this.byKey.set(key, fresh);
    }
    const fits = this.size + needed <= this.maxSize;
    if (!fits) this.nextSweep = this.requests + Math.ceil(this.staleAfterRequests / 4);
    return fits;
  }
}
