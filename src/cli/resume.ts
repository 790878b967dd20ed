import type { Command } from 'commander';
import { addQuirkFlag, addUpstreamFlags } from './upstream-flags.js';
import type { ResumeFlags } from '../codex/resume-session.js';

// `codex-bridge resume`; what it does is in src/codex/resume-session.ts.

/**
 * The operands before `--` (id, prompt) and the Codex arguments after it. Commander hands all of
 * them over as one list without the `--`; the raw arguments tell how many came after it.
 */
export function splitOperands(operands: readonly string[], rawArgs: readonly string[]): { own: string[]; codex: string[] } {
  const dashes = rawArgs.indexOf('--');
  const after = dashes < 0 ? 0 : rawArgs.length - dashes - 1;
  return { own: operands.slice(0, operands.length - after), codex: operands.slice(operands.length - after) };
}

export function registerResume(program: Command): void {
  const resume = program
    .command('resume')
    .description('Continue a recorded Codex session through the bridge, with the upstream it used.')
    .usage('[options] <id|prefix|--last> [prompt] [-- codex options...]')
    .argument('[id-and-prompt...]', 'a session id (or the start of one), then optionally a prompt')
    .option('--last', 'the newest Codex session recorded in this folder')
    .option('--all', 'with --last: in any folder');
  addUpstreamFlags(resume)
    .option('--port <n>', 'bridge port on 127.0.0.1 (default: a random free port)')
    .option('--verbose', 'log one line per request to stderr (with the TUI, prefer --log-file)')
    .option('--log-file <path>', 'write those lines to this file (mode 0600) instead of stderr');
  addQuirkFlag(resume)
    .addHelpText(
      'after',
      `
The session's provider, upstream, model and key variable are used; flags override them (another
--provider or --upstream replaces all three). Without a prompt Codex opens its TUI
(codex resume <id>); with one it runs codex exec … resume <id> "<prompt>" and prints the answer.
Codex runs in the folder the session ran in, unless -C/--cd is given after --.

Examples:
  codex-bridge resume 01a2b3                       (the id as codex-bridge sessions list shows it)
  codex-bridge resume --last "now fix the lint errors"
  codex-bridge resume 01a2b3 --model deepseek-v4-pro -- -s workspace-write
`,
    )
    .action(async (operands: string[], flags: ResumeFlags, command: Command) => {
      const { own, codex } = splitOperands(operands, (command.parent as (Command & { rawArgs?: string[] }) | null)?.rawArgs ?? []);
      const [first, second, ...extra] = flags.last ? [undefined, ...own] : own;
      if (extra.length > 0) {
        const { UsageError } = await import('../output/usage-error.js');
        throw new UsageError(`too many arguments before --: quote the prompt, and put Codex's options after --`);
      }
      const { resumeSession } = await import('../codex/resume-session.js');
      const exitCode = await resumeSession(first, second, codex, flags);
      process.exit(exitCode);
    });
}
