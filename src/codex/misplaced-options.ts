import { UsageError } from '../output/usage-error.js';
import { isCodexCommand } from './find-command.js';

// `codex-bridge run codex --provider ollama`: everything after the command is the command's (so
// that `run -- codex exec -s …` works), so --provider went to Codex, which has no such option, and
// the bridge had none. Said as such, with the command line that works, instead of "no upstream
// given" or Codex's "unexpected argument".

/** `run`'s own options, and whether each takes a value. Codex has none of them. */
const BRIDGE_ONLY: Record<string, boolean> = {
  '--provider': true,
  '--upstream': true,
  '--api-key-env': true,
  '--port': true,
  '--log-file': true,
  '--quirk': true,
  '--upstream-timeout': true,
  '--verbose': false,
};
/** Options of `run` that Codex (or another command) may well have too: only suspect when the run fails. */
const SHARED: Record<string, boolean> = { '--model': true };

interface Misplaced {
  /** The options as they were given, with their values. */
  words: string[];
  /** The command without them. */
  rest: string[];
}

function findMisplaced(command: readonly string[], known: Record<string, boolean>): Misplaced | undefined {
  const [program, ...args] = command;
  const words: string[] = [];
  const rest = [program];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--') {
      rest.push(...args.slice(i));
      break;
    }
    const name = arg.split('=')[0];
    if (name in known) {
      const takesValue = known[name] && !arg.includes('=') && i + 1 < args.length;
      words.push(...(takesValue ? [arg, args[++i]] : [arg]));
    } else rest.push(arg);
  }
  return words.length > 0 ? { words, rest } : undefined;
}

const quote = (word: string): string => (/^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`);

function misplacedError(found: Misplaced): UsageError {
  return new UsageError(
    `options after the command are passed to it (${found.words.join(' ')}) — put bridge options before \`--\`: codex-bridge run ${found.words.map(quote).join(' ')} -- ${found.rest.map(quote).join(' ')}`,
  );
}

/** Before anything starts: Codex was given options only the bridge has. */
export function checkForMisplacedOptions(command: readonly string[]): void {
  if (command.length === 0 || !isCodexCommand(command[0])) return;
  const found = findMisplaced(command, BRIDGE_ONLY);
  if (found) throw misplacedError(found);
}

/**
 * For a run that could not start (no upstream, no model, no key): if the bridge's options were
 * placed after the command, that is the problem to report.
 */
export function misplacedOptionsInstead(command: readonly string[]): (error: unknown) => never {
  return (error) => {
    if (error instanceof UsageError && command.length > 0) {
      const found = findMisplaced(command, { ...BRIDGE_ONLY, ...SHARED });
      if (found) throw misplacedError(found);
    }
    throw error;
  };
}
