import type { ServerResponse } from 'node:http';
import { SseWriter, type SseEvent } from './sse-writer.js';

// With a store shared by several replicas, the next request of a conversation may reach another
// replica the moment this response ends. So the end (`response.completed`, `.incomplete` or
// `.failed`) and whatever follows it wait until `gate` (the writes of this turn) has settled:
// whoever sees the end can continue from it anywhere. The events before it go out as they come.

const TERMINAL = new Set(['response.completed', 'response.incomplete', 'response.failed']);

export class GatedSseWriter extends SseWriter {
  /** Events held back from the end on, until the gate settles; undefined: not holding. */
  private held: SseEvent[] | undefined;
  private endHeld = false;

  constructor(
    res: ServerResponse,
    transform: ((json: string) => string) | undefined,
    private readonly gate: () => Promise<unknown>,
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
    this.held = events.slice(end);
    const release = () => {
      const held = this.held ?? [];
      this.held = undefined;
      void super.sendAll(held);
      if (this.endHeld) super.end();
    };
    void this.gate().then(release, release);
    return before;
  }

  override end(): void {
    if (this.held) this.endHeld = true;
    else super.end();
  }
}
