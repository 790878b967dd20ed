import { execFile } from 'node:child_process';
import { findCommand } from '../codex/find-command.js';
import { fail, pass, warn, type DoctorCheck } from './types.js';

/** The Codex release the bridge is tested with (test/e2e runs it). */
export const TESTED_CODEX_VERSION = '0.171.0';
const VERSION_TIMEOUT_MS = 10_000;
const INSTALL = 'install the Codex CLI: npm i -g @openai/codex';

export type RunVersion = (file: string, env: NodeJS.ProcessEnv, timeoutMs: number) => Promise<string>;

/** `<file> --version`'s output; rejects on a non-zero exit or after `timeoutMs` (error.killed set). */
export const runVersion: RunVersion = (file, env, timeoutMs) =>
  new Promise((resolve, reject) => {
    execFile(file, ['--version'], { env, timeout: timeoutMs, encoding: 'utf8', windowsHide: true }, (error, stdout, stderr) => {
      if (error) reject(Object.assign(error, { stderr }));
      else resolve(`${stdout}${stderr}`);
    });
  });

/** -1, 0 or 1, comparing dotted numeric versions. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}

/** Codex on PATH, and its version: a warning when older than the tested one. */
export async function checkCodex(
  env: NodeJS.ProcessEnv,
  cwd: string,
  run: RunVersion = runVersion,
  timeoutMs = VERSION_TIMEOUT_MS,
): Promise<DoctorCheck> {
  const file = findCommand('codex', env, cwd);
  if (!file) return fail('codex', 'codex is not on PATH', INSTALL);
  let output: string;
  try {
    output = await run(file, env, timeoutMs);
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { killed?: boolean; signal?: string };
    if (e.killed || e.signal === 'SIGTERM') return fail('codex', `${file} --version did not answer within ${timeoutMs / 1000} s`, `reinstall it (npm i -g @openai/codex), or check that ${file} is the Codex CLI`);
    const reason = e.code !== undefined ? `exit code ${e.code}` : e.message;
    return fail('codex', `${file} --version failed (${reason})`, `reinstall it: npm i -g @openai/codex`);
  }
  const version = /(\d+)\.(\d+)\.(\d+)/.exec(output)?.[0];
  if (!version) return warn('codex', `${file}: cannot tell its version from "${output.trim().split('\n')[0]?.slice(0, 80) ?? ''}"`, `check that ${file} is the Codex CLI (npm i -g @openai/codex)`);
  if (compareVersions(version, TESTED_CODEX_VERSION) < 0) {
    return warn('codex', `${version} (${file}) is older than ${TESTED_CODEX_VERSION}, the version codex-bridge is tested with`, 'update it: npm i -g @openai/codex@latest');
  }
  return pass('codex', `${version} (${file})`);
}
