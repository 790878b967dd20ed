import { UsageError } from '../output/usage-error.js';
import type { SessionRecord } from './session-records.js';
import type { SessionsBackend } from './sessions-backend.js';

// What `codex-bridge sessions list|show|rm|prune|clear|path` do (their flags are in src/cli/sessions.ts): what was run through the bridge, what it
// cost, and how to resume it, from the sessions backend ($CODEX_BRIDGE_HOME/sessions.json). Its
// modules load in the actions, so other commands don't pay for them.

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

/** "5s", "5m", "2h", "3d" since `iso`. */
export function formatAge(iso: string, now: number): string {
  const seconds = Math.max(0, Math.floor((now - Date.parse(iso)) / 1000));
  if (!Number.isFinite(seconds)) return '?';
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3_600) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3_600)}h`;
  return `${Math.floor(seconds / 86_400)}d`;
}

export function formatTokens(tokens: number): string {
  if (tokens < 1_000) return String(tokens);
  if (tokens < 100_000) return `${(tokens / 1_000).toFixed(1).replace(/\.0$/, '')}k`;
  if (tokens < 1_000_000) return `${Math.round(tokens / 1_000)}k`;
  return `${(tokens / 1_000_000).toFixed(1).replace(/\.0$/, '')}M`;
}

/** Whitespace runs to one space, control characters (a stray ESC would drive the terminal) to "?". */
const oneLine = (text: string) => printable(text.replace(/\s+/g, ' ').trim());
const printable = (text: string) => text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');

function truncate(text: string, width: number): string {
  const chars = [...text];
  if (chars.length <= width) return text;
  return width <= 1 ? '…'.slice(0, width) : `${chars.slice(0, width - 1).join('')}…`;
}

/** Shell-quotes a word if it needs it. */
function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

const CODEX_THREAD_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function isLoopback(host: string): boolean {
  const name = host.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  return name === 'localhost' || name === '::1' || name.startsWith('127.');
}

export interface ResumeHint {
  /** The command to paste (for Codex sessions), with <VAR> for the key's variable if unknown. */
  command?: string;
  /** What to fill in, or how else to continue. */
  note: string;
}

/**
 * How to resume a session. The file keeps only the upstream's host; if CODEX_BRIDGE_UPSTREAM points
 * at that host, its full URL is used, and CODEX_BRIDGE_API_KEY_ENV names the key variable.
 */
export function resumeHint(record: SessionRecord, env: NodeJS.ProcessEnv): ResumeHint {
  if (!CODEX_THREAD_ID.test(record.id)) {
    const last = record.store?.responses.at(-1)?.id;
    return {
      note: last
        ? `not a Codex session: a Responses client continues it by sending previous_response_id "${last}" to a bridge started with the same home`
        : 'not a Codex session, and no previous_response_id chain of it is saved',
    };
  }
  let upstream: string | undefined;
  let missing: string[] = [];
  try {
    if (env.CODEX_BRIDGE_UPSTREAM && new URL(env.CODEX_BRIDGE_UPSTREAM).host === record.upstream) upstream = shellWord(env.CODEX_BRIDGE_UPSTREAM);
  } catch {
    // not a URL: ignore it
  }
  if (!upstream) {
    // A placeholder to complete, so not quoted.
    upstream = `${isLoopback(record.upstream) ? 'http' : 'https'}://${record.upstream || '<host>'}/…`;
    missing.push('the rest of the upstream URL (only its host is saved)');
  }
  const keyVariable = env.CODEX_BRIDGE_API_KEY_ENV || '<VAR>';
  if (!env.CODEX_BRIDGE_API_KEY_ENV) missing.push('the name of the variable that holds your key in place of <VAR>');
  // A model name with control characters can't be pasted (nor printed) safely: leave a placeholder.
  const usableModel = record.model && !/[\u0000-\u001f\u007f-\u009f]/.test(record.model) ? record.model : '';
  const model = usableModel || '<model>';
  if (!usableModel) missing.push('the model');
  const command = [
    'codex-bridge run --upstream',
    upstream,
    '--model',
    usableModel ? shellWord(model) : model,
    '--api-key-env',
    keyVariable === '<VAR>' ? keyVariable : shellWord(keyVariable),
    '-- codex resume',
    shellWord(record.id),
  ].join(' ');
  const where = record.cwd ? `run it in ${record.cwd}` : '';
  missing = missing.length > 0 ? [`fill in ${missing.join(', and ')}`] : [];
  return { command, note: [where, ...missing].filter(Boolean).join('; ') };
}

