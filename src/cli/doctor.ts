import type { Command } from 'commander';
import { presetIdList } from '../providers/presets.js';

interface DoctorCommandOptions {
  provider?: string;
  upstream?: string;
  model?: string;
  apiKeyEnv?: string;
  json?: boolean;
  probe?: boolean;
}

export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description('Check the setup: Node, Codex, the upstream (DNS, TCP, TLS, key, model), CODEX_HOME, the sessions file.')
    .option('--provider <id>', `a built-in provider: ${presetIdList()} (env CODEX_BRIDGE_PROVIDER)`)
    .option('--upstream <url>', 'Chat Completions base URL (env CODEX_BRIDGE_UPSTREAM)')
    .option('--model <id>', 'upstream model id (env CODEX_BRIDGE_MODEL)')
    .option('--api-key-env <var>', 'environment variable holding the upstream key (env CODEX_BRIDGE_API_KEY_ENV)')
    .option('--json', 'print {ok, checks:[{name, ok, level, detail, fix}]} instead of lines')
    .option('--probe', 'also send small chat requests: a 1-token answer, a stream, a forced tool call, reasoning')
    .addHelpText(
      'after',
      `
It checks what run would use (flags > CODEX_BRIDGE_* > saved config > preset). Each line is
✓ (fine), ✗ (failed, with the fix below it), ! (a warning) or · (information). The key is never
printed. Exit code: 0 when nothing failed, 1 when something did, 2 for a usage error.

Examples:
  codex-bridge doctor
  codex-bridge doctor --provider kimi --probe
  codex-bridge doctor --json | jq '.checks[] | select(.ok | not)'`,
    )
    .action(async (options: DoctorCommandOptions) => {
      const { runDoctor } = await import('../doctor/run-doctor.js');
      process.exitCode = await runDoctor(options);
    });
}
