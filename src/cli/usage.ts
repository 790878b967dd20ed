import { InvalidArgumentError, type Command } from 'commander';
import { parseAge } from './sessions.js';
import { STORE_FLAG_HELP } from './store-flags.js';
import type { UsageDeps, UsageGrouping } from '../usage/usage-command.js';

// `codex-bridge usage`; what it does is in src/usage/usage-command.ts.

/** "7d", "12h", "2w" (ago), or a day "2026-12-01" (from its local midnight) → epoch ms. */
export function parseSince(value: string, now = Date.now()): { ms: number; label: string } {
  const day = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value.trim());
  if (day) {
    const ms = new Date(Number(day[1]), Number(day[2]) - 1, Number(day[3])).getTime();
    if (!Number.isFinite(ms) || new Date(ms).getDate() !== Number(day[3])) throw new InvalidArgumentError(`"${value}" is not a date`);
    return { ms, label: `since ${value}` };
  }
  try {
    return { ms: now - parseAge(value), label: `in the last ${value.trim()}` };
  } catch {
    throw new InvalidArgumentError(`expected an age such as 12h, 7d or 2w, or a day such as 2026-12-01, got "${value}"`);
  }
}

function parseBy(value: string): UsageGrouping {
  if (value === 'day' || value === 'model' || value === 'session' || value === 'client') return value;
  throw new InvalidArgumentError(`expected day, model, session or client, got "${value}"`);
}

export function registerUsage(program: Command, deps: UsageDeps = {}): void {
  program
    .command('usage')
    .description('Tokens and cost of what went through the bridge, by day, model, session or client.')
    .option('--since <when>', 'only usage since then: 12h, 7d, 2w, or a day such as 2026-12-01', (value: string) => parseSince(value))
    .option('--by <grouping>', 'day (local time), model, session or client (a gateway token\'s name)', parseBy, 'day' as UsageGrouping)
    .option('--json', 'print {by, since, rows, total} as JSON')
    .option('--store <url>', STORE_FLAG_HELP)
    .addHelpText(
      'after',
      `
Tokens are input (cached ones included), cached, output (reasoning included) and reasoning. Each
request is priced in USD when it completes, from the @pydantic/genai-prices database, cached
tokens at the cached rate. A model or an upstream with no known price has no cost (null, "-"),
never a guess. The total is the sum of the rows.

Examples:
  codex-bridge usage --since 7d
  codex-bridge usage --by model --json
  codex-bridge usage --by client --store redis://127.0.0.1:6379/0   (a gateway's usage per token name)`,
    )
    .action(async (flags: { since?: { ms: number; label: string }; by: UsageGrouping; json?: boolean; store?: string }) => {
      const { showUsage } = await import('../usage/usage-command.js');
      await showUsage(deps, { since: flags.since?.ms, sinceLabel: flags.since?.label, by: flags.by, json: flags.json, store: flags.store });
    });
}