/** An id, or a prefix of exactly one id. Exit 1 for none or several. */
export function resolveSession(sessions: readonly SessionRecord[], query: string, file: string): SessionRecord {
  const exact = sessions.find((session) => session.id === query);
  if (exact) return exact;
  const matches = query === '' ? [] : sessions.filter((session) => session.id.startsWith(query));
  if (matches.length === 1) return matches[0];
  if (matches.length === 0) {
    throw new UsageError(`no session "${query}" in ${file} (codex-bridge sessions list shows them)`, 1);
  }
  const shown = matches.slice(0, 10).map((session) => `  ${printable(session.id)}  ${truncate(oneLine(session.title) || '(no prompt)', 60)}`);
  if (matches.length > 10) shown.push(`  … and ${matches.length - 10} more`);
  throw new UsageError(`"${query}" matches ${matches.length} sessions; give more of the id:\n${shown.join('\n')}`, 1);
}

/**
 * Colors on a terminal; NO_COLOR (any non-empty value, https://no-color.org) always turns them off
 * (chalk 5 itself does not read it); FORCE_COLOR turns them on in a pipe, FORCE_COLOR=0 off.
 */
export function wantsColor(env: NodeJS.ProcessEnv, isTTY: boolean): boolean {
  if (env.NO_COLOR) return false;
  if (env.FORCE_COLOR !== undefined) return env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false';
  return isTTY && env.TERM !== 'dumb';
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

export async function context(deps: SessionsCommandDeps): Promise<SessionsCommandContext> {
  const { openSessionsBackend } = await import('./open-sessions-backend.js');
  const env = deps.env ?? process.env;
  const stdout = process.stdout;
  const warn = deps.warn ?? ((line: string) => process.stderr.write(`codex-bridge: ${line}\n`));
  const sessions = openSessionsBackend({ env, warn });
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

/** Turns the backend's failures into one clear line and exit 1. */
async function guard<T>(file: string, action: () => Promise<T>): Promise<T> {
  const { NewerSchemaError } = await import('./sessions-backend.js');
  const { LockTimeoutError } = await import('./file-lock.js');
  try {
    return await action();
  } catch (error) {
    if (error instanceof UsageError) throw error;
    if (error instanceof NewerSchemaError) throw new UsageError(error.message, 1);
    if (error instanceof LockTimeoutError) throw new UsageError(`${error.message}; try again in a moment`, 1);
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(`cannot use ${file}: ${code ?? (error as Error).message ?? error}`, 1);
  }
}

async function readAll(ctx: SessionsCommandContext): Promise<SessionRecord[]> {
  return guard(ctx.file, () => ctx.sessions.list());
}

/** Removes the sessions `select` picks from those there are at that moment (another bridge may be writing). */
async function removeWhere(ctx: SessionsCommandContext, select: (sessions: readonly SessionRecord[]) => Iterable<string>): Promise<{ removed: number; left: number }> {
  return guard(ctx.file, () => ctx.sessions.remove(select));
}

async function paint(ctx: SessionsCommandContext) {
  const { Chalk } = await import('chalk');
  return new Chalk({ level: ctx.color ? 1 : 0 });
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

export async function list(ctx: SessionsCommandContext, flags: { json?: boolean; limit?: number }): Promise<void> {
  const { publicRecord } = await import('./session-records.js');
  const all = await readAll(ctx);
  const sessions = flags.limit ? all.slice(0, flags.limit) : all;
  if (flags.json) {
    ctx.out(`${JSON.stringify(sessions.map(publicRecord), null, 2)}\n`);
    return;
  }
  if (sessions.length === 0) {
    ctx.out(`no sessions recorded yet (${ctx.file})\n`);
    return;
  }
  const c = await paint(ctx);
  const rows = sessions.map((session) => ({
    id: printable(session.id),
    age: formatAge(session.updatedAt, ctx.now),
    model: truncate(oneLine(session.model) || '-', 28),
    requests: String(session.requests),
    tokens: formatTokens(session.usage.inputTokens + session.usage.outputTokens),
    title: oneLine(session.title),
  }));
  const header = { id: 'ID', age: 'AGE', model: 'MODEL', requests: 'REQS', tokens: 'TOKENS', title: 'TITLE' };
  const width = (key: keyof typeof header) => Math.max(header[key].length, ...rows.map((row) => [...row[key]].length));
  const widths = { id: width('id'), age: width('age'), model: width('model'), requests: width('requests'), tokens: width('tokens') };
  const pad = (text: string, n: number, right = false) => (right ? text.padStart(n) : text.padEnd(n));
  const prefixWidth = widths.id + widths.age + widths.model + widths.requests + widths.tokens + 2 * 5;
  const titleWidth = Math.max(10, ctx.columns - prefixWidth);
  const line = (row: typeof header, style: (s: string) => string = (s) => s, dimTitle = false) =>
    [
      style(pad(row.id, widths.id)),
      style(pad(row.age, widths.age, true)),
      style(pad(row.model, widths.model)),
      style(pad(row.requests, widths.requests, true)),
      style(pad(row.tokens, widths.tokens, true)),
      dimTitle ? c.dim(truncate(row.title, titleWidth)) : style(truncate(row.title, titleWidth)),
    ].join('  ');
  const out = [line(header, c.bold)];
  for (const row of rows) out.push(row.title ? line(row) : line({ ...row, title: '(no prompt)' }, undefined, true));
  ctx.out(`${out.map((text) => text.trimEnd()).join('\n')}\n`);
}

export async function show(ctx: SessionsCommandContext, query: string, flags: { json?: boolean }): Promise<void> {
  const { publicRecord } = await import('./session-records.js');
  const record = resolveSession(await readAll(ctx), query, ctx.file);
  const hint = resumeHint(record, ctx.env);
  if (flags.json) {
    ctx.out(`${JSON.stringify({ ...publicRecord(record), resumeCommand: hint.command ?? null }, null, 2)}\n`);
    return;
  }
  const c = await paint(ctx);
  const u = record.usage;
  const n = (value: number) => value.toLocaleString('en-US');
  const rows: Array<[string, string]> = [
    ['id', printable(record.id)],
    ['title', record.title ? record.title.split(/\r?\n/).map(printable).join(`\n${' '.repeat(10)}`) : '(no prompt seen)'],
    ['model', oneLine(record.model) || '-'],
    ['upstream', printable(record.upstream) || '-'],
    ['cwd', record.cwd ? printable(record.cwd) : '-'],
    ['created', `${record.createdAt} (${formatAge(record.createdAt, ctx.now)} ago)`],
    ['updated', `${record.updatedAt} (${formatAge(record.updatedAt, ctx.now)} ago)`],
    ['requests', String(record.requests)],
    ['tokens', `${n(u.inputTokens)} in (${n(u.cachedTokens)} cached), ${n(u.outputTokens)} out (${n(u.reasoningTokens)} reasoning)`],
  ];
  const lines = rows.map(([label, value]) => `${c.bold(label.padEnd(9))} ${value}`);
  lines.push('');
  if (hint.command) {
    lines.push(c.bold('resume:'), `  ${hint.command}`);
    if (hint.note) lines.push(c.dim(`  (${hint.note})`));
  } else {
    lines.push(`${c.bold('resume:')} ${hint.note}`);
  }
  ctx.out(`${lines.join('\n')}\n`);
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
    throw new UsageError(`refusing to remove every session without --yes: codex-bridge sessions clear --yes (the file is ${ctx.file})`, 2);
  }
  const result = await removeWhere(ctx, (sessions) => sessions.map((session) => session.id));
  ctx.out(`removed ${plural(result.removed, 'session')}\n`);
}
