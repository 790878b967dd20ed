import { InvalidArgumentError, type Command } from 'commander';
import type { SessionsCommandDeps } from '../sessions/sessions-command.js';
import { STORE_FLAG_HELP } from './store-flags.js';

// `codex-bridge sessions` and its subcommands; what each does is in src/sessions/sessions-command.ts.

async function command() {
  return import('../sessions/sessions-command.js');
}

const UNITS_MS = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;

/** "30d" → ms. Minutes, hours, days, weeks. */
export function parseAge(value: string): number {
  const match = /^(\d+)\s*([mhdw])$/.exec(value.trim());
  if (!match || Number(match[1]) <= 0) {
    throw new InvalidArgumentError(`expected a positive age such as 90m, 12h, 30d or 2w, got "${value}"`);
  }
  return Number(match[1]) * UNITS_MS[match[2] as keyof typeof UNITS_MS];
}

function parseLimit(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError(`expected a positive integer, got "${value}"`);
  return Number(value);
}

export function registerSessions(program: Command, deps: SessionsCommandDeps = {}): void {
  const sessions = program
    .command('sessions')
    .description('What was run through the bridge: list, show (with the command to resume), rm, prune, clear, path.')
    .addHelpText(
      'after',
      `
Sessions are kept in $CODEX_BRIDGE_HOME/sessions.json (default: the platform config directory),
one per conversation (Codex's "session id"; its title and compaction requests count toward it),
with the first prompt, model, upstream, key variable name, working directory, request count,
tokens and cost. The upstream key and the bridge token are never stored. Ids are shown by their
shortest unique prefix, which show, rm and codex-bridge resume accept. [api] marks an API
client's session, which Codex cannot resume.

With --store redis://… (or CODEX_BRIDGE_STORE), the sessions of serve replicas sharing that store.

Examples:
  codex-bridge sessions list --limit 10
  codex-bridge sessions show 01a2b3c       (the id as the list shows it)
  codex-bridge resume 01a2b3c              (continue it)
  codex-bridge sessions prune --older-than 30d`,
    );

  sessions
    .command('list')
    .alias('ls')
    .description('the sessions, newest first: id, age, model, requests, tokens, cost, title')
    .option('--json', 'print the records as a JSON array')
    .option('--limit <n>', 'only the newest n', parseLimit)
    .option('--store <url>', STORE_FLAG_HELP)
    .action(async (flags: { json?: boolean; limit?: number; store?: string }) => {
      const { context, list, closing } = await command();
      await closing(await context(deps, flags.store), (ctx) => list(ctx, flags));
    });

  sessions
    .command('show')
    .description('one session in detail, and the command to resume it (codex-bridge resume <id>)')
    .argument('<id>', 'a session id, or a unique prefix of one')
    .option('--json', 'print the record (and resumeCommand) as JSON')
    .option('--store <url>', STORE_FLAG_HELP)
    .action(async (id: string, flags: { json?: boolean; store?: string }) => {
      const { context, show, closing } = await command();
      await closing(await context(deps, flags.store), (ctx) => show(ctx, id, flags));
    });

  sessions
    .command('rm')
    .description('remove sessions (ids or unique prefixes; none is removed if one does not match)')
    .argument('<id...>', 'session ids')
    .option('--store <url>', STORE_FLAG_HELP)
    .action(async (ids: string[], flags: { store?: string }) => {
      const { context, remove, closing } = await command();
      await closing(await context(deps, flags.store), (ctx) => remove(ctx, ids));
    });

  sessions
    .command('prune')
    .description('remove the sessions not used for a while')
    .requiredOption('--older-than <age>', 'last used longer ago than this: 90m, 12h, 30d, 2w', (value: string) => ({ ms: parseAge(value), label: value.trim() }))
    .option('--store <url>', STORE_FLAG_HELP)
    .action(async (flags: { olderThan: { ms: number; label: string }; store?: string }) => {
      const { context, prune, closing } = await command();
      await closing(await context(deps, flags.store), (ctx) => prune(ctx, flags.olderThan.ms, flags.olderThan.label));
    });

  sessions
    .command('clear')
    .description('remove every session (needs --yes)')
    .option('--yes', 'really remove them all')
    .option('--store <url>', STORE_FLAG_HELP)
    .action(async (flags: { yes?: boolean; store?: string }) => {
      const { context, clear, closing } = await command();
      await closing(await context(deps, flags.store), (ctx) => clear(ctx, flags));
    });

  sessions
    .command('path')
    .description('print where the sessions file is (or the shared store, with --store)')
    .option('--store <url>', STORE_FLAG_HELP)
    .action(async (flags: { store?: string }) => {
      const { context, closing } = await command();
      await closing(await context(deps, flags.store), async (ctx) => ctx.out(`${ctx.file}\n`));
    });
}
