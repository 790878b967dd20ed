import { readFileSync } from 'node:fs';
import { parse, stringify } from 'smol-toml';

/**
 * Codex saves the TUI's "Trust this folder?" answer into the active profile — ours, which is
 * deleted when the run ends, so the question would come back every run. This finds the projects
 * Codex recorded there (the profile is written without any), so the user can be told how to keep them.
 */
export function trustDecisionsIn(profilePath: string): Record<string, Record<string, unknown>> {
  try {
    const config = parse(readFileSync(profilePath, 'utf8')) as { projects?: unknown };
    const projects = config.projects;
    if (typeof projects !== 'object' || projects === null || Array.isArray(projects)) return {};
    return Object.fromEntries(
      Object.entries(projects as Record<string, unknown>).filter(
        (entry): entry is [string, Record<string, unknown>] => typeof entry[1] === 'object' && entry[1] !== null && !Array.isArray(entry[1]),
      ),
    );
  } catch {
    return {};
  }
}

/** The hint printed after the run, or undefined when Codex recorded nothing. */
export function trustDecisionsHint(projects: Record<string, Record<string, unknown>>, configPath: string): string | undefined {
  if (Object.keys(projects).length === 0) return undefined;
  const toml = stringify({ projects })
    .trim()
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
  return `Codex's folder trust for this run was kept in the temporary profile, now deleted; to keep it, add to ${configPath}:\n${toml}\n`;
}
