import { Command, CommanderError } from 'commander';
import { registerConfig } from './config.js';
import { registerDoctor } from './doctor.js';
import { registerServe } from './serve.js';
import { registerRun } from './run.js';
import { registerResume } from './resume.js';
import { registerSessions } from './sessions.js';
import { registerTrust } from './trust.js';
import { registerUsage } from './usage.js';
import { UsageError } from '../output/usage-error.js';

// Each command file registers its flags here and lazy-imports its implementation in the action,
// so `codex-bridge run` does not pay for loading the server before it needs it.
export function buildProgram(): Command {
  const program = new Command('codex-bridge')
    .description('Run OpenAI Codex CLI on any Chat Completions model, through a local Responses API bridge.')
    .version(process.env.npm_package_version ?? '0.1.0')
    .showHelpAfterError('(run codex-bridge --help for usage)')
    .exitOverride();
  registerServe(program);
  registerRun(program);
  registerResume(program);
  registerSessions(program);
  registerUsage(program);
  registerTrust(program);
  registerConfig(program);
  registerDoctor(program);
  return program;
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
      process.stderr.write(`codex-bridge: ${error.message}\n`);
      process.exitCode = error.exitCode;
      return;
    }
    throw error;
  }
}
