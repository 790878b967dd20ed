// The shared store (`serve --store redis://…`) could not be reached, or refused a write: the
// request that needed it is answered 503 naming the store, never with a stack trace. Defined apart
// from the Redis client, so that the server can recognise it without loading one.

export class StoreUnavailableError extends Error {
  override name = 'StoreUnavailableError';
  constructor(
    /** The store as it may be shown: redis://host:port/db, never a password. */
    readonly store: string,
    readonly reason: string,
  ) {
    super(`the state store ${store} is unavailable (${reason}) — this request needs it; retry once it is back`);
  }
}
