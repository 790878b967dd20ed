import { LockTimeoutError } from '../storage/file-lock.js';
import type { Batch, PendingSessions } from './pending-sessions.js';
import { changesOf } from './pending-sessions.js';
import { notSavedMessage } from './not-saved.js';
import { NewerSchemaError, type SessionsBackend } from './sessions-backend.js';

// The recorder's writes: what is pending goes to the backend as one batch a short delay after the
// first change (requests only touch memory), one write at a time. A failed write puts its batch
// back and is tried again in 1 s, doubling up to 30 s while it keeps failing, with one warning per
// kind of trouble: the bridge goes on serving. A newer codex-bridge's file stops the writes for good.
// close() is the last write, and says what it could not save.

const FIRST_RETRY_MS = 1_000;
const LAST_RETRY_MS = 30_000;

export interface FlushLoopOptions {
  backend: SessionsBackend;
  pending: PendingSessions;
  /** How long changes wait to be written together. */
  delayMs: number;
  /** Just before a batch is taken (title requests whose wait is over join it). */
  beforeWrite: () => void;
  /** Each kind of trouble is told once. */
  warnOnce: (kind: string, line: string) => void;
}

export class FlushLoop {
  /** The batch being written. */
  inflight: Batch | undefined;
  /** Nothing is written any more (a newer codex-bridge's file). */
  disabled = false;
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private nextRetryMs: number | undefined;
  private closed = false;
  /** Why the last write failed, if it did. */
  private failure: unknown;

  constructor(private readonly options: FlushLoopOptions) {}

  /** Writes what is pending after `delay` (unless a write is due or under way already). */
  schedule(delay = this.options.delayMs): void {
    if (this.disabled || this.closed || this.timer || this.flushing || this.options.pending.size === 0) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, delay);
    this.timer.unref();
  }

  /** Writes what is pending now, after the write under way. */
  async flush(): Promise<void> {
    if (this.flushing) {
      await this.flushing;
      return this.flush();
    }
    clearTimeout(this.timer);
    this.timer = undefined;
    this.options.beforeWrite();
    if (this.disabled || this.options.pending.size === 0) return;
    this.flushing = this.write(this.options.pending.take());
    try {
      await this.flushing;
    } finally {
      this.flushing = undefined;
      if (this.failure === undefined) this.nextRetryMs = undefined;
      else this.nextRetryMs = Math.min(LAST_RETRY_MS, this.nextRetryMs === undefined ? FIRST_RETRY_MS : this.nextRetryMs * 2);
      this.schedule(this.nextRetryMs);
    }
  }

  /**
   * The last write, after the one under way: one more attempt at what is pending, whatever failed
   * before (a lock is waited for as long as any write waits: a dead holder's is taken over). Rejects
   * with one line if something stays unsaved.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.flushing;
    this.options.beforeWrite();
    if (!this.disabled && this.options.pending.size > 0) {
      this.flushing = this.write(this.options.pending.take());
      await this.flushing;
      this.flushing = undefined;
    }
    if (!this.disabled && this.options.pending.size > 0) throw new Error(notSavedMessage(this.options.pending.size, this.options.backend.location, this.failure));
  }

  private async write(batch: Batch): Promise<void> {
    this.inflight = batch;
    try {
      await this.options.backend.update(changesOf(batch), batch.writeId);
      this.failure = undefined;
    } catch (error) {
      this.failure = error;
      this.failed(batch, error);
    } finally {
      this.inflight = undefined;
    }
  }

  private failed(batch: Batch, error: unknown): void {
    const { pending, warnOnce, backend } = this.options;
    if (error instanceof NewerSchemaError) {
      // Someone with a newer codex-bridge took the file over: leave it to them.
      this.disabled = true;
      pending.clear();
      warnOnce('newer', `${error.message}; sessions will not be saved by this run`);
      return;
    }
    pending.putBack(batch);
    if (this.closed) return; // close() says it, once
    if (error instanceof LockTimeoutError) warnOnce('lock', `${error.message}; will keep trying to save sessions`);
    else warnOnce('write', `cannot save sessions to ${backend.location} (${(error as Error).message ?? error}); will keep trying`);
  }
}
