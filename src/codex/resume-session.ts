import { existsSync, statSync } from 'node:fs';
import { dimLine } from '../output/dim-line.js';
import { UsageError } from '../output/usage-error.js';
import type { SessionRecord } from '../sessions/session-records.js';
import type { SessionsBackend } from '../sessions/sessions-backend.js';
import { runWithBridge, type RunDependencies, type RunFlags } from './run-with-bridge.js';

// `codex-bridge resume <id|prefix|--last> [prompt] [-- codex args…]`: a recorded Codex session
// continued through the bridge, with the provider, upstream, model and key variable it last used
// (flags override them). Without a prompt, the TUI (`codex resume <id>`); with one,
// `codex exec … resume <id> "<prompt>"`. Codex resumes its own thread, so the bridge records the
// requests under the same session: one session whose counts grow.

export interface ResumeFlags extends RunFlags {
  /** The newest Codex session recorded in this folder (with `all`, anywhere). */
  last?: boolean;
  all?: boolean;
}

export interface ResumeDependencies extends RunDependencies {
  sessions?: SessionsBackend;
  /** What runs Codex (default runWithBridge). */
  run?: typeof runWithBridge;
}

/** Codex's options that choose the working directory: given one, the session's own is not imposed. */
const CWD_OPTIONS = /^(-C|--cd)(=|$)|^-C./;

async function pickSession(sessions: SessionsBackend, query: string | undefined, flags: ResumeFlags, cwd: string): Promise<SessionRecord> {
  const { resolveSession } = await import('../sessions/sessions-command.js');
  let all: SessionRecord[];
  try {
    all = await sessions.list();
  } catch (error) {
    const { describePathError } = await import('../output/path-error.js');
    throw new UsageError(describePathError(error) ?? `cannot read the sessions (${(error as Error).message}) — codex-bridge doctor says why`, 1);
  }
  if (flags.last) {
    const codex = all.filter((session) => session.client === 'codex');
    const found = flags.all ? codex[0] : codex.find((session) => session.cwd === cwd);
    if (found) return found;
    const where = flags.all ? '' : ` in ${cwd} (--all looks everywhere)`;
    throw new UsageError(`no Codex session recorded${where} — codex-bridge sessions list shows them`, 1);
  }
  if (!query) throw new UsageError('no session given — pass an id (or the start of one) or --last; codex-bridge sessions list shows them');
  return resolveSession(all, query, sessions.location);
}

/**
 * The flags to run with: the session's recorded setting, overridden by the flags given. Naming
 * another provider or upstream drops the recorded one whole (its model and key variable belong to it).
 */
export function resumeFlags(record: SessionRecord, flags: ResumeFlags): RunFlags {
  const { last: _last, all: _all, ...run } = flags;
  if (flags.provider || flags.upstream) return run;
  return {
    ...run,
    provider: record.provider,
    upstream: record.upstreamUrl,
    model: flags.model ?? (record.model || undefined),
    apiKeyEnv: flags.apiKeyEnv ?? record.apiKeyEnv,
  };
}

export async function resumeSession(
  query: string | undefined,
  prompt: string | undefined,
  codexArgs: readonly string[],
  flags: ResumeFlags,
  deps: ResumeDependencies = {},
): Promise<number> {
  const env = deps.env ?? process.env;
  const here = deps.cwd ?? process.cwd();
  const { openSessionsBackend } = await import('../sessions/open-sessions-backend.js');
  const { whyNotResumable } = await import('../sessions/resumable.js');
  const sessions = deps.sessions ?? openSessionsBackend({ env });
  const record = await pickSession(sessions, query, flags, here);
  const reason = whyNotResumable(record, Boolean(flags.provider || flags.upstream));
  if (reason) throw new UsageError(reason, 1);

  // Codex continues a thread where it was: in the session's folder, unless told otherwise.
  let cwd = here;
  if (record.cwd && record.cwd !== here && !codexArgs.some((arg) => CWD_OPTIONS.test(arg)) && existsSync(record.cwd) && statSync(record.cwd).isDirectory()) {
    cwd = record.cwd;
    process.stderr.write(`${await dimLine(`codex-bridge: resuming in ${record.cwd}, where the session ran`, env)}\n`);
  }
  // Codex's thread id: a gateway client's session is kept under its name too (shownId).
  const { shownId } = await import('../sessions/session-records.js');
  const thread = shownId(record);
  const command = prompt === undefined ? ['codex', ...codexArgs, 'resume', thread] : ['codex', 'exec', ...codexArgs, 'resume', thread, prompt];
  return (deps.run ?? runWithBridge)(command, resumeFlags(record, flags), { ...deps, cwd });
}
