import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SseWriter } from '../../src/server/sse-writer.js';

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/** A server that hands each response to `onRequest`, and a client request to it (not yet read). */
async function open(onRequest: (res: ServerResponse) => void): Promise<IncomingMessage> {
  server = createServer((_req, res) => onRequest(res));
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/', agent: false }, resolve);
    req.on('error', reject);
    req.end();
  });
}

function readAll(res: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    res.setEncoding('utf8');
    res.on('data', (d: string) => (text += d));
    res.on('end', () => resolve(text));
    res.on('close', () => resolve(text));
  });
}

describe('SseWriter', () => {
  it('writes numbered event frames with the SSE headers', async () => {
    const res = await open((r) => {
      const sse = new SseWriter(r);
      void sse.send({ type: 'response.created', response: { id: 'r1' } });
      void sse.send({ type: 'response.output_text.delta', delta: 'hé', sequence_number: 99 }, { type: 'response.completed', response: { id: 'r1' } });
      sse.end();
    });
    expect(res.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.headers.connection).toBe('keep-alive');
    expect(res.headers['x-accel-buffering']).toBe('no');
    expect(await readAll(res)).toBe(
      'event: response.created\ndata: {"type":"response.created","sequence_number":0,"response":{"id":"r1"}}\n\n' +
        'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","sequence_number":1,"delta":"hé"}\n\n' +
        'event: response.completed\ndata: {"type":"response.completed","sequence_number":2,"response":{"id":"r1"}}\n\n',
    );
  });

  it('applies the transform to each frame and writes comments', async () => {
    const res = await open((r) => {
      const sse = new SseWriter(r, (json) => json.replace('secret', '[redacted]'));
      void sse.comment('hello');
      void sse.send({ type: 'x', text: 'secret' });
      sse.end();
    });
    expect(await readAll(res)).toBe(': hello\n\nevent: x\ndata: {"type":"x","sequence_number":0,"text":"[redacted]"}\n\n');
  });

  it('makes the producer wait while a slow client is not reading', async () => {
    let writer: SseWriter | undefined;
    let pending: Promise<void> | undefined;
    const res = await open((r) => {
      writer = new SseWriter(r);
      writer.open();
      pending = writer.send({ type: 'big', blob: 'x'.repeat(8 * 1024 * 1024) });
    });
    res.pause();
    await vi.waitFor(() => expect(pending).toBeDefined());
    let settled = false;
    void pending!.then(() => (settled = true));
    // Not a wait for something: a window in which a writer that did not wait would have settled.
    await new Promise((r) => setTimeout(r, 100));
    expect(settled).toBe(false); // 8 MB cannot fit in the socket buffers of a client that does not read
    res.resume();
    await vi.waitFor(() => expect(settled).toBe(true));
    writer!.end();
  });

  it('goes quiet once the client is gone', async () => {
    let writer: SseWriter | undefined;
    let response: ServerResponse | undefined;
    const res = await open((r) => {
      response = r;
      writer = new SseWriter(r);
      writer.open();
    });
    res.destroy();
    await vi.waitFor(() => expect(writer!.closed).toBe(true));
    const write = vi.spyOn(response!, 'write');
    await expect(writer!.send({ type: 'late' })).resolves.toBeUndefined();
    await expect(writer!.comment('late')).resolves.toBeUndefined();
    expect(() => writer!.end()).not.toThrow();
    expect(write).not.toHaveBeenCalled();
    expect(writer!.nextSequenceNumber).toBe(0);
  });
});
