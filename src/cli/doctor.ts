import type { Command } from 'commander';
import { addUpstreamFlags } from './upstream-flags.js';
import { STORE_FLAG_HELP } from './store-flags.js';

interface DoctorCommandOptions {
  provider?: string;
  upstream?: string;
  model?: string;
  apiKeyEnv?: string;
  json?: boolean;
  probe?: boolean;
  store?: string;
}

export function registerDoctor(program: Command): void {
  const doctor = program
    .command('doctor')
    .description('Check the setup: Node, Codex, the upstream (DNS, TCP, TLS, key, model), CODEX_HOME, the sessions file.');
  addUpstreamFlags(doctor)
    .option('--json', 'print {ok, checks:[{name, ok, level, detail, fix}]} instead of lines')
    .option('--probe', 'also send small chat requests: a 1-token answer, a stream, a forced tool call, reasoning')
    .option('--store <url>', `${STORE_FLAG_HELP}: checked (reachable, round-trip time, sessions) instead of the sessions file`)
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
