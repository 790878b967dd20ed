import type { ServerResponse } from 'node:http';
import { isDeepFrozen } from '../translate/deep-freeze.js';

// Responses API streaming: each event goes out as
//   event: <type>\ndata: <json>\n\n
// with an increasing `sequence_number` (from 0), as api.openai.com does. Once the client has gone
// (or the stream was ended) every call is a no-op, so producers need no special case for it.
//
// Frames produced in one tick (say, every event of one upstream network read) go out in one write
// at the end of the tick, when node would send them anyway: one chunk instead of one per event.
// A send that makes the pending text large is written at once, so backpressure stays immediate.
//
// The end of a response (`response.completed`, `.incomplete` or `.failed`) promises that what it
// reports is kept: the next request may continue from it at once, on this replica or another. With
// an end gate, the end and whatever follows it wait until the gate (the turn's writes) has settled,
// and go out as it answers: as they were, or replaced (a `response.failed` when the writes did not
// land, so that the client retries instead of continuing from nothing). Events before the end go
// out as they come.

export interface SseEvent {
  type: string;
  [key: string]: unknown;
}

export const SSE_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
};

/** Given the held events (the end first), resolves with the events to send in their place. */
export type EndGate = (held: SseEvent[]) => Promise<SseEvent[]>;

const TERMINAL = new Set(['response.completed', 'response.incomplete', 'response.failed']);

/** Pending frames of at least this many characters are written without waiting for the tick to end. */
const WRITE_NOW_CHARS = 16 * 1024;

export class SseWriter {
  private sequence = 0;
  private gone = false;
  /** Frames not yet handed to the response; written at the end of the tick (or sooner, see above). */
  private pending = '';
  private flushQueued = false;
  /** Events held back from the end on, until the end gate settles; undefined: not holding. */
  private held: SseEvent[] | undefined;
  private endHeld = false;
  private readonly flushQueuedFrames = (): void => {
    this.flushQueued = false;
    this.flush();
  };

  constructor(
    private readonly res: ServerResponse,
    /** Applied to each frame's JSON before it is written, e.g. to scrub secrets. */
    private readonly transform: (json: string) => string = (json) => json,
    /** What the end of the response waits for (see above); without it, the end goes out at once. */
    private readonly endGate?: EndGate,
  ) {
    res.once('close', () => {
      this.gone = true;
    });
  }

  /** Send the status line and SSE headers now (idempotent). */
  open(status = 200, headers: Record<string, string> = {}): void {
    if (this.closed || this.res.headersSent) return;
    this.res.writeHead(status, { ...headers, ...SSE_HEADERS });
    this.res.flushHeaders();
  }

  /** The headers, sent with the first frames (which follow in this tick) rather than on their own. */
  private openWithFrames(): void {
    if (this.closed || this.res.headersSent) return;
    this.res.writeHead(200, SSE_HEADERS);
  }

  /** True once the client went away or `end()` was called. */
  get closed(): boolean {
    return this.gone || this.res.destroyed || this.res.writableEnded;
  }

  /** The sequence_number the next event will get. */
  get nextSequenceNumber(): number {
    return this.sequence;
  }

  /**
   * Write events (opening the stream if needed). Resolves when the socket can take more: awaiting
   * it makes a slow client slow down whoever produces the events. Resolves at once if closed.
   */
  send(...events: SseEvent[]): Promise<void> {
    return this.sendAll(events);
  }

  /** send() for an array of events (a whole upstream read's worth). */
  sendAll(events: readonly SseEvent[]): Promise<void> {
    if (this.endGate) {
      if (this.held) {
        this.held.push(...events);
        return Promise.resolve();
      }
      const end = events.findIndex((event) => TERMINAL.has(event.type));
      if (end >= 0) return this.holdEnd(events, end, this.endGate);
    }
    return this.write(events);
  }

  /** Writes the events before the end, and the rest once the gate answers. */
  private holdEnd(events: readonly SseEvent[], end: number, gate: EndGate): Promise<void> {
    const before = this.write(events.slice(0, end));
    const held = (this.held = events.slice(end));
    const release = (send: SseEvent[]) => {
      this.held = undefined;
      void this.write(send);
      if (this.endHeld) this.end();
    };
    gate(held).then(release, () => release(held));
    return before;
  }

  private write(events: readonly SseEvent[]): Promise<void> {
    if (events.length === 0 || this.closed) return Promise.resolve();
    this.openWithFrames();
    let frames = '';
    for (let i = 0; i < events.length; i++) {
      const event = events[i];
      frames += `event: ${event.type}\ndata: ${this.transform(encodeEvent(event, this.sequence++))}\n\n`;
    }
    this.pending += frames;
    return this.queued();
  }

