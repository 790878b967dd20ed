import { ConfigFileError, readSavedConfig, type SavedConfig } from './saved-config.js';
import { findPreset, presetIdList, presetsWithKeySet, unknownProviderMessage, type ProviderPreset } from '../providers/presets.js';
import { UsageError } from '../output/usage-error.js';

export interface UpstreamFlags {
  /** A preset id: deepseek, kimi, … */
  provider?: string;
  upstream?: string;
  model?: string;
  apiKeyEnv?: string;
}

/** Where a setting came from: --flag, CODEX_BRIDGE_* variable, saved config, the provider's preset. */
export type SettingSource = 'flag' | 'env' | 'config' | 'preset';

export interface UpstreamResolution {
  /** The preset id, when one was chosen (or detected). */
  provider?: string;
  /** `detected`: the only preset whose key variable is set. */
  providerSource?: SettingSource | 'detected';
  upstream?: string;
  upstreamSource?: SettingSource;
  model?: string;
  modelSource?: SettingSource;
  /** Name of the variable holding the key (never the key itself). */
  apiKeyEnv?: string;
  apiKeyEnvSource?: SettingSource;
  /** The key variable is the preset's optional one (vLLM): unset means no key, not an error. */
  keyOptional: boolean;
  /** One line for the user when a provider was picked for them. */
  notice?: string;
  /** Nothing chose a provider and several presets' keys are set: which ones. */
  ambiguous?: ProviderPreset[];
}

export interface UpstreamSelection {
  /** The preset id, if any: it picks the provider's quirk profile. */
  provider?: string;
  upstream: string;
  model: string;
  /** Name of the variable holding the key (never the key itself), if any. */
  apiKeyEnv?: string;
  apiKey?: string;
  /** Print as one dim line on stderr: a provider was picked because its key is the only one set. */
  notice?: string;
}

export interface ResolveDependencies {
  /** The saved defaults (default: `codex-bridge config`'s file, read only when it can matter). */
  readConfig?: (env: NodeJS.ProcessEnv) => Promise<SavedConfig>;
}

const given = (value: string | undefined): string | undefined => (value === undefined || value.trim() === '' ? undefined : value.trim());

function presetId(value: string | undefined, where: string): string | undefined {
  const id = given(value)?.toLowerCase();
  if (id === undefined) return undefined;
  if (!findPreset(id)) throw new UsageError(unknownProviderMessage(value!, where));
  return id;
}

/**
 * Where the provider, upstream, model and key variable come from, for every command. Precedence:
 * flags > CODEX_BRIDGE_* environment > saved config (`codex-bridge config`) > the provider's preset.
 *
 * - The saved config only counts when the flags and environment choose neither a provider nor an
 *   upstream, or choose the provider it was saved for: a model saved for DeepSeek is not sent to Kimi.
 *   Likewise CODEX_BRIDGE_UPSTREAM/MODEL/API_KEY_ENV are ignored when CODEX_BRIDGE_PROVIDER names
 *   another provider than --provider.
 * - With no provider and no upstream anywhere, the one preset whose key variable is set is picked
 *   (with a `notice`); with several, `ambiguous` lists them.
 *
 * Lenient: missing values stay undefined (doctor reports them). Unknown provider ids are usage
 * errors; an unreadable saved config throws ConfigFileError.
 */
export async function resolveUpstreamSettings(
  flags: UpstreamFlags,
  env: NodeJS.ProcessEnv = process.env,
  deps: ResolveDependencies = {},
): Promise<UpstreamResolution> {
  const flagProvider = presetId(flags.provider, '--provider');
  const envProvider = presetId(env.CODEX_BRIDGE_PROVIDER, 'CODEX_BRIDGE_PROVIDER');
  const envCounts = !(flagProvider && envProvider && flagProvider !== envProvider);
  const explicit = (field: 'upstream' | 'model' | 'apiKeyEnv', variable: string): { value?: string; source?: SettingSource } => {
    const flag = given(flags[field]);
    if (flag !== undefined) return { value: flag, source: 'flag' };
    const fromEnv = envCounts ? given(env[variable]) : undefined;
    return fromEnv !== undefined ? { value: fromEnv, source: 'env' } : {};
  };
  const upstream = explicit('upstream', 'CODEX_BRIDGE_UPSTREAM');
  const model = explicit('model', 'CODEX_BRIDGE_MODEL');
  const apiKeyEnv = explicit('apiKeyEnv', 'CODEX_BRIDGE_API_KEY_ENV');
  const explicitProvider = flagProvider ?? envProvider;
  const explicitProviderSource: SettingSource | undefined = flagProvider ? 'flag' : envProvider ? 'env' : undefined;

  // The saved config can only matter if something is still open and it may count at all.
  const open = upstream.value === undefined || model.value === undefined || apiKeyEnv.value === undefined;
  const mayCount = explicitProvider !== undefined || upstream.value === undefined;
  let saved: SavedConfig = {};
  if (open && mayCount) {
    const config = await (deps.readConfig ?? readSavedConfig)(env);
    const counts = explicitProvider === undefined ? upstream.value === undefined : config.provider === explicitProvider;
    if (counts) saved = config;
  }

  const result: UpstreamResolution = { keyOptional: false };
  if (explicitProvider) {
    result.provider = explicitProvider;
    result.providerSource = explicitProviderSource;
  } else if (upstream.value === undefined && saved.provider) {
    result.provider = saved.provider;
    result.providerSource = 'config';
  } else if (upstream.value === undefined && saved.upstream === undefined) {
    const candidates = presetsWithKeySet(env);
    if (candidates.length === 1) {
      result.provider = candidates[0].id;
      result.providerSource = 'detected';
    } else if (candidates.length > 1) {
      result.ambiguous = candidates;
    }
  }
  const preset = result.provider ? findPreset(result.provider) : undefined;

  const layer = (
    field: 'upstream' | 'model' | 'apiKeyEnv',
    fromExplicit: { value?: string; source?: SettingSource },
  ): { value?: string; source?: SettingSource } => {
    if (fromExplicit.value !== undefined) return fromExplicit;
    if (saved[field] !== undefined) return { value: saved[field], source: 'config' };
    if (preset?.[field] !== undefined) return { value: preset[field], source: 'preset' };
    return {};
  };
  const u = layer('upstream', upstream);
  const m = layer('model', model);
  const k = layer('apiKeyEnv', apiKeyEnv);
  result.upstream = u.value;
  result.upstreamSource = u.source;
  result.model = m.value;
  result.modelSource = m.source;
  result.apiKeyEnv = k.value;
  result.apiKeyEnvSource = k.source;
  result.keyOptional = k.source === 'preset' && preset?.keyOptional === true;
  if (result.providerSource === 'detected' && preset) {
    result.notice = `using ${preset.name} (${result.model ?? preset.model} at ${result.upstream ?? preset.upstream}) because ${preset.apiKeyEnv} is set; --provider <id> picks another`;
  }
  return result;
}

