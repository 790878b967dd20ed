import type { IncomingHttpHeaders } from 'node:http';
import type { BridgeOptions } from './bridge-options.js';
import type { UpstreamClient, UpstreamReply } from './upstream-types.js';
import { answerForStatus, answerForUnreachable, type FailureAnswer } from './upstream-failure.js';
import { refusedParameter, withoutParameter } from '../providers/quirks/adaptive-parameter-fallback.js';
import { refusedMessageShape } from '../providers/quirks/adaptive-message-shape.js';
import type { UpstreamAdaptation } from '../providers/quirks/upstream-adaptation.js';
import type { ChatRequest } from '../translate/types.js';

// One /v1/responses request's call to the upstream: the bridge's bounded retries (fewer while the
// Codex turn is retrying itself: TurnFailures, below), and the adaptive fallbacks — a parameter or
// a conversation shape the upstream refused is left out or reshaped, retried, and remembered.

/** Refused parameters or conversation shapes adapted to in one request before its error goes back to the client. */
const MAX_PARAMETER_FALLBACKS = 3;

export type UpstreamOutcome =
  | { kind: 'reply'; reply: Exclude<UpstreamReply, { kind: 'error' }> }
  /** The upstream failed for good: what the client is told. */
  | { kind: 'failed'; answer: FailureAnswer }
  /** The client went away first. */
  | { kind: 'aborted' };

export interface UpstreamCall {
  options: BridgeOptions;
  upstream: UpstreamClient;
  adaptation: UpstreamAdaptation;
  turns: TurnFailures;
  upstreamHost: string;
  headers: IncomingHttpHeaders;
  signal: AbortSignal;
}

export async function callUpstream(request: ChatRequest, call: UpstreamCall): Promise<UpstreamOutcome> {
  const { options, adaptation, turns, upstreamHost, headers } = call;
  // Codex's turn, read only once some turn has failed (or this request fails).
  let turn = turns.empty ? undefined : turnIdOf(headers);
  let failedAttempts = 0;
  /** Counts this request's failed attempts into its turn; the turn's total once it has none left. */
  const turnExhausted = (): number | undefined => {
    turn ??= turnIdOf(headers);
    const total = turns.recordFailures(turn, failedAttempts);
    return turns.exhausted(turn) ? total : undefined;
  };
  let reply: UpstreamReply;
  const waiting = startWaitingNotice(options.log, upstreamHost, options.upstreamIdleTimeoutMs, options.waitingNoticeMs);
  try {
    // Without what this upstream refused before, in the conversation shape it accepts.
    let upstreamRequest = adaptation.shape.apply(adaptation.fallback.apply(request));
    for (let round = 0; ; round++) {
      reply = await call.upstream.chat(upstreamRequest, {
        signal: call.signal,
        maxRetries: turns.retriesFor(turn, options.maxRetries),
        onRetry: ({ attempt, status, delayMs, reason }) => {
          failedAttempts++;
          options.log?.(`retry ${attempt} of POST ${upstreamHost}/chat/completions in ${delayMs}ms (${status ?? reason})`);
        },
      });
      if (reply.kind === 'error') failedAttempts++;
      if (reply.kind !== 'error' || round >= MAX_PARAMETER_FALLBACKS) break;
      const adapted = adaptTo(reply, upstreamRequest, call);
      if (!adapted) break;
      upstreamRequest = adapted;
    }
  } catch (error) {
    if (call.signal.aborted) return { kind: 'aborted' };
    failedAttempts++;
    return { kind: 'failed', answer: answerForUnreachable(error, options, upstreamHost, turnExhausted()) };
  } finally {
    waiting.stop();
  }
  if (reply.kind === 'error') return { kind: 'failed', answer: answerForStatus(reply, options, upstreamHost, turnExhausted()) };
  if (!turns.empty) turns.recordSuccess(turn ?? turnIdOf(headers));
  return { kind: 'reply', reply };
}

/** The request without what the upstream just refused (remembered from now on); undefined if the refusal is not one we adapt to. */
function adaptTo(reply: Extract<UpstreamReply, { kind: 'error' }>, sent: ChatRequest, call: UpstreamCall): ChatRequest | undefined {
  const { adaptation, options, upstreamHost } = call;
  const refused = refusedParameter(reply.status, reply.bodyText, sent);
  if (refused) {
    adaptation.fallback.remember(refused);
    options.log?.(`upstream ${upstreamHost} refused ${refused} (HTTP ${reply.status}); retrying without it, and leaving it out from now on`);
    return withoutParameter(sent, refused);
  }
  const shape = refusedMessageShape(reply.status, reply.bodyText, adaptation.shape.learned);
  if (!shape) return undefined;
  adaptation.shape.remember(shape);
  options.log?.(`upstream ${upstreamHost} refused the conversation's shape (HTTP ${reply.status}); retrying as ${shape}, and sending it so from now on`);
  return adaptation.shape.apply(sent);
}

// With --verbose, a line every 30 s while the upstream keeps silent (no answer yet, or nothing
// more in a stream), so a long wait is seen to be a wait and not a hang.

const STILL_WAITING_EVERY_MS = 30_000;

export function stillWaitingLine(host: string, silentMs: number, limitMs: number): string {
  return `still waiting for ${host}: nothing for ${Math.round(silentMs / 1000)}s (gives up after ${Math.round(limitMs / 1000)}s; --upstream-timeout sets that)`;
}

/**
 * Logs `stillWaitingLine` every `everyMs` until stopped; `reset()` says the upstream spoke. Nothing
 * without a log.
 */
export function startWaitingNotice(
  log: ((line: string) => void) | undefined,
  host: string,
  limitMs: number,
  everyMs = STILL_WAITING_EVERY_MS,
): { stop(): void } {
  if (!log) return { stop: () => {} };
  const since = Date.now();
  const timer = setInterval(() => log(stillWaitingLine(host, Date.now() - since, limitMs)), everyMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

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
