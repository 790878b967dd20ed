import type { Command } from 'commander';
import { presetIdList } from '../providers/presets.js';

// The flags that choose the upstream, the same on `run`, `serve` and `doctor`.

/** --provider, --upstream, --model, --api-key-env. */
export function addUpstreamFlags(command: Command): Command {
  return command
    .option('--provider <id>', `a built-in provider: ${presetIdList()} (env CODEX_BRIDGE_PROVIDER)`)
    .option('--upstream <url>', 'Chat Completions base URL, e.g. https://api.deepseek.com/v1 (env CODEX_BRIDGE_UPSTREAM)')
    .option('--model <id>', 'upstream model id (env CODEX_BRIDGE_MODEL)')
    .option('--api-key-env <var>', 'environment variable holding the upstream key (env CODEX_BRIDGE_API_KEY_ENV)');
}

/** --upstream-timeout: how long a silent upstream is waited for (run and serve). */
export function addUpstreamTimeoutFlag(command: Command): Command {
  return command.option(
    '--upstream-timeout <duration>',
    'give up on an upstream that sends nothing for this long, e.g. 90s or 20m (default 10m; env CODEX_BRIDGE_UPSTREAM_TIMEOUT)',
  );
}

/** `--quirk name=value`, repeatable: forces one quirk switch over the provider's profile (run and serve). */
export function addQuirkFlag(command: Command): Command {
  return command.option(
    '--quirk <name=value>',
    'force a provider quirk over its profile, e.g. streamOptions=false (repeatable)',
    (value: string, previous: string[] = []) => [...previous, value],
  );
}
