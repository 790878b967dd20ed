import { createServer, request, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { SseWriter, type EndGate } from './sse-writer.js';

// The end of a stream waits for its gate (the turn's writes); what comes before it does not.

let server: Server | undefined;
afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/** A server whose one response is written by `write`; resolves with the client's view of the body as it arrives. */
async function stream(write: (sse: SseWriter) => void, gate: EndGate) {
  server = createServer((_req, res) => write(new SseWriter(res, undefined, gate)));
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  let text = '';
  let ended = false;
  await new Promise<void>((resolve) =>
    request({ port, host: '127.0.0.1' }, (res) => {
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => (ended = true));
      resolve();
    }).end(),
  );
  return { text: () => text, ended: () => ended };
}

describe('SseWriter with an end gate', () => {
  it('holds the terminal event, what follows it and the end until the gate settles, in order', async () => {
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const body = await stream((sse) => {
      void sse.send({ type: 'response.created' }, { type: 'response.output_text.delta', delta: 'hi' });
      void sse.send({ type: 'response.completed' }, { type: 'after' });
      sse.end();
    }, (held) => gate.then(() => held));
    await expect.poll(body.text).toContain('response.output_text.delta');
    // Everything before the end has arrived; the end has not.
    await new Promise((resolve) => setImmediate(resolve));
    expect(body.text()).not.toContain('response.completed');
    expect(body.ended()).toBe(false);
    open();
    await expect.poll(body.ended).toBe(true);
    expect(body.text().match(/event: (\S+)/g)).toEqual(['event: response.created', 'event: response.output_text.delta', 'event: response.completed', 'event: after']);
    expect(body.text()).toContain('"sequence_number":2');
  });

  it('sends what the gate answers in place of the end: a failure when the writes did not land', async () => {
    const body = await stream(
      (sse) => {
        void sse.send({ type: 'response.created' }, { type: 'response.completed', response: { status: 'completed' } });
        sse.end();
      },
      async (held) => {
        expect(held.map((event) => event.type)).toEqual(['response.completed']);
        return [{ type: 'response.failed', response: { status: 'failed', error: { code: 'store_unavailable' } } }];
      },
    );
    await expect.poll(body.ended).toBe(true);
    expect(body.text().match(/event: (\S+)/g)).toEqual(['event: response.created', 'event: response.failed']);
    expect(body.text()).toContain('"code":"store_unavailable"');
    expect(body.text()).toContain('"sequence_number":1');
  });

  it('lets the end go as it was when the gate itself throws (a response is never held for good)', async () => {
    const body = await stream((sse) => {
      void sse.send({ type: 'response.failed' });
      sse.end();
    }, () => Promise.reject(new Error('store down')));
    await expect.poll(body.ended).toBe(true);
    expect(body.text()).toContain('event: response.failed');
  });
});
