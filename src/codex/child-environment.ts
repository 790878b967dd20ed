import { TOKEN_ENV } from './write-temporary-profile.js';

export interface ChildEnvironmentOptions {
  env: NodeJS.ProcessEnv;
  /** Name of the variable that held the upstream key (removed). */
  apiKeyEnv?: string;
  /** The upstream key itself: any variable holding it is removed too. */
  apiKey?: string;
  /** Per-run bearer token for the bridge. */
  token: string;
  /** The bridge's base URL, ending in /v1. */
  baseUrl: string;
  /** Codex reads the token from CODEX_BRIDGE_TOKEN (profile env_key); anything else gets OPENAI_*. */
  isCodex: boolean;
}

/** The key itself, or (for a key long enough not to match by chance) a value embedding it. */
function holdsKey(value: string, apiKey: string | undefined): boolean {
  if (!apiKey) return false;
  return value === apiKey || (apiKey.length >= 8 && value.includes(apiKey));
}

/**
 * The environment of the wrapped command. It never contains the upstream key: the child talks to
 * the bridge with the per-run token, and only the bridge talks to the upstream.
 */
export function buildChildEnvironment(options: ChildEnvironmentOptions): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(options.env)) {
    if (value === undefined) continue;
    if (name === options.apiKeyEnv) continue;
    if (holdsKey(value, options.apiKey)) continue;
    env[name] = value;
  }
  if (options.isCodex) {
    env[TOKEN_ENV] = options.token;
  } else {
    // The OpenAI SDKs (and most tools built on them) read these.
    env.OPENAI_BASE_URL = options.baseUrl;
    env.OPENAI_API_KEY = options.token;
  }
  return env;
}
