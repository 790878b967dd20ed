import type { ServerResponse } from 'node:http';
import { SseWriter, type SseEvent } from './sse-writer.js';

// The end of a streamed response (`response.completed`, `.incomplete` or `.failed`) promises that
// what it reports is kept: the next request may continue from it at once, on this replica or
// another. So the end and whatever follows it wait until `gate` (the turn's writes) has settled,
// and go out as the gate answers: as they were, or replaced (a `response.failed` when the writes
// did not land, so that the client retries instead of continuing from nothing). The events before
// the end go out as they come.

const TERMINAL = new Set(['response.completed', 'response.incomplete', 'response.failed']);

/** Given the held events (the end first), resolves with the events to send in their place. */
export type EndGate = (held: SseEvent[]) => Promise<SseEvent[]>;

export class GatedSseWriter extends SseWriter {
  /** Events held back from the end on, until the gate settles; undefined: not holding. */
  private held: SseEvent[] | undefined;
  private endHeld = false;

  constructor(
    res: ServerResponse,
    transform: ((json: string) => string) | undefined,
    private readonly gate: EndGate,
  ) {
    super(res, transform);
  }

  override sendAll(events: readonly SseEvent[]): Promise<void> {
    if (this.held) {
      this.held.push(...events);
      return Promise.resolve();
    }
    const end = events.findIndex((event) => TERMINAL.has(event.type));
    if (end < 0) return super.sendAll(events);
    const before = super.sendAll(events.slice(0, end));
    const held = (this.held = events.slice(end));
    const release = (send: SseEvent[]) => {
      this.held = undefined;
      void super.sendAll(send);
      if (this.endHeld) super.end();
    };
    this.gate(held).then(release, () => release(held));
    return before;
  }

  override end(): void {
    if (this.held) this.endHeld = true;
    else super.end();
  }
}
