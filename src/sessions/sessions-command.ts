import { UsageError } from '../output/usage-error.js';
import { whyNotResumable } from './resumable.js';
import { shownId, type SessionRecord } from './session-records.js';
import type { SessionsBackend } from './sessions-backend.js';
import { formatAge, formatTokens, formatUsd, oneLine, paint as loadPaint, printable, truncate, wantsColor, columns } from '../output/terminal-format.js';

// What `codex-bridge sessions list|show|rm|prune|clear|path` do (their flags are in
// src/cli/sessions.ts): what was run through the bridge, what it cost, and how to resume it, from
// the sessions backend ($CODEX_BRIDGE_HOME/sessions.json). Its modules load in the actions, so
// other commands don't pay for them.

export interface SessionsCommandDeps {
  env?: NodeJS.ProcessEnv;
  /** stdout (default process.stdout). */
  out?: (text: string) => void;
  /** One-line warnings (default: stderr, "codex-bridge: " prefix). */
  warn?: (line: string) => void;
  /** Terminal width for the table (default: stdout's, else 120). */
  columns?: number;
  /** Colors on (default: wantsColor(env, stdout is a TTY)). */
  color?: boolean;
  now?: () => number;
}

export { formatAge, formatTokens, formatUsd, wantsColor } from '../output/terminal-format.js';

/** What `sessions show` and the end of `run` print to continue a session, or why it cannot be. */
export function resumeCommand(record: SessionRecord, shortId: string = record.id): { command?: string; reason?: string } {
  const reason = whyNotResumable(record);
  return reason ? { reason } : { command: `codex-bridge resume ${shortId}` };
}

/**
 * An id, or a prefix of exactly one id: the id shown, or a gateway client's session as
 * `<client>/<id>`. Exit 1 for none or several.
 */
export function resolveSession(sessions: readonly SessionRecord[], query: string, file: string): SessionRecord {
  const exact = sessions.filter((session) => session.id === query || shownId(session) === query);
  if (exact.length === 1) return exact[0];
  const matches = exact.length > 1 || query === '' ? exact : sessions.filter((session) => session.id.startsWith(query) || shownId(session).startsWith(query));
  if (matches.length === 1) return matches[0];
  if (matches.length === 0) {
    throw new UsageError(`no session "${query}" in ${file} — codex-bridge sessions list shows them`, 1);
  }
  const shown = matches.slice(0, 10).map((session) => `  ${printable(session.id)}  ${truncate(oneLine(session.title) || '(no prompt)', 60)}`);
  if (matches.length > 10) shown.push(`  … and ${matches.length - 10} more`);
  throw new UsageError(`"${query}" matches ${matches.length} sessions — give more of the id:\n${shown.join('\n')}`, 1);
}

export interface SessionsCommandContext {
  env: NodeJS.ProcessEnv;
  out: (text: string) => void;
  warn: (line: string) => void;
  columns: number;
  color: boolean;
  now: number;
  file: string;
  sessions: SessionsBackend;
}

/** `store`: the shared store of `serve` replicas (--store; default $CODEX_BRIDGE_STORE), else sessions.json. Close the backend when done. */
export async function context(deps: SessionsCommandDeps, store?: string): Promise<SessionsCommandContext> {
  const { openStoreBackend } = await import('./open-sessions-backend.js');
  const env = deps.env ?? process.env;
  const stdout = process.stdout;
  const warn = deps.warn ?? ((line: string) => process.stderr.write(`codex-bridge: ${line}\n`));
  const sessions = await openStoreBackend({ env, warn, store });
  return {
    env,
    out: deps.out ?? ((text) => stdout.write(text)),
    warn,
    columns: deps.columns ?? (stdout.isTTY && stdout.columns ? stdout.columns : 120),
    color: deps.color ?? wantsColor(env, Boolean(stdout.isTTY)),
    now: (deps.now ?? Date.now)(),
    file: sessions.location,
    sessions,
  };
}

/** `action` with the context, whose backend is closed after it (a shared store's connection). */
export async function closing(ctx: SessionsCommandContext, action: (ctx: SessionsCommandContext) => Promise<void>): Promise<void> {
  try {
    await action(ctx);
  } finally {
    await ctx.sessions.close?.();
  }
}