/** The one line that says what to do when several providers' keys are set. */
export function ambiguityMessage(presets: readonly ProviderPreset[]): string {
  const variables = presets.map((preset) => preset.apiKeyEnv).join(', ');
  const choice =
    presets.length === 2 ? `--provider ${presets[0].id} or --provider ${presets[1].id}` : `--provider with one of ${presets.map((preset) => preset.id).join(', ')}`;
  return `several providers' keys are set (${variables}) — pass ${choice}, or save one with \`codex-bridge config set provider ${presets[0].id}\``;
}

export const NO_UPSTREAM_MESSAGE = `no upstream given — pass --upstream <url> or --provider <id> (${presetIdList()}), set CODEX_BRIDGE_UPSTREAM, or export one provider's key (e.g. DEEPSEEK_API_KEY) to use its preset`;

/** "$X is not set" or "$X is empty": a key variable that holds no key, as it is. */
export function noKeyIn(apiKeyEnv: string, env: NodeJS.ProcessEnv): string {
  return `$${apiKeyEnv} ${env[apiKeyEnv] === undefined ? 'is not set' : 'is empty'}`;
}

/** What is wrong when the key variable holds no key, and what to do (where the provider's keys are). */
export function missingKey(apiKeyEnv: string, env: NodeJS.ProcessEnv, provider?: string): { problem: string; fix: string } {
  const preset = provider ? findPreset(provider) : undefined;
  const where = preset?.keyHelp && preset.apiKeyEnv === apiKeyEnv ? ` (${preset.name} keys: ${preset.keyHelp})` : '';
  return { problem: noKeyIn(apiKeyEnv, env), fix: `export ${apiKeyEnv}=<your key>${where}, or pass --api-key-env with the variable that holds it` };
}

/**
 * `resolveUpstreamSettings`, then everything a command needs to start: upstream, model and key
 * present and valid, or a UsageError saying what to pass.
 */
export async function resolveUpstreamOptions(
  flags: UpstreamFlags,
  env: NodeJS.ProcessEnv = process.env,
  deps: ResolveDependencies = {},
): Promise<UpstreamSelection> {
  let settings: UpstreamResolution;
  try {
    settings = await resolveUpstreamSettings(flags, env, deps);
  } catch (error) {
    if (error instanceof ConfigFileError) throw new UsageError(error.message, 1);
    throw error;
  }
  if (settings.ambiguous) throw new UsageError(ambiguityMessage(settings.ambiguous));
  if (!settings.upstream) throw new UsageError(NO_UPSTREAM_MESSAGE);
  if (!settings.model) {
    throw new UsageError('no model given — pass --model <id> (e.g. deepseek-v4-flash) or set CODEX_BRIDGE_MODEL');
  }
  let apiKey: string | undefined;
  if (settings.apiKeyEnv) {
    apiKey = env[settings.apiKeyEnv] || undefined;
    if (!apiKey && !settings.keyOptional) {
      const { problem, fix } = missingKey(settings.apiKeyEnv, env, settings.provider);
      throw new UsageError(`${problem} — ${fix}`);
    }
  }
  return {
    provider: settings.provider,
    upstream: settings.upstream,
    model: settings.model,
    apiKeyEnv: apiKey ? settings.apiKeyEnv : settings.keyOptional ? undefined : settings.apiKeyEnv,
    apiKey,
    notice: settings.notice,
  };
}
