import { titleMatches } from './codex-requests.js';
import type { PendingEntry } from './pending-sessions.js';
import type { SessionDelta, SessionRecord } from './session-records.js';

// The TUI's title request is a thread of its own (codex-requests.ts) that quotes the first prompt of
// the conversation it names. It waits here until that conversation is seen (its first request may
// still be streaming), then counts in it. A `serve` may run for days: after TITLE_WAIT_MS it goes to
// the newest conversation of its folder, and, when closing, at once. With a shared store the
// conversation may have been served by another replica: while titles wait, the Codex conversations
// the store got lately are looked at every second.

/** How long a title request waits for its conversation before it goes to the latest one in its folder. */
export const TITLE_WAIT_MS = 5 * 60_000;

interface WaitingTitle {
  prompt: string;
  entry: PendingEntry;
}

interface Conversation {
  title: string;
  cwd: string | null;
  lastAt: number;
  /** The gateway client it belongs to (serve --tokens): a title request only joins its own client's. */
  clientName?: string;
}

export interface TitlePlacementOptions {
  /** Where a placed title request goes (the pending writes). */
  place: (entry: PendingEntry) => void;
  /** After a timer placed some: time to write. */
  placed: () => void;
  now: () => number;
  /** The sessions written since then by anyone (a shared store), to find conversations served elsewhere. */
  recent?: (sinceMs: number) => Promise<SessionRecord[]>;
}

export class TitlePlacement {
  private waiting: WaitingTitle[] = [];
  /** The Codex conversations this process served (or the store got lately): their first prompt and folder. */
  private readonly conversations = new Map<string, Conversation>();
  private waitTimer: NodeJS.Timeout | undefined;
  private sharedTimer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly options: TitlePlacementOptions) {}

  /** A request of a Codex conversation. */
  noteConversation(delta: SessionDelta): void {
    const seen = this.conversations.get(delta.id);
    this.conversations.set(delta.id, { title: seen?.title || delta.title, cwd: seen?.cwd ?? delta.cwd, lastAt: delta.lastAt, clientName: delta.clientName });
  }

  wait(prompt: string, entry: PendingEntry): void {
    this.waiting.push({ prompt, entry });
  }

  /** Places the title requests whose conversation is known; `all`: every one (closing), `before`: those waiting since then too. */
  settle(settle: { all?: boolean; before?: number } = {}): void {
    const still: WaitingTitle[] = [];
    for (const waiting of this.waiting) {
      const { delta } = waiting.entry;
      const giveUp = settle.all === true || (settle.before !== undefined && delta.lastAt < settle.before);
      // Nobody to give it to: it stays a record of its own rather than lose its usage.
      const id = this.conversationFor(waiting, giveUp) ?? (giveUp ? delta.id : undefined);
      if (id === undefined) still.push(waiting);
      else this.options.place({ ...waiting.entry, delta: { ...delta, id, title: id === delta.id ? delta.title : '', cwd: null } });
    }
    this.waiting = still;
  }

  /** While titles wait: the timers that place them in the end, and that look at the shared store. */
  arm(): void {
    if (this.waiting.length === 0 || this.stopped) return;
    const { recent, now } = this.options;
    if (recent && !this.sharedTimer) {
      this.sharedTimer = setTimeout(() => {
        this.sharedTimer = undefined;
        void this.learn(recent(now() - TITLE_WAIT_MS));
      }, 1_000);
      this.sharedTimer.unref();
    }
    if (!this.waitTimer) {
      this.waitTimer = setTimeout(() => {
        this.waitTimer = undefined;
        this.settle({ before: now() - TITLE_WAIT_MS + 1 });
        this.options.placed();
      }, TITLE_WAIT_MS);
      this.waitTimer.unref();
    }
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.waitTimer);
    clearTimeout(this.sharedTimer);
  }

  private async learn(lately: Promise<SessionRecord[]>): Promise<void> {
    for (const r of await lately.catch(() => [])) {
      if (r.client === 'codex' && !this.conversations.has(r.id)) this.conversations.set(r.id, { title: r.title, cwd: r.cwd, lastAt: Date.parse(r.updatedAt), clientName: r.clientName });
    }
    this.settle();
    this.options.placed();
  }

  /** The conversation a title request belongs to: the newest of its client's that it quotes (else, with `latest`, the newest in its folder, else the newest). */
  private conversationFor(waiting: WaitingTitle, latest: boolean): string | undefined {
    const { cwd, clientName } = waiting.entry.delta;
    const sameClient = [...this.conversations].filter(([, c]) => c.clientName === clientName);
    const sameFolder = sameClient.filter(([, c]) => !cwd || !c.cwd || c.cwd === cwd);
    const newest = (list: typeof sameFolder) => list.sort((a, b) => b[1].lastAt - a[1].lastAt)[0]?.[0];
    const quoted = newest(sameFolder.filter(([, c]) => titleMatches(c.title, waiting.prompt)));
    if (quoted || !latest) return quoted;
    return newest(sameFolder) ?? newest(sameClient);
  }
}
