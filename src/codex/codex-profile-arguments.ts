import { UsageError } from '../output/usage-error.js';

// Codex's global options that take a value (0.169 `codex --help`), so their value is not mistaken
// for the subcommand when looking for it.
const OPTIONS_WITH_VALUE = new Set([
  '-c', '--config', '--enable', '--disable', '--remote', '--remote-auth-token-env', '-i', '--image',
  '-m', '--model', '--local-provider', '-p', '--profile', '-s', '--sandbox', '-C', '--cd', '--add-dir',
  '-a', '--ask-for-approval',
]);

// Subcommands that reject --profile ("--profile only applies to runtime commands…") or that edit
// configuration (`mcp add` would write into the temporary profile, which is deleted afterwards).
// Anything else — no subcommand, a prompt, exec/e, resume, fork, review, … — talks to the model.
const SUBCOMMANDS_WITHOUT_PROFILE = new Set([
  'login', 'logout', 'mcp', 'plugin', 'app-server', 'remote-control', 'completion', 'update', 'doctor',
  'apply', 'a', 'cloud', 'exec-server', 'features', 'help', 'migrate-rollouts', 'migrate-nfs-db', 'sandbox',
]);

/** The first positional argument of a Codex command line and the one after it. */
function positionals(args: readonly string[]): string[] {
  const found: string[] = [];
  for (let i = 0; i < args.length && found.length < 2; i++) {
    const arg = args[i];
    if (arg === '--') break;
    if (arg.startsWith('-')) {
      if (OPTIONS_WITH_VALUE.has(arg)) i++;
      continue;
    }
    found.push(arg);
  }
  return found;
}

function hasProfileOption(args: readonly string[]): boolean {
  for (const arg of args) {
    if (arg === '--') return false;
    if (arg === '-p' || arg === '--profile' || arg.startsWith('--profile=') || /^-p.+/.test(arg)) return true;
  }
  return false;
}

/** Whether this Codex invocation reaches the model, and so should be pointed at the bridge. */
export function codexCommandUsesProfile(args: readonly string[]): boolean {
  const [subcommand, next] = positionals(args);
  if (subcommand === undefined) return true;
  if (subcommand === 'debug') return next === 'prompt-input';
  return !SUBCOMMANDS_WITHOUT_PROFILE.has(subcommand);
}

/**
 * Codex's arguments with `--profile <name>` put first: a global flag, so it goes before the
 * subcommand (`codex --profile p exec resume --last …`). Left unchanged for subcommands that take
 * no profile. A --profile of the user's own cannot be layered with ours, so that is a usage error.
 */
export function withProfileArguments(args: readonly string[], profileName: string): string[] {
  if (!codexCommandUsesProfile(args)) return [...args];
  if (hasProfileOption(args)) {
    throw new UsageError(
      'codex-bridge passes its own --profile to Codex — drop --profile/-p (pass settings with -c key=value instead)',
    );
  }
  return ['--profile', profileName, ...args];
}
