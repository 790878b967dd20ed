import path from 'node:path';
import { describePathError } from '../output/path-error.js';
import { UsageError } from '../output/usage-error.js';
import type { TrustDecision, TrustStore } from './trust-store.js';

// What `codex-bridge trust list|rm` do (the flags are in src/cli/trust.ts): the folder-trust answers
// the bridge keeps for Codex (trust-store.ts).

export interface TrustCommandDeps {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** stdout (default process.stdout). */
  out?: (text: string) => void;
  /** The store (default: the bridge's trust.json). */
  store?: TrustStore;
}

async function storeOf(deps: TrustCommandDeps): Promise<TrustStore> {
  if (deps.store) return deps.store;
  const { openTrustStore } = await import('./trust-store.js');
  return openTrustStore(deps.env ?? process.env);
}

/** The store's failures as one line and exit 1: a home that cannot be written is named as such. */
async function guard<T>(action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(describePathError(error) ?? (error as Error).message ?? String(error), 1);
  }
}

const printable = (text: string) => text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');

export async function listTrust(deps: TrustCommandDeps, flags: { json?: boolean }): Promise<void> {
  const out = deps.out ?? ((text: string) => void process.stdout.write(text));
  const store = await storeOf(deps);
  const decisions = await guard(() => store.list());
  if (flags.json) {
    out(`${JSON.stringify(decisions, null, 2)}\n`);
    return;
  }
  if (decisions.length === 0) {
    out(`no folder trust answers kept yet (${store.location})\n`);
    return;
  }
  const width = Math.max(...decisions.map((decision) => decision.trustLevel.length));
  out(`${decisions.map((decision) => `${decision.trustLevel.padEnd(width)}  ${decision.decidedAt.slice(0, 10)}  ${printable(decision.path)}`).join('\n')}\n`);
}

/** A path as the argument of a shell command. */
const shellWord = (text: string): string => (/^[\w./@:+,-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`);

/**
 * For each folder inside a repository, the answer kept for the repository's root, which Codex
 * uses there when the folder has none of its own.
 */
async function repositoryAnswers(store: TrustStore, folders: readonly string[]): Promise<Map<string, TrustDecision>> {
  const { repositoryRootForTrust } = await import('./repository-root.js');
  const roots = new Map(folders.map((folder) => [folder, repositoryRootForTrust(folder)]));
  const answers = new Map<string, TrustDecision>();
  if (![...roots].some(([folder, root]) => root !== undefined && root !== folder)) return answers;
  const decisions = await guard(() => store.list());
  for (const [folder, root] of roots) {
    const decision = root !== folder ? decisions.find((kept) => kept.path === root) : undefined;
    if (decision) answers.set(folder, decision);
  }
  return answers;
}

export async function removeTrust(deps: TrustCommandDeps, folders: string[]): Promise<void> {
  const out = deps.out ?? ((text: string) => void process.stdout.write(text));
  const cwd = deps.cwd ?? process.cwd();
  const store = await storeOf(deps);
  // As Codex keys them: absolute, without a trailing slash.
  const paths = folders.map((folder) => path.resolve(cwd, folder));
  const removed = await guard(() => store.remove(paths));
  const missing = paths.filter((folder) => !removed.includes(folder));
  const rootAnswers = await repositoryAnswers(store, paths);
  const rootAnswer = (folder: string, now = ''): string => {
    const answer = rootAnswers.get(folder)!;
    return `Codex ${now}uses the answer for its repository, ${printable(answer.path)}: ${answer.trustLevel}`;
  };
  for (const folder of removed) {
    out(`forgot the trust answer for ${printable(folder)}; ${rootAnswers.has(folder) ? `there ${rootAnswer(folder, 'now ')}` : 'Codex will ask again there'}\n`);
  }
  if (missing.length === 0) return;
  const named = missing.map((folder) => (rootAnswers.has(folder) ? `${printable(folder)} (${rootAnswer(folder)})` : printable(folder))).join(', ');
  const roots = [...new Set(missing.flatMap((folder) => rootAnswers.get(folder)?.path ?? []))];
  const fix = roots.length > 0 ? `codex-bridge trust rm ${roots.map((root) => shellWord(printable(root))).join(' ')} forgets the repository's answer` : 'codex-bridge trust list shows them';
  throw new UsageError(`no trust answer kept for ${named} — ${fix}`, 1);
}
