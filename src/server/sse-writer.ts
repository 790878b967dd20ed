import type { ServerResponse } from 'node:http';

// Responses API streaming: each event goes out as
//   event: <type>\ndata: <json>\n\n
// with an increasing `sequence_number` (from 0), as api.openai.com does. Once the client has gone
// (or the stream was ended) every call is a no-op, so producers need no special case for it.

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

export class SseWriter {
  private sequence = 0;
  private gone = false;

  constructor(
    private readonly res: ServerResponse,
    /** Applied to each frame's JSON before it is written, e.g. to scrub secrets. */
    private readonly transform: (json: string) => string = (json) => json,
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
    if (events.length === 0 || this.closed) return Promise.resolve();
    this.open();
    let frames = '';
    for (const event of events) {
      const { type, sequence_number: _ignored, ...rest } = event;
      const json = this.transform(JSON.stringify({ type, sequence_number: this.sequence++, ...rest }));
      frames += `event: ${type}\ndata: ${json}\n\n`;
    }
    if (this.res.write(frames)) return Promise.resolve();
    return this.drained();
  }

  /** An SSE comment line. Note Codex's idle timer ignores comments: send a JSON event to keep it alive. */
  comment(text: string): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.open();
    const body = text
      .split(/\r?\n/)
      .map((line) => `: ${line}\n`)
      .join('');
    if (this.res.write(`${body}\n`)) return Promise.resolve();
    return this.drained();
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
    if (this.res.writableEnded || this.res.destroyed) return;
    this.open();
    this.res.end();
  }
}
