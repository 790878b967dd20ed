// With named clients (`serve --tokens`), what the bridge keeps for a request belongs to the client
// whose token made it: every store keeps it under a key that starts with that client's name, so
// another client's lookup of the same id misses, exactly as an id that never existed does, and a
// check costs nothing. Names have no '/' (src/server/client-tokens.ts), so `alice/…` is never
// `bob/…`. Without named clients a key is the id itself, as it always was.

/** The key of `id` for the client `clientName` (the id itself without one). */
export const clientKey = (clientName: string | undefined, id: string): string => (clientName === undefined ? id : `${clientName}/${id}`);

/** A view per client name, made once: stores hand out the same view to every request of a client. */
export function viewFor<T>(views: Map<string, T>, clientName: string, make: () => T): T {
  let view = views.get(clientName);
  if (!view) views.set(clientName, (view = make()));
  return view;
}
