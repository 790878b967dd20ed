import { Command, CommanderError } from 'commander';
import { registerConfig } from './config.js';
import { registerDoctor } from './doctor.js';
import { registerServe } from './serve.js';
import { registerRun } from './run.js';
import { registerResume } from './resume.js';
import { registerSessions } from './sessions.js';
import { registerTrust } from './trust.js';
import { registerUsage } from './usage.js';
import { errorLine } from '../output/error-line.js';
import { UsageError } from '../output/usage-error.js';

// Each command file registers its flags here and lazy-imports its implementation in the action,
// so `codex-bridge run` does not pay for loading the server before it needs it.
export function buildProgram(): Command {
  const program = new Command('codex-bridge')
    .description('Run OpenAI Codex CLI on any Chat Completions model, through a local Responses API bridge.')
    .version(process.env.npm_package_version ?? '0.1.0')
    .addHelpText(
      'after',
      `
Errors are one line: "codex-bridge: <what happened> — <what to do>".
Exit codes: 0 done, 1 something failed, 2 a usage error; run exits with its command's code.`,
    )
    .exitOverride();
  registerServe(program);
  registerRun(program);
  registerResume(program);
  registerSessions(program);
  registerUsage(program);
  registerTrust(program);
  registerConfig(program);
  registerDoctor(program);
  useOneErrorStyle(program);
  return program;
}

/** `codex-bridge sessions list`, for a command's help pointer. */
function commandPath(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/**
 * Commander's "error: unknown option '--x'\n(Did you mean --y?)" as one line in the bridge's style,
 * pointing at the help of the command it came from (a subcommand's, not the program's).
 */
export function formatCommanderError(text: string, command: string): string {
  const [first, ...rest] = text.trim().split('\n').map((line) => line.trim()).filter(Boolean);
  const what = first.replace(/^error:\s*/, '');
  const hint = rest.map((line) => line.replace(/^\((.*)\)$/, '$1').replace(/^Did you mean/, 'did you mean')).join(' ');
  return `${errorLine(`${what}${hint ? ` (${hint})` : ''} — see \`${command} --help\``)}\n`;
}

function useOneErrorStyle(command: Command): void {
  const path = commandPath(command);
  command.configureOutput({ outputError: (text, write) => write(formatCommanderError(text, path)) });
  for (const sub of command.commands) useOneErrorStyle(sub);
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has already printed its message (or help/version); keep its exit code, 2 for usage.
      process.exitCode = error.exitCode === 0 ? 0 : 2;
      return;
    }
    if (error instanceof UsageError) {
      process.stderr.write(`${errorLine(error.message)}\n`);
      process.exitCode = error.exitCode;
      return;
    }
    // A home variable pointing at a file, a read-only directory, a full disk: the user's to fix.
    const { describePathError } = await import('../output/path-error.js');
    const pathProblem = describePathError(error);
    if (pathProblem) {
      process.stderr.write(`${errorLine(pathProblem)}\n`);
      process.exitCode = 1;
      return;
    }
    throw error;
  }
}
