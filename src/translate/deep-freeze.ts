// Values shared between requests (parsed parts of a body that Codex sends again every turn, and
// what the translators make of them) are frozen all the way down, so that no request can change
// them under the next one, and so that their JSON can be kept (see isDeepFrozen).

const deeplyFrozen = new WeakSet<object>();

/** Freezes `value` and everything reachable from it; returns it. */
export function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== 'object' || deeplyFrozen.has(value)) return value;
  Object.freeze(value);
  deeplyFrozen.add(value); // before the members: a cycle ends here
  for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  return value;
}

/** Whether `value` went through deepFreeze: nothing in it can change, so neither can its JSON. */
export function isDeepFrozen(value: object): boolean {
  return deeplyFrozen.has(value);
}
