// Writes to the ResponsesStateStore run after a response has gone out, so a client may ask about it
// (GET /v1/responses/{id}, the next turn of its conversation) before they land. Each write is kept
// here under the ids it touches until it settles, and a reader of those ids waits for it first.
// A named client's view (forClient) keys them as its stores do, so nobody waits on another's ids.

import { clientKey } from '../state/client-keys.js';

export class StateWrites {
  constructor(
    private readonly pending = new Map<string, Set<Promise<unknown>>>(),
    private readonly clientName?: string,
  ) {}

  /** The writes of the client named `clientName` (`serve --tokens`); these without a name. */
  forClient(clientName: string | undefined): StateWrites {
    return clientName === undefined ? this : new StateWrites(this.pending, clientName);
  }

  /** Keeps `write` under `ids` until it settles (it never rejects: failures are the writer's to report). */
  track(ids: readonly string[], write: Promise<unknown>): void {
    const settled = write.catch(() => {});
    const keys = ids.map((id) => clientKey(this.clientName, id));
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

  /** Resolves once every write under `id` that was pending has settled. */
  async settled(id: string): Promise<void> {
    const writes = this.pending.get(clientKey(this.clientName, id));
    if (writes) await Promise.all([...writes]);
  }

  /** Resolves once every pending write has settled (an item may come from any of them). */
  async settledAll(): Promise<void> {
    if (this.pending.size === 0) return;
    await Promise.all([...this.pending.values()].flatMap((writes) => [...writes]));
  }
}
