import { closeSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import path from 'node:path';
import { PROVIDER_ID } from './write-temporary-profile.js';

// Which Codex thread a run worked in, told by Codex's own files, for when no bridge of ours saw its
// requests (`run --gateway`): Codex writes each thread to
// $CODEX_HOME/sessions/YYYY/MM/DD/rollout-<time>-<thread id>.jsonl, whose first line (session_meta)
// names the thread, its folder, its model provider and who started it.

interface SessionMeta {
  id?: unknown;
  cwd?: unknown;
  model_provider?: unknown;
  thread_source?: unknown;
}

/** The first line of a file (up to 1 MB: Codex puts its whole instructions in it). */
function firstLine(file: string): string {
  const fd = openSync(file, 'r');
  try {
    const chunks: Buffer[] = [];
    const buffer = Buffer.alloc(64 * 1024);
    for (let read = 0, total = 0; total < 1024 * 1024 && (read = readSync(fd, buffer, 0, buffer.length, total)) > 0; total += read) {
      const end = buffer.subarray(0, read).indexOf(10);
      chunks.push(Buffer.from(buffer.subarray(0, end < 0 ? read : end)));
      if (end >= 0) break;
    }
    return Buffer.concat(chunks).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/** The day folders Codex may have written into since `sinceMs` (local or UTC dates: either way). */
function dayFolders(sessions: string, sinceMs: number, nowMs: number): string[] {
  const folders = new Set<string>();
  const pad = (n: number) => String(n).padStart(2, '0');
  for (let t = sinceMs - 86_400_000; t <= nowMs + 86_400_000; t += 3_600_000) {
    const at = new Date(t);
    folders.add(path.join(sessions, String(at.getFullYear()), pad(at.getMonth() + 1), pad(at.getDate())));
    folders.add(path.join(sessions, String(at.getUTCFullYear()), pad(at.getUTCMonth() + 1), pad(at.getUTCDate())));
  }
  return [...folders];
}

/**
 * The id of the newest thread Codex wrote since `sinceMs` through the bridge's provider (a user's
 * thread, not a sub-agent's), preferring one in `cwd`; undefined if none (or Codex wrote nothing).
 */
export function latestCodexThread(codexHome: string, sinceMs: number, cwd: string, nowMs = Date.now()): string | undefined {
  const found: Array<{ id: string; mtimeMs: number; here: boolean }> = [];
  for (const folder of dayFolders(path.join(codexHome, 'sessions'), sinceMs, nowMs)) {
    let names: string[];
    try {
      names = readdirSync(folder);
    } catch {
      continue;
    }
    for (const name of names) {
      if (!name.startsWith('rollout-') || !name.endsWith('.jsonl')) continue;
      const file = path.join(folder, name);
      try {
        const { mtimeMs } = statSync(file);
        if (mtimeMs < sinceMs) continue;
        const meta = (JSON.parse(firstLine(file)) as { payload?: SessionMeta }).payload;
        if (typeof meta?.id !== 'string' || meta.model_provider !== PROVIDER_ID || (meta.thread_source ?? 'user') !== 'user') continue;
        found.push({ id: meta.id, mtimeMs, here: meta.cwd === cwd });
      } catch {
        // being written, or not Codex's
      }
    }
  }
  found.sort((a, b) => Number(b.here) - Number(a.here) || b.mtimeMs - a.mtimeMs);
  return found[0]?.id;
}
