import type { Command } from 'commander';
import { addQuirkFlag, addUpstreamFlags, addUpstreamTimeoutFlag } from './upstream-flags.js';
import { addGatewayFlags } from './gateway-flags.js';

interface RunCommandOptions {
  provider?: string;
  upstream?: string;
  model?: string;
  apiKeyEnv?: string;
  port?: string;
  verbose?: boolean;
  logFile?: string;
  quirk?: string[];
  upstreamTimeout?: string;
  gateway?: string;
  gatewayTokenEnv?: string;
}

export function registerRun(program: Command): void {
  // Options after the wrapped command belong to it (`run -- codex exec -s …`), even without `--`.
  program.enablePositionalOptions();
  const run = program
    .command('run')
    .description('Run a command (usually `codex`) against the bridge; it stops when the command exits.')
    .usage('[options] -- <command...>')
    .argument('<command...>', 'the command to run, e.g. codex or codex exec "…"');
  addUpstreamFlags(run)
    .option('--port <n>', 'bridge port on 127.0.0.1 (default: a random free port)')
    .option('--verbose', 'log one line per request (method, model, status, ms, tokens) to stderr, and every 30 s while the upstream keeps silent (with the TUI, prefer --log-file)')
    .option('--log-file <path>', 'write those lines to this file (mode 0600) instead of stderr');
  addUpstreamTimeoutFlag(run);
  addGatewayFlags(run);
  addQuirkFlag(run)
    .passThroughOptions()
    .addHelpText(
      'after',
      `
Codex gets a temporary profile (--profile) pointing at the bridge; other commands get
OPENAI_BASE_URL and OPENAI_API_KEY. The upstream key never reaches the command's environment.
Settings: flags > CODEX_BRIDGE_* variables > saved config (codex-bridge config) > the provider's
preset. With none of them, the one provider whose key variable is set is used.

Examples:
  export DEEPSEEK_API_KEY=…
  codex-bridge run -- codex                        (DeepSeek: its key is the only one set)
  codex-bridge run --provider kimi --model kimi-k2.6 -- codex
  codex-bridge run --upstream https://api.deepseek.com/v1 --model deepseek-chat --api-key-env DEEPSEEK_API_KEY -- codex
  codex-bridge run … -- codex exec "fix the failing test"
`,
    )
    .action(async (command: string[], options: RunCommandOptions) => {
      // Loaded here so that other commands (and --help) don't pay for the server.
      const { runWithBridge } = await import('../codex/run-with-bridge.js');
      const exitCode = await runWithBridge(command, options);
      // Leave now: an idle keep-alive socket or a stray timer must not hold the exit up.
      process.exit(exitCode);
    });
}
