import { readFileSync } from 'node:fs';
import { parse } from 'smol-toml';
import { isTrustLevel } from '../trust/trust-levels.js';
import type { TrustDecision } from '../trust/trust-store.js';

// Codex saves the TUI's "Trust this folder?" answer into the active profile — ours, which is
// deleted when the run ends. The bridge writes the answers it keeps (src/trust) into each profile
// as [projects."<path>"] trust_level, which Codex honours there (measured with 0.171: no question
// in a folder the profile trusts), and reads back what Codex added before the profile goes.

/** The profile's [projects] table for the kept decisions. */
export function projectsTable(decisions: readonly TrustDecision[]): Record<string, { trust_level: string }> {
  return Object.fromEntries(decisions.map((decision) => [decision.path, { trust_level: decision.trustLevel }]));
}

/** The trust answers found in a profile Codex may have written to ({} if it is gone or unreadable). */
export function trustDecisionsIn(profilePath: string): Array<{ path: string; trustLevel: string }> {
  try {
    const config = parse(readFileSync(profilePath, 'utf8')) as { projects?: unknown };
    const projects = config.projects;
    if (typeof projects !== 'object' || projects === null || Array.isArray(projects)) return [];
    return Object.entries(projects as Record<string, unknown>).flatMap(([folder, entry]) => {
      const level = (entry as { trust_level?: unknown } | null)?.trust_level;
      return isTrustLevel(level) ? [{ path: folder, trustLevel: level }] : [];
    });
  } catch {
    return [];
  }
}

/** The answers Codex gave during the run: in the profile now, and not as the bridge wrote them. */
export function newTrustDecisions(found: ReadonlyArray<{ path: string; trustLevel: string }>, written: readonly TrustDecision[]): Array<{ path: string; trustLevel: string }> {
  const before = new Map(written.map((decision) => [decision.path, decision.trustLevel]));
  return found.filter((decision) => before.get(decision.path) !== decision.trustLevel);
}
