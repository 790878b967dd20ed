import { InvalidArgumentError, type Command } from 'commander';
import type { ServeFlags } from '../server/start-serve.js';
import { addQuirkFlag, addUpstreamFlags, addUpstreamTimeoutFlag } from './upstream-flags.js';
import { addGatewayFlags } from './store-flags.js';

function parseInteger(name: string, min: number, max: number) {
  return (value: string): number => {
    if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
      throw new InvalidArgumentError(`${name} must be an integer ${min}-${max}, got "${value}"`);
    }
    return Number(value);
  };
}

export function registerServe(program: Command): void {
  const serve = program
    .command('serve')
    .description('Run the bridge in the foreground: a Responses API on loopback in front of a Chat Completions upstream.');
  addUpstreamFlags(serve)
    .option('--port <n>', 'port to listen on (default: a random free port)', parseInteger('--port', 0, 65535))
    .option('--host <host>', 'address to listen on; anything but loopback requires CODEX_BRIDGE_TOKEN', '127.0.0.1')
    .option('--verbose', 'log one line per request (method, model, status, ms, tokens) to stderr, and every 30 s while the upstream keeps silent')
    .option('--keep-alive-ms <n>', 'send a keep-alive event after this much upstream silence (default 15000)', parseInteger('--keep-alive-ms', 10, 600_000));
  addUpstreamTimeoutFlag(serve);
  addQuirkFlag(serve)
    .addHelpText(
      'after',
      `
Clients authenticate with "Authorization: Bearer <token>": CODEX_BRIDGE_TOKEN if set, otherwise a
token generated at start-up and printed once. The upstream key is read from the variable named by
--api-key-env and is never printed.

Example:
  export DEEPSEEK_API_KEY=…
  codex-bridge serve --upstream https://api.deepseek.com/v1 --model deepseek-chat --api-key-env DEEPSEEK_API_KEY --port 8787`,
    )
    .action(async (flags: ServeFlags) => {
      // Loaded here so `--help` and the other commands don't pay for the server.
      const [{ startServe }, { stopOnSignals }] = await Promise.all([import('../server/start-serve.js'), import('../server/graceful-stop.js')]);
      const running = await startServe(flags);
      stopOnSignals(() => running.close());
    });
  addGatewayFlags(serve);
}
