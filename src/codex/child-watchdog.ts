import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

// Run by launch-child.ts as a process of its own, beside the command `run` started:
//
//   node child-watchdog.js <pid>        stdin: a pipe from the bridge
//
// The bridge writes to the pipe once the command has exited. If the pipe closes without a word, the
// bridge died without cleaning up (kill -9, a crash): the command and every process it started are
// ended (SIGTERM, then SIGKILL for whatever is left after GRACE_MS, process groups they lead
// included), so that Codex does not go on calling a port that nobody serves, or that someone else
// took. It is started detached, in a session of its own: Ctrl-C and a closed terminal reach the
// bridge, which passes them on, and never this. A plain pipe works on every POSIX system, which a
// parent-death signal (Linux's prctl) does not, and it ends grandchildren too.

/** How long the command gets to exit on SIGTERM (Codex restores the terminal: it takes ~0.1 s) before SIGKILL. */
const GRACE_MS = 500;

interface ProcessEntry {
  pid: number;
  ppid: number;
  pgid: number;
  /** When it started (Linux: clock ticks since boot), to tell a reused pid; '' where unknown. */
  started: string;
  zombie: boolean;
}

/** One process, from /proc/<pid>/stat (Linux); undefined once it is gone. */
function procEntry(pid: number): ProcessEntry | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) state ppid pgrp … starttime(22nd) …": comm may hold spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { pid, ppid: Number(fields[1]), pgid: Number(fields[2]), started: fields[19] ?? '', zombie: fields[0] === 'Z' };
  } catch {
    return undefined;
  }
}

/** Every process: /proc on Linux (no ps needed), else ps. */
function processTable(): Map<number, ProcessEntry> {
  const table = new Map<number, ProcessEntry>();
  if (process.platform === 'linux') {
    for (const name of readdirSync('/proc')) {
      const entry = /^\d+$/.test(name) ? procEntry(Number(name)) : undefined;
      if (entry) table.set(entry.pid, entry);
    }
    return table;
  }
  for (const line of execFileSync('ps', ['-A', '-o', 'pid=', '-o', 'ppid=', '-o', 'pgid=', '-o', 'stat='], { encoding: 'utf8' }).split('\n')) {
    const [pid, ppid, pgid, state] = line.trim().split(/\s+/);
    if (pid) table.set(Number(pid), { pid: Number(pid), ppid: Number(ppid), pgid: Number(pgid), started: '', zombie: state?.startsWith('Z') ?? false });
  }
  return table;
}

/** `roots` and all their descendants, as the table has them. */
function withDescendants(roots: Iterable<number>, table: Map<number, ProcessEntry>): Set<number> {
  const found = new Set([...roots].filter((pid) => table.has(pid)));
  for (let grew = true; grew; ) {
    grew = false;
    for (const entry of table.values()) {
      if (!found.has(entry.pid) && found.has(entry.ppid)) {
        found.add(entry.pid);
        grew = true;
      }
    }
  }
  return found;
}

function signal(pids: Set<number>, table: Map<number, ProcessEntry>, name: NodeJS.Signals): void {
  for (const pid of pids) {
    // A process group one of them leads (Codex runs each tool in a session of its own) goes whole.
    const targets = table.get(pid)?.pgid === pid ? [-pid, pid] : [pid];
    for (const target of targets) {
      try {
        process.kill(target, name);
      } catch {
        // gone already
      }
    }
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function endTree(root: number, started: string | undefined): Promise<void> {
  let table = processTable();
  // The command ended and its pid went to another process: nothing of ours is left to end.
  if (!table.has(root) || (started !== undefined && table.get(root)!.started !== started)) return;
  const tree = withDescendants([root], table);
  signal(tree, table, 'SIGTERM');
  const living = () => [...tree].filter((pid) => table.has(pid) && !table.get(pid)!.zombie);
  for (const deadline = Date.now() + GRACE_MS; Date.now() < deadline; ) {
    await sleep(50);
    table = processTable();
    if (living().length === 0) return;
  }
  // What is left, and whatever it started meanwhile.
  const rest = withDescendants(living(), table);
  signal(rest, table, 'SIGKILL');
}

function main(): void {
  const root = Number(process.argv[2]);
  if (!Number.isInteger(root) || root <= 1) process.exit(2);
  const started = process.platform === 'linux' ? procEntry(root)?.started : undefined;
  // Already over (a quick command): nothing to watch, and its pid may soon be another's.
  if (process.platform === 'linux' && started === undefined) process.exit(0);
  const bridgeGone = () => void endTree(root, started).finally(() => process.exit(0));
  process.stdin.once('data', () => process.exit(0));
  process.stdin.once('end', bridgeGone);
  process.stdin.once('error', bridgeGone);
}

main();
