import type { Command } from 'commander';
import type { ConfigKey, ConfigStore } from '../config/saved-config.js';
import { UsageError } from './usage-error.js';

// `codex-bridge config`: the defaults `run`, `serve` and `doctor` fall back on when flags and
// CODEX_BRIDGE_* variables don't say. Only names are stored (provider, upstream, model, and the
// variable that holds the key), never a key.

export interface ConfigCommandDeps {
  env?: NodeJS.ProcessEnv;
  /** stdout (default: process.stdout). */
  out?: (text: string) => void;
  /** Notes on stderr (default: process.stderr). */
  err?: (text: string) => void;
}

interface Context {
  env: NodeJS.ProcessEnv;
  out: (text: string) => void;
  err: (text: string) => void;
  store: ConfigStore;
}

async function context(deps: ConfigCommandDeps): Promise<Context> {
  const { openConfigStore } = await import('../config/saved-config.js');
  const env = deps.env ?? process.env;
  return {
    env,
    out: deps.out ?? ((text) => process.stdout.write(text)),
    err: deps.err ?? ((text) => process.stderr.write(text)),
    store: await guard(() => openConfigStore(env)),
  };
}

/** The config layer's errors as one line: a bad key or value is a usage error (2), an unreadable file 1. */
async function guard<T>(action: () => T | Promise<T>): Promise<T> {
  const { ConfigFileError, InvalidConfigValueError } = await import('../config/saved-config.js');
  try {
    return await action();
  } catch (error) {
    if (error instanceof InvalidConfigValueError) throw new UsageError(error.message, 2);
    if (error instanceof ConfigFileError) throw new UsageError(error.message, 1);
    throw error;
  }
}

async function key(name: string): Promise<ConfigKey> {
  const { assertConfigKey } = await import('../config/saved-config.js');
  return guard(() => assertConfigKey(name));
}

const FIELD = { provider: 'provider', upstream: 'upstream', model: 'model', 'api-key-env': 'apiKeyEnv' } as const;

async function set(ctx: Context, name: string, value: string): Promise<void> {
  const k = await key(name);
  const before = await guard(() => ctx.store.all());
  const saved = await guard(() => ctx.store.set(k, value));
  ctx.out(`${k} = ${saved}  (saved in ${ctx.store.path})\n`);
  if (k === 'api-key-env' && !ctx.env[saved]) {
    ctx.err(`codex-bridge: note: $${saved} is not set in this shell; export ${saved}=<your key> before running\n`);
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

async function get(ctx: Context, name: string | undefined, flags: { json?: boolean }): Promise<void> {
  if (name === undefined) return list(ctx, flags);
  const k = await key(name);
  const value = await guard(() => ctx.store.get(k));
  if (flags.json) {
    ctx.out(`${JSON.stringify(value ?? null)}\n`);
    return;
  }
  if (value === undefined) throw new UsageError(`${k} is not set (codex-bridge config set ${k} <value>)`, 1);
  ctx.out(`${value}\n`);
}

async function list(ctx: Context, flags: { json?: boolean }): Promise<void> {
  const { CONFIG_KEYS } = await import('../config/saved-config.js');
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

async function unset(ctx: Context, name: string): Promise<void> {
  const k = await key(name);
  const had = await guard(() => ctx.store.unset(k));
  ctx.out(had ? `removed ${k}\n` : `${k} was not set\n`);
}

export function registerConfig(program: Command, deps: ConfigCommandDeps = {}): void {
  const config = program
    .command('config')
    .description('Saved defaults for run, serve and doctor: provider, upstream, model, api-key-env.')
    .addHelpText(
      'after',
      `
Settings: provider (a preset id), upstream (a Chat Completions URL), model, and api-key-env (the
*name* of the variable that holds your key; the key itself is never stored). Precedence:
flags > CODEX_BRIDGE_* variables > saved config > the provider's preset.

The file is $CODEX_BRIDGE_HOME/config.json (default: the platform config directory).

Examples:
  codex-bridge config set provider deepseek
  codex-bridge config set model deepseek-v4-pro
  codex-bridge config set api-key-env MY_DEEPSEEK_KEY
  codex-bridge config list`,
    );

  config
    .command('set')
    .description('save a default')
    .argument('<key>', 'provider, upstream, model or api-key-env')
    .argument('<value>', 'the value (for api-key-env: a variable name, never the key)')
    .action(async (name: string, value: string) => set(await context(deps), name, value));

  config
    .command('get')
    .description('print a saved default (all of them without a key); exit 1 if it is not set')
    .argument('[key]', 'provider, upstream, model or api-key-env')
    .option('--json', 'print JSON (null when not set)')
    .action(async (name: string | undefined, flags: { json?: boolean }) => get(await context(deps), name, flags));

  config
    .command('list')
    .description('print every saved default')
    .option('--json', 'print them as a JSON object')
    .action(async (flags: { json?: boolean }) => list(await context(deps), flags));

  config
    .command('unset')
    .description('remove a saved default')
    .argument('<key>', 'provider, upstream, model or api-key-env')
    .action(async (name: string) => unset(await context(deps), name));

  config
    .command('path')
    .description('print where the config file is')
    .action(async () => {
      const ctx = await context(deps);
      ctx.out(`${ctx.store.path}\n`);
    });
}
