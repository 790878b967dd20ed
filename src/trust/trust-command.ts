import path from 'node:path';
import { describePathError } from '../output/path-error.js';
import { UsageError } from '../output/usage-error.js';
import type { TrustStore } from './trust-store.js';

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

export async function removeTrust(deps: TrustCommandDeps, folders: string[]): Promise<void> {
  const out = deps.out ?? ((text: string) => void process.stdout.write(text));
  const cwd = deps.cwd ?? process.cwd();
  const store = await storeOf(deps);
  // As Codex keys them: absolute, without a trailing slash.
  const paths = folders.map((folder) => path.resolve(cwd, folder));
  const removed = await guard(() => store.remove(paths));
  const missing = paths.filter((folder) => !removed.includes(folder));
  if (removed.length > 0) out(`forgot the trust answer for ${removed.map(printable).join(', ')}; Codex will ask again there\n`);
  if (missing.length > 0) throw new UsageError(`no trust answer kept for ${missing.map(printable).join(', ')} — codex-bridge trust list shows them`, 1);
}
