import type { Command } from 'commander';
import type { TrustCommandDeps } from '../trust/trust-command.js';

// `codex-bridge trust list|rm`; what each does is in src/trust/trust-command.ts.

export function registerTrust(program: Command, deps: TrustCommandDeps = {}): void {
  const trust = program
    .command('trust')
    .description("Codex's folder-trust answers that the bridge keeps for its runs: list, rm.")
    .addHelpText(
      'after',
      `
When Codex asks "Trust this folder?" during \`codex-bridge run\`, your answer is kept in the
bridge's own trust.json (beside sessions.json) and written into every later run's temporary
profile, so each folder is asked about once. Your ~/.codex/config.toml is never edited.

Examples:
  codex-bridge trust list
  codex-bridge trust rm .                 (Codex asks again in this folder)`,
    );

  trust
    .command('list')
    .description('the kept answers: trust level, date, folder')
    .option('--json', 'print them as a JSON array')
    .action(async (flags: { json?: boolean }) => {
      const { listTrust } = await import('../trust/trust-command.js');
      await listTrust(deps, flags);
    });

  trust
    .command('rm')
    .description('forget the answer for these folders (relative paths are resolved from here)')
    .argument('<folder...>', 'folders')
    .action(async (folders: string[]) => {
      const { removeTrust } = await import('../trust/trust-command.js');
      await removeTrust(deps, folders);
    });
}
