// Writes to the ResponsesStateStore run after a response has gone out, so a client may ask about it
// (GET /v1/responses/{id}, the next turn of its conversation) before they land. Each write is kept
// here under the ids it touches until it settles, and a reader of those ids waits for it first.

export class StateWrites {
  private readonly pending = new Map<string, Set<Promise<unknown>>>();

  /** Keeps `write` under `keys` until it settles (it never rejects: failures are the writer's to report). */
  track(keys: readonly string[], write: Promise<unknown>): void {
    const settled = write.catch(() => {});
    for (const key of keys) {
      let writes = this.pending.get(key);
      if (!writes) this.pending.set(key, (writes = new Set()));
      writes.add(settled);
    }
    void settled.then(() => {
      for (const key of keys) {
        const writes = this.pending.get(key);
        writes?.delete(settled);
        if (writes?.size === 0) this.pending.delete(key);
      }
    });
  }

  /** Resolves once every write under `key` that was pending has settled. */
  async settled(key: string): Promise<void> {
    const writes = this.pending.get(key);
    if (writes) await Promise.all([...writes]);
  }

  /** Resolves once every pending write has settled (an item may come from any of them). */
  async settledAll(): Promise<void> {
    if (this.pending.size === 0) return;
    await Promise.all([...this.pending.values()].flatMap((writes) => [...writes]));
  }
}
