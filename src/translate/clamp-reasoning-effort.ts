// Codex sends reasoning.effort none|minimal|low|medium|high|xhigh (and may grow more); providers
// accept their own subsets (Gemini: "Invalid reasoning_effort: minimal. Valid values are: high,
// low, medium, none"; grok-3-mini: low|high). Clamp to the nearest accepted value.

const SCALE = ['none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max'];
/** Unknown efforts count as high, as the bridge always treated them. */
const UNKNOWN_RANK = SCALE.indexOf('high');

function rankOf(effort: string): number {
  const rank = SCALE.indexOf(effort);
  return rank >= 0 ? rank : UNKNOWN_RANK;
}

/**
 * The reasoning_effort to send for Codex's `effort`, or undefined to send none. `none` is only sent
 * where it is accepted (elsewhere leaving the field out is the closest thing); otherwise the nearest
 * accepted value wins, the higher one on a tie.
 */
export function clampReasoningEffort(effort: unknown, accepted: readonly string[]): string | undefined {
  if (typeof effort !== 'string' || accepted.length === 0) return undefined;
  if (effort === 'none') return accepted.includes('none') ? 'none' : undefined;
  if (accepted.includes(effort)) return effort;
  const wanted = rankOf(effort);
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of accepted) {
    const rank = SCALE.indexOf(candidate);
    if (rank <= 0) continue; // 'none', or a value off the scale: only ever sent when asked for by name
    const distance = Math.abs(rank - wanted);
    if (distance < bestDistance || (distance === bestDistance && rank > rankOf(best!))) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}
