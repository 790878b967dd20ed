import type { Command } from 'commander';

// --store: the Redis that `serve` replicas share (conversation state, session records, usage), on
// serve, and on the commands that read what it holds (sessions, usage, doctor).

export const STORE_FLAG_HELP = 'the shared store of serve replicas, e.g. redis://127.0.0.1:6379/0 (env CODEX_BRIDGE_STORE)';

export function addStoreFlag(command: Command): Command {
  return command.option('--store <url>', STORE_FLAG_HELP);
}

/** serve's --store and --tokens: replicas that share their state, and the named clients of a gateway. */
export function addGatewayFlags(serve: Command): void {
  addStoreFlag(serve)
    .option('--tokens <file>', 'named clients: one "<name> <token>" per line; usage is recorded per name (env CODEX_BRIDGE_TOKENS_FILE)')
    .addHelpText(
      'after',
      `
A gateway for a team: replicas started with the same --store share every conversation (any replica
continues any of them; one that stops loses nothing), and --tokens gives each developer a token of
their own, whose name their usage is recorded under (codex-bridge usage --by client --store …).
  codex-bridge serve --provider deepseek --host 0.0.0.0 --port 8787 \\
    --store redis://127.0.0.1:6379/0 --tokens /etc/codex-bridge/tokens`,
    );
}
