import { adviseBaseUrl, baseUrlFix, fetchModelsProbe, type ModelsProbe } from './base-url-check.js';
import { assertConfigKey, CONFIG_KEYS, ConfigFileError, InvalidConfigValueError, normalizeConfigValue, openConfigStore, type ConfigKey, type ConfigStore } from './saved-config.js';
import { noKeyIn } from './resolve-upstream-options.js';
import { UsageError } from '../output/usage-error.js';

// What `codex-bridge config` does (its flags are in src/cli/config.ts): the defaults `run`, `serve` and `doctor` fall back on when flags and
// CODEX_BRIDGE_* variables don't say. Only names are stored (provider, upstream, model, and the
// variable that holds the key), never a key.

export interface ConfigCommandDeps {
  env?: NodeJS.ProcessEnv;
  /** stdout (default: process.stdout). */
  out?: (text: string) => void;
  /** Notes on stderr (default: process.stderr). */
  err?: (text: string) => void;
  /** How `set upstream` asks a URL for its models (default: fetch, 3 s). */
  probeModels?: ModelsProbe;
}

export interface ConfigCommandContext {
  env: NodeJS.ProcessEnv;
  out: (text: string) => void;
  err: (text: string) => void;
  store: ConfigStore;
  probeModels: ModelsProbe;
}

export async function context(deps: ConfigCommandDeps): Promise<ConfigCommandContext> {
  const env = deps.env ?? process.env;
  return {
    env,
    out: deps.out ?? ((text) => process.stdout.write(text)),
    err: deps.err ?? ((text) => process.stderr.write(text)),
    store: await guard(() => openConfigStore(env)),
    probeModels: deps.probeModels ?? fetchModelsProbe(3_000),
  };
}

/** The config layer's errors as one line: a bad key or value is a usage error (2), an unreadable file 1. */
async function guard<T>(action: () => T | Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    if (error instanceof InvalidConfigValueError) throw new UsageError(error.message, 2);
    if (error instanceof ConfigFileError) throw new UsageError(error.message, 1);
    throw error;
  }
}

function key(name: string): Promise<ConfigKey> {
  return guard(() => assertConfigKey(name));
}

const FIELD = { provider: 'provider', upstream: 'upstream', model: 'model', 'api-key-env': 'apiKeyEnv' } as const;

export async function set(ctx: ConfigCommandContext, name: string, value: string): Promise<void> {
  const k = await key(name);
  if (k === 'upstream') {
    // A base URL without /v1, or with /chat/completions, is refused when the right one answered.
    const url = await guard(() => normalizeConfigValue(k, value));
    const advice = await adviseBaseUrl(url, ctx.probeModels);
    if (advice) throw new UsageError(`${url} ${advice.problem} — ${baseUrlFix(advice, 'config')}; nothing was saved`);
  }
  const before = await guard(() => ctx.store.all());
  const saved = await guard(() => ctx.store.set(k, value));
  ctx.out(`${k} = ${saved}  (saved in ${ctx.store.path})\n`);
  if (k === 'api-key-env' && !ctx.env[saved]) {
    ctx.err(`codex-bridge: note: ${noKeyIn(saved, ctx.env)} in this shell; export ${saved}=<your key> before running\n`);
  }
  if (k === 'provider' && before.provider !== saved) {
    const stale = (['upstream', 'model', 'api-key-env'] as const).filter((other) => before[FIELD[other]] !== undefined);
    if (stale.length > 0) {
      const list = stale.map((other) => `${other} ${before[FIELD[other]]}`).join(', ');
      ctx.err(
        `codex-bridge: note: also saved: ${list}; they apply to ${saved} too (\`codex-bridge config unset ${stale[0]}\` to use the preset's)\n`,
      );
    }
  }
}

export async function get(ctx: ConfigCommandContext, name: string | undefined, flags: { json?: boolean }): Promise<void> {
  if (name === undefined) return list(ctx, flags);
  const k = await key(name);
  const value = await guard(() => ctx.store.get(k));
  if (flags.json) {
    ctx.out(`${JSON.stringify(value ?? null)}\n`);
    return;
  }
  if (value === undefined) throw new UsageError(`${k} is not set — codex-bridge config set ${k} <value>`, 1);
  ctx.out(`${value}\n`);
}

export async function list(ctx: ConfigCommandContext, flags: { json?: boolean }): Promise<void> {
  const saved = await guard(() => ctx.store.all());
  const entries = CONFIG_KEYS.filter((k) => saved[FIELD[k]] !== undefined).map((k) => [k, saved[FIELD[k]] as string] as const);
  if (flags.json) {
    ctx.out(`${JSON.stringify(Object.fromEntries(entries), null, 2)}\n`);
    return;
  }
  if (entries.length === 0) {
    ctx.out(`nothing saved (${ctx.store.path})\n`);
    return;
  }
  ctx.out(entries.map(([k, value]) => `${k} = ${value}\n`).join(''));
}

export async function unset(ctx: ConfigCommandContext, name: string): Promise<void> {
  const k = await key(name);
  const had = await guard(() => ctx.store.unset(k));
  ctx.out(had ? `removed ${k}\n` : `${k} was not set\n`);
}
