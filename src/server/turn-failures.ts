import type { IncomingHttpHeaders } from 'node:http';

// The bridge retries a failing upstream, and so does Codex: left alone, each Codex retry would
// start the bridge's retries again (4 × 30 attempts for a 5xx). Per Codex turn, the bridge counts
// the upstream attempts that failed since the turn's last success: while Codex is retrying (the
// count is not zero) it makes one attempt per request, and once the count reaches the limit it
// answers with an error Codex does not retry.

/** Upstream attempts that may fail for one request of a Codex turn, Codex's own retries included. */
export const MAX_FAILED_ATTEMPTS_PER_TURN = 10;
/** A turn nobody asked about for this long is forgotten. */
const FORGET_AFTER_MS = 10 * 60_000;
/** Look for forgotten turns once this many are kept. */
const SWEEP_AT = 64;

/** Codex's turn id, from the `x-codex-turn-metadata` JSON header; undefined for other clients. */
export function turnIdOf(headers: IncomingHttpHeaders): string | undefined {
  const raw = headers['x-codex-turn-metadata'];
  const text = Array.isArray(raw) ? raw[0] : raw;
  if (!text) return undefined;
  try {
    const id = (JSON.parse(text) as { turn_id?: unknown })?.turn_id;
    return typeof id === 'string' && id !== '' ? id : undefined;
  } catch {
    return undefined;
  }
}

export class TurnFailures {
  private readonly turns = new Map<string, { failed: number; at: number }>();

  constructor(
    readonly limit = MAX_FAILED_ATTEMPTS_PER_TURN,
    private readonly now: () => number = Date.now,
  ) {}

  /** True while no turn has failures: the common case skips reading the header. */
  get empty(): boolean {
    return this.turns.size === 0;
  }

  failed(turn: string | undefined): number {
    if (turn === undefined) return 0;
    const entry = this.turns.get(turn);
    if (!entry) return 0;
    if (this.now() - entry.at > FORGET_AFTER_MS) {
      this.turns.delete(turn);
      return 0;
    }
    return entry.failed;
  }

  /**
   * Retries the bridge may make for this turn's next request, at most `bridgeRetries`: none while
   * the client is retrying, and never past the limit.
   */
  retriesFor(turn: string | undefined, bridgeRetries: number): number {
    const failed = this.failed(turn);
    if (failed === 0) return turn === undefined ? bridgeRetries : Math.min(bridgeRetries, this.limit - 1);
    return 0;
  }

  /** Adds `count` failed attempts to the turn; returns its total. */
  recordFailures(turn: string | undefined, count: number): number {
    if (turn === undefined || count <= 0) return this.failed(turn);
    const failed = this.failed(turn) + count;
    this.turns.set(turn, { failed, at: this.now() });
    if (this.turns.size >= SWEEP_AT) this.sweep();
    return failed;
  }

  /** The upstream answered: the next failure of this turn starts a new count. */
  recordSuccess(turn: string | undefined): void {
    if (turn !== undefined) this.turns.delete(turn);
  }

  /** The turn has used up its attempts: the client must not retry. */
  exhausted(turn: string | undefined): boolean {
    return turn !== undefined && this.failed(turn) >= this.limit;
  }

  private sweep(): void {
    const cutoff = this.now() - FORGET_AFTER_MS;
    for (const [turn, entry] of this.turns) if (entry.at < cutoff) this.turns.delete(turn);
  }
}