  /** An SSE comment line. Note Codex's idle timer ignores comments: send a JSON event to keep it alive. */
  comment(text: string): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.openWithFrames();
    const body = text
      .split(/\r?\n/)
      .map((line) => `: ${line}\n`)
      .join('');
    this.pending += `${body}\n`;
    return this.queued();
  }

  /** Pending frames go out at the end of the tick, or now if there are many; resolves like send(). */
  private queued(): Promise<void> {
    if (this.pending.length >= WRITE_NOW_CHARS) {
      return this.flush() ? Promise.resolve() : this.drained();
    }
    if (!this.flushQueued) {
      this.flushQueued = true;
      process.nextTick(this.flushQueuedFrames);
    }
    return this.res.writableNeedDrain ? this.drained() : Promise.resolve();
  }

  /** Hands the pending frames to the response; false if it wants the producer to wait. */
  private flush(): boolean {
    const frames = this.pending;
    if (frames === '') return true;
    this.pending = '';
    if (this.closed) return true;
    return this.res.write(frames);
  }

  /** Resolves once the socket drained, or the client left. */
  drained(): Promise<void> {
    if (this.closed || !this.res.writableNeedDrain) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.res.off('drain', done);
        this.res.off('close', done);
        resolve();
      };
      this.res.on('drain', done);
      this.res.on('close', done);
    });
  }

  end(): void {
    if (this.held) {
      this.endHeld = true;
      return;
    }
    if (this.res.writableEnded || this.res.destroyed) {
      this.pending = '';
      return;
    }
    this.open();
    const frames = this.pending;
    this.pending = '';
    if (frames === '' || this.gone) this.res.end();
    else this.res.end(frames);
  }
}

/**
 * The delta events, nearly every event of a stream, by their exact fields as the translator makes
 * them. One of these is written straight from its fields: text, integers and empty arrays only.
 */
const DELTA_FIELDS: ReadonlyMap<string, readonly string[]> = new Map([
  ['response.output_text.delta', ['type', 'item_id', 'output_index', 'content_index', 'delta', 'logprobs']],
  ['response.reasoning_summary_text.delta', ['type', 'item_id', 'output_index', 'summary_index', 'delta']],
  ['response.function_call_arguments.delta', ['type', 'item_id', 'output_index', 'delta']],
  ['response.custom_tool_call_input.delta', ['type', 'item_id', 'output_index', 'delta']],
]);

/**
 * `{"type":…,"sequence_number":n,…the other fields in their order}`, the event's own
 * `sequence_number` replaced. Same text as JSON.stringify of that object, which is what any event
 * that is not a plain delta (see DELTA_FIELDS) gets.
 */
export function encodeEvent(event: SseEvent, sequence: number): string {
  const fields = DELTA_FIELDS.get(event.type);
  if (fields !== undefined && Object.getPrototypeOf(event) === Object.prototype) {
    const keys = Object.keys(event);
    if (keys.length === fields.length) {
      let json = `{"type":${JSON.stringify(event.type)},"sequence_number":${sequence}`;
      let i = 1;
      for (; i < fields.length; i++) {
        const key = fields[i];
        if (keys[i] !== key) break;
        const value = event[key];
        if (typeof value === 'string') json += `,"${key}":${JSON.stringify(value)}`;
        else if (Number.isSafeInteger(value)) json += `,"${key}":${value as number}`;
        else if (Array.isArray(value) && value.length === 0) json += `,"${key}":[]`;
        else break;
      }
      if (i === fields.length && keys[0] === 'type') return `${json}}`;
    }
  }
  const { type, sequence_number: _ignored, ...rest } = event;
  const copy = { type, sequence_number: sequence, ...rest };
  const response = rest.response;
  if (response === null || typeof response !== 'object' || Object.getPrototypeOf(response) !== Object.prototype || 'toJSON' in response) {
    return JSON.stringify(copy);
  }
  // A lifecycle event: its response echoes the request's tools, the same frozen array every turn
  // of a Codex session (17 KB), whose JSON is kept rather than made again for each event.
  return objectJson(copy, (key, value) => (key === 'response' ? objectJson(value as object, frozenMemberJson) : JSON.stringify(value)));
}

/** JSON of deep-frozen values (which cannot change), by value. */
const frozenJson = new WeakMap<object, string>();

function frozenMemberJson(_key: string, value: unknown): string | undefined {
  if (value === null || typeof value !== 'object' || !isDeepFrozen(value)) return JSON.stringify(value);
  let json = frozenJson.get(value);
  if (json === undefined) {
    json = JSON.stringify(value);
    frozenJson.set(value, json);
  }
  return json;
}

/** JSON.stringify of a plain object, each member's JSON made by `member` (undefined: left out, as JSON.stringify does). */
function objectJson(object: object, member: (key: string, value: unknown) => string | undefined): string {
  let json = '{';
  for (const key of Object.keys(object)) {
    const value = member(key, (object as Record<string, unknown>)[key]);
    if (value === undefined) continue;
    json += `${json.length > 1 ? ',' : ''}${JSON.stringify(key)}:${value}`;
  }
  return `${json}}`;
}
