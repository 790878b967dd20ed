import { UsageError } from './usage-error.js';

export interface UpstreamFlags {
  upstream?: string;
  model?: string;
  apiKeyEnv?: string;
}

export interface UpstreamSelection {
  upstream: string;
  model: string;
  /** Name of the variable holding the key (never the key itself), if any. */
  apiKeyEnv?: string;
  apiKey?: string;
}

/**
 * Where the upstream, model and key come from, in one place for every command.
 * Precedence: flags > CODEX_BRIDGE_* environment. (Saved config and presets slot in below env.)
 */
export function resolveUpstreamOptions(flags: UpstreamFlags, env: NodeJS.ProcessEnv = process.env): UpstreamSelection {
  const upstream = flags.upstream ?? env.CODEX_BRIDGE_UPSTREAM;
  const model = flags.model ?? env.CODEX_BRIDGE_MODEL;
  const apiKeyEnv = flags.apiKeyEnv ?? env.CODEX_BRIDGE_API_KEY_ENV;
  if (!upstream) {
    throw new UsageError('no upstream given: pass --upstream <url> (e.g. https://api.deepseek.com/v1) or set CODEX_BRIDGE_UPSTREAM');
  }
  if (!model) {
    throw new UsageError('no model given: pass --model <id> (e.g. deepseek-chat) or set CODEX_BRIDGE_MODEL');
  }
  let apiKey: string | undefined;
  if (apiKeyEnv) {
    apiKey = env[apiKeyEnv];
    if (!apiKey) {
      throw new UsageError(`$${apiKeyEnv} is not set: export ${apiKeyEnv}=<your key>, or pass --api-key-env with the variable that holds it`);
    }
  }
  return { upstream, model, apiKeyEnv, apiKey };
}
