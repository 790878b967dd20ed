// Shared by the fault and security end-to-end tests: the real Codex through `codex-bridge run`
// against the strict mock upstream, and a few /proc helpers (Linux) to look at the processes a run
// started.
import { readdirSync, readFileSync } from 'node:fs';
import type { ChatMessage, ChatRequest } from '../../src/translate/types.js';
import type { MockUpstream } from '../helpers/mock-upstream.js';
import { runBridge, type Sandbox } from './sandbox.js';

/** `codex-bridge run … -- codex exec --skip-git-repo-check -s danger-full-access <prompt>` */
export function codexExec(
  s: Sandbox,
  upstreamUrl: string,
  prompt: string,
  options: { key?: string; bridgeArgs?: string[]; codexArgs?: string[]; env?: NodeJS.ProcessEnv; timeout?: number } = {},
) {
  const keyArgs = options.key === undefined ? [] : ['--api-key-env', 'MOCK_KEY'];
  return runBridge(
    s,
    [
      'run',
      '--upstream',
      upstreamUrl,
      '--model',
      'mock-model',
      ...keyArgs,
      ...(options.bridgeArgs ?? []),
      '--',
      'codex',
      'exec',
      '--skip-git-repo-check',
      '-s',
      'danger-full-access',
      ...(options.codexArgs ?? []),
      prompt,
    ],
    { env: s.env({ ...(options.key === undefined ? {} : { MOCK_KEY: options.key }), ...options.env }), timeout: options.timeout },
  );
}

/** A chat message's text, whatever shape its content has. */
export const messageText = (m: ChatMessage): string =>
  typeof m.content === 'string' ? m.content : Array.isArray(m.content) ? m.content.map((p) => ('text' in p ? p.text : '')).join('') : '';

/** How many tool results the conversation sent so far carries. */
export const toolResults = (req: ChatRequest): number => req.messages.filter((m) => m.role === 'tool').length;

/** The tool results' texts, oldest first. */
export const toolOutputs = (req: ChatRequest): string[] => req.messages.filter((m) => m.role === 'tool').map(messageText);

export const shell = (cmd: string) => ({ name: 'exec_command', arguments: JSON.stringify({ cmd }) });

/** Requests the mock refused as malformed (a translation bug), as readable strings. */
export const refusals = (m: MockUpstream): string[] =>
  m.requests.filter((r) => r.rejection !== undefined).map((r) => `${r.status}: ${r.rejection}`);

export function livePids(): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number);
}

/** A process's command line (NUL-separated arguments), or undefined once it is gone. */
export function readProc(pid: number, file: 'cmdline' | 'environ'): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch {
    return undefined;
  }
}

/** Pids of live processes whose command line mentions `needle`. */
export function processesMentioning(needle: string): number[] {
  return livePids().filter((pid) => readProc(pid, 'cmdline')?.includes(needle));
}

/** The parent pid of a live process, from /proc/<pid>/stat. */
export function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) state ppid …": comm may contain spaces and parentheses; the last ')' ends it.
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

export async function waitFor(condition: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** SIGKILL whatever is still alive of `pids` (cleanup after a test that failed midway). */
export function killAll(pids: Iterable<number>): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}