/** Turns the backend's failures into one clear line and exit 1. */
async function guard<T>(file: string, action: () => Promise<T>): Promise<T> {
  const { NewerSchemaError } = await import('./sessions-backend.js');
  const { LockTimeoutError } = await import('../storage/file-lock.js');
  const { StoreUnavailableError } = await import('../storage/store-unavailable.js');
  try {
    return await action();
  } catch (error) {
    if (error instanceof UsageError) throw error;
    if (error instanceof NewerSchemaError) throw new UsageError(error.message, 1);
    if (error instanceof StoreUnavailableError) throw new UsageError(`cannot reach ${error.store} (${error.reason}) — check that Redis runs there and this machine reaches it`, 1);
    if (error instanceof LockTimeoutError) throw new UsageError(`${error.message} — try again in a moment`, 1);
    const { describePathError } = await import('../output/path-error.js');
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(describePathError(error) ?? `cannot use ${file}: ${code ?? (error as Error).message ?? error}`, 1);
  }
}

async function readAll(ctx: SessionsCommandContext): Promise<SessionRecord[]> {
  return guard(ctx.file, () => ctx.sessions.list());
}

/** Removes the sessions `select` picks from those there are at that moment (another bridge may be writing). */
async function removeWhere(ctx: SessionsCommandContext, select: (sessions: readonly SessionRecord[]) => Iterable<string>): Promise<{ removed: number; left: number }> {
  return guard(ctx.file, () => ctx.sessions.remove(select));
}

const paint = (ctx: SessionsCommandContext) => loadPaint(ctx.color);

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

export async function list(ctx: SessionsCommandContext, flags: { json?: boolean; limit?: number }): Promise<void> {
  const { publicRecord } = await import('./session-records.js');
  const { costOf } = await import('./session-usage.js');
  const { shortIds } = await import('./short-ids.js');
  const all = await readAll(ctx);
  const short = shortIds(all.map(shownId));
  const sessions = flags.limit ? all.slice(0, flags.limit) : all;
  if (flags.json) {
    ctx.out(`${JSON.stringify(sessions.map((session) => ({ ...publicRecord(session), shortId: short.get(shownId(session)) })), null, 2)}\n`);
    return;
  }
  if (sessions.length === 0) {
    ctx.out(`no sessions recorded yet (${ctx.file})\n`);
    return;
  }
  const c = await paint(ctx);
  let partlyPriced = false;
  const rows = sessions.map((session) => {
    const cost = costOf(session.buckets);
    if (cost.costUsd !== null && cost.unpricedRequests > 0) partlyPriced = true;
    const title = oneLine(session.title);
    return {
      id: printable(short.get(shownId(session))!),
      client: printable(clientNamesOf(session).join(',')) || '-',
      age: formatAge(session.updatedAt, ctx.now),
      model: truncate(oneLine(session.model) || '-', 28),
      requests: String(session.requests),
      tokens: formatTokens(session.usage.inputTokens + session.usage.outputTokens),
      cost: formatUsd(cost.costUsd, cost.unpricedRequests),
      // An API client's session (previous_response_id chains) is no Codex conversation: `resume` cannot continue it.
      title: `${session.client === 'api' ? '[api] ' : ''}${title || '(no prompt)'}`,
      untitled: !title,
    };
  });
  const header = { id: 'ID', client: 'CLIENT', age: 'AGE', model: 'MODEL', requests: 'REQS', tokens: 'TOKENS', cost: 'COST', title: 'TITLE', untitled: false };
  // A gateway's sessions (serve --tokens) say whose they are.
  const named = sessions.some((session) => clientNamesOf(session).length > 0);
  const keys = named ? (['id', 'client', 'age', 'model', 'requests', 'tokens', 'cost', 'title'] as const) : (['id', 'age', 'model', 'requests', 'tokens', 'cost', 'title'] as const);
  const lines = columns(keys, [header, ...rows], {
    right: ['age', 'requests', 'tokens', 'cost'],
    width: ctx.columns,
    style: (row, key, text) => (row === 0 ? c.bold(text) : key === 'title' && rows[row - 1].untitled ? c.dim(text) : text),
  });
  if (partlyPriced) lines.push(c.dim('+ some requests of the session had no known price; the cost is that of the others'));
  ctx.out(`${lines.join('\n')}\n`);
}

