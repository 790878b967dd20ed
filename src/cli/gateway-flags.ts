import type { Command } from 'commander';

// run's --gateway: Codex straight to a team's `serve` gateway instead of a bridge of its own.

export function addGatewayFlags(run: Command): Command {
  return run
    .option('--gateway <url>', "a team's codex-bridge gateway (serve replicas), e.g. https://codex-gateway.example.com/v1: no provider, no bridge here (env CODEX_BRIDGE_GATEWAY)")
    .option('--gateway-token-env <var>', 'the variable holding your token for the gateway (default CODEX_BRIDGE_GATEWAY_TOKEN)')
    .addHelpText(
      'after',
      `
With a gateway: export CODEX_BRIDGE_GATEWAY_TOKEN=<your token>; codex-bridge run --gateway <url> -- codex
(the model is the one the gateway serves unless --model says otherwise).`,
    );
}
