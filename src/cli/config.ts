import type { Command } from 'commander';
import type { ConfigCommandDeps } from '../config/config-command.js';

// `codex-bridge config` and its subcommands; what each does is in src/config/config-command.ts.

async function command() {
  return import('../config/config-command.js');
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
    .action(async (name: string, value: string) => {
      const { context, set } = await command();
      await set(await context(deps), name, value);
    });

  config
    .command('get')
    .description('print a saved default (all of them without a key); exit 1 if it is not set')
    .argument('[key]', 'provider, upstream, model or api-key-env')
    .option('--json', 'print JSON (null when not set)')
    .action(async (name: string | undefined, flags: { json?: boolean }) => {
      const { context, get } = await command();
      await get(await context(deps), name, flags);
    });

  config
    .command('list')
    .description('print every saved default')
    .option('--json', 'print them as a JSON object')
    .action(async (flags: { json?: boolean }) => {
      const { context, list } = await command();
      await list(await context(deps), flags);
    });

  config
    .command('unset')
    .description('remove a saved default')
    .argument('<key>', 'provider, upstream, model or api-key-env')
    .action(async (name: string) => {
      const { context, unset } = await command();
      await unset(await context(deps), name);
    });

  config
    .command('path')
    .description('print where the config file is')
    .action(async () => {
      const ctx = await (await command()).context(deps);
      ctx.out(`${ctx.store.path}\n`);
    });
}