export async function show(ctx: SessionsCommandContext, query: string, flags: { json?: boolean }): Promise<void> {
  const { publicRecord } = await import('./session-records.js');
  const { costOf } = await import('./session-usage.js');
  const { shortIds } = await import('./short-ids.js');
  const all = await readAll(ctx);
  const record = resolveSession(all, query, ctx.file);
  const resume = resumeCommand(record, shortIds(all.map(shownId)).get(shownId(record)));
  if (flags.json) {
    ctx.out(`${JSON.stringify({ ...publicRecord(record), resumeCommand: resume.command ?? null }, null, 2)}\n`);
    return;
  }
  const c = await paint(ctx);
  const u = record.usage;
  const n = (value: number) => value.toLocaleString('en-US');
  const cost = costOf(record.buckets);
  const rows: Array<[string, string]> = [
    ['id', printable(shownId(record))],
    ['title', record.title ? record.title.split(/\r?\n/).map(printable).join(`\n${' '.repeat(10)}`) : '(no prompt seen)'],
    ['client', record.client === 'codex' ? 'Codex' : 'an API client (previous_response_id)'],
    ['model', oneLine(record.model) || '-'],
    ['upstream', printable(record.upstreamUrl ?? record.upstream) || '-'],
    ...(record.provider ? [['provider', printable(record.provider)] as [string, string]] : []),
    ...(record.apiKeyEnv ? [['key', `$${printable(record.apiKeyEnv)}`] as [string, string]] : []),
    ['cwd', record.cwd ? printable(record.cwd) : '-'],
    ['created', `${record.createdAt} (${formatAge(record.createdAt, ctx.now)} ago)`],
    ['updated', `${record.updatedAt} (${formatAge(record.updatedAt, ctx.now)} ago)`],
    ['requests', String(record.requests)],
    ['tokens', `${n(u.inputTokens)} in (${n(u.cachedTokens)} cached), ${n(u.outputTokens)} out (${n(u.reasoningTokens)} reasoning)`],
    ['cost', cost.costUsd === null ? 'unknown (no price for its model at its upstream)' : `${formatUsd(cost.costUsd)}${cost.unpricedRequests > 0 ? ` (${cost.unpricedRequests} of its requests had no price)` : ''}`],
    // A gateway's named clients (serve --tokens) who made its requests.
    ...clientsOf(record),
  ];
  const lines = rows.map(([label, value]) => `${c.bold(label.padEnd(9))} ${value}`);
  lines.push('', `${c.bold('resume'.padEnd(9))} ${resume.command ?? resume.reason}`);
  ctx.out(`${lines.join('\n')}\n`);
}

function clientsOf(record: SessionRecord): Array<[string, string]> {
  const names = clientNamesOf(record);
  return names.length > 0 ? [['clients', names.map(printable).join(', ')]] : [];
}

/** The gateway client whose session it is; for a record from before sessions had one, who made its requests. */
function clientNamesOf(record: SessionRecord): string[] {
  if (record.clientName !== undefined) return [record.clientName];
  return [...new Set(record.buckets.map((bucket) => bucket.clientName).filter((name): name is string => name !== undefined))];
}

export async function remove(ctx: SessionsCommandContext, queries: string[]): Promise<void> {
  // All or nothing: one unknown or ambiguous id removes none.
  const result = await removeWhere(ctx, (sessions) => queries.map((query) => resolveSession(sessions, query, ctx.file).id));
  ctx.out(`removed ${plural(result.removed, 'session')}\n`);
}

export async function prune(ctx: SessionsCommandContext, olderThanMs: number, label: string): Promise<void> {
  const cutoff = ctx.now - olderThanMs;
  const result = await removeWhere(ctx, (sessions) => sessions.filter((session) => !(Date.parse(session.updatedAt) >= cutoff)).map((session) => session.id));
  ctx.out(`removed ${plural(result.removed, 'session')} last used more than ${label} ago; ${plural(result.left, 'session')} left\n`);
}

export async function clear(ctx: SessionsCommandContext, flags: { yes?: boolean }): Promise<void> {
  if (!flags.yes) {
    throw new UsageError(`refusing to remove every session without --yes — codex-bridge sessions clear --yes (the file is ${ctx.file})`, 2);
  }
  const result = await removeWhere(ctx, (sessions) => sessions.map((session) => session.id));
  ctx.out(`removed ${plural(result.removed, 'session')}\n`);
}
