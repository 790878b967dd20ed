import { levenshtein } from '../output/did-you-mean.js';

// "Did you mean …": the listed models closest to a model id that is not listed. Case-insensitive;
// a listed id that contains the asked one (or the reverse) ranks first, then edit distance, then
// ids from the same family (same first word, e.g. "deepseek-…").

/** Gemini lists "models/gemini-…"; compare without that prefix. */
export const normalizeModelId = (id: string): string => id.replace(/^models\//, '');

const family = (id: string): string => id.toLowerCase().split(/[-_/:.\s]+/)[0] ?? '';

export function suggestModels(wanted: string, listed: readonly string[], max = 3): string[] {
  const target = normalizeModelId(wanted).toLowerCase();
  const scored: Array<{ id: string; score: number }> = [];
  for (const raw of new Set(listed.map(normalizeModelId))) {
    const id = raw.toLowerCase();
    let score: number | undefined;
    if (id === target) score = 0;
    else if (target.length >= 3 && (id.includes(target) || target.includes(id))) score = 1 + Math.abs(id.length - target.length) / 100;
    else {
      const distance = levenshtein(id, target);
      if (distance <= Math.max(2, Math.floor(target.length * 0.4))) score = 2 + distance / 100;
      else if (family(id) && family(id) === family(target) && family(id).length >= 3) score = 3 + distance / 1000;
    }
    if (score !== undefined) scored.push({ id: raw, score });
  }
  return scored.sort((x, y) => x.score - y.score || x.id.localeCompare(y.id)).slice(0, max).map((entry) => entry.id);
}
