// "Did you mean …" for a name that is not one of a few known ones (a provider id, a model id): by
// edit distance. commander has the same for commands and options, but does not export it.

/** Insertions, deletions and substitutions that turn `a` into `b`. */
export function levenshtein(a: string, b: string): number {
  if (a === b) return 0;
  if (!a.length) return b.length;
  if (!b.length) return a.length;
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}

/**
 * The known names closest to `wanted` (case-insensitive), all equally close, at most a third of its
 * length away (one edit for a short name); none when nothing is that close.
 */
export function closestNames(wanted: string, known: readonly string[]): string[] {
  const target = wanted.trim().toLowerCase();
  const limit = Math.max(1, Math.floor(target.length / 3));
  let best = Infinity;
  let closest: string[] = [];
  for (const name of known) {
    const distance = levenshtein(target, name.toLowerCase());
    if (distance > limit) continue;
    if (distance < best) {
      best = distance;
      closest = [name];
    } else if (distance === best) closest.push(name);
  }
  return closest;
}
