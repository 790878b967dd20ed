import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'smol-toml';
import { catalogFileName, profileFileName } from './temporary-profile-name.js';
import type { ModelCatalog } from './build-model-catalog.js';

/** Codex tags threads with the provider id, and `resume` looks for it: never change it. */
export const PROVIDER_ID = 'codex-bridge';
/** The variable Codex reads the per-run bearer token from (set in the child's environment only). */
export const TOKEN_ENV = 'CODEX_BRIDGE_TOKEN';

export function codexHome(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env.CODEX_HOME || path.join(os.homedir(), '.codex'));
}

export interface ProfileSettings {
  model: string;
  /** The bridge's base URL, ending in /v1. */
  baseUrl: string;
  catalogPath: string;
  /** Folder trust answers to hand Codex ([projects."<path>"]), as kept by the bridge. */
  projects?: Record<string, { trust_level: string }>;
}

/**
 * The profile layered over the user's config.toml by `codex --profile`. Every key here is accepted
 * by `codex --strict-config` 0.169.
 */
export function buildProfileConfig(settings: ProfileSettings): Record<string, unknown> {
  return {
    model_provider: PROVIDER_ID,
    model: settings.model,
    model_catalog_json: settings.catalogPath,
    // Hosted tools never reach a Chat Completions upstream: don't offer web search to the model.
    web_search: 'disabled',
    model_providers: {
      [PROVIDER_ID]: {
        name: PROVIDER_ID,
        base_url: settings.baseUrl,
        wire_api: 'responses',
        env_key: TOKEN_ENV,
      },
    },
    // With --profile, the TUI otherwise shows a ⚠ badge about the background daemon.
    features: { daemon_auto_start: false },
    ...(settings.projects && Object.keys(settings.projects).length > 0 && { projects: settings.projects }),
  };
}

export interface TemporaryProfile {
  /** What to pass to `codex --profile`. */
  name: string;
  profilePath: string;
  catalogPath: string;
  /** Deletes both files; safe to call more than once. */
  remove(): void;
}

/** Writes `<name>.config.toml` and `<name>.catalog.json` into $CODEX_HOME, both 0600. */
export function writeTemporaryProfile(options: {
  codexHome: string;
  name: string;
  model: string;
  baseUrl: string;
  catalog: ModelCatalog;
  projects?: ProfileSettings['projects'];
}): TemporaryProfile {
  mkdirSync(options.codexHome, { recursive: true, mode: 0o700 });
  const profilePath = path.join(options.codexHome, profileFileName(options.name));
  const catalogPath = path.join(options.codexHome, catalogFileName(options.name));
  // Only ever delete what this run created.
  const created: string[] = [];
  const remove = (): void => {
    for (const file of created.splice(0)) rmSync(file, { force: true });
  };
  try {
    writePrivateFile(catalogPath, JSON.stringify(options.catalog));
    created.push(catalogPath);
    const config = buildProfileConfig({ model: options.model, baseUrl: options.baseUrl, catalogPath, projects: options.projects });
    writePrivateFile(profilePath, `# Written by codex-bridge for one run; deleted when it ends.\n${stringify(config)}\n`);
    created.push(profilePath);
  } catch (error) {
    remove();
    throw error;
  }
  return { name: options.name, profilePath, catalogPath, remove };
}

function writePrivateFile(file: string, content: string): void {
  // 'wx': the name is fresh; never follow or reuse something already there.
  writeFileSync(file, content, { mode: 0o600, flag: 'wx' });
}
