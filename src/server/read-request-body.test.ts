import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { rawPost } from '../../test/helpers/raw-post.js';
import { connect, type AddressInfo } from 'node:net';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { decodeZstd, parseContentEncoding, readRequestBody, type ReadBodyOptions } from './read-request-body.js';
import { HttpError, sendHttpError, sendJson } from './send-json.js';

type Outcome = { ok: true; body: Buffer } | { ok: false; error: unknown };

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/** A server whose only job is readRequestBody: it answers what it read, or the HttpError. */
async function startReader(options: ReadBodyOptions) {
  const outcomes: Outcome[] = [];
  server = createServer((req, res) => {
    readRequestBody(req, options).then(
      (body) => {
        outcomes.push({ ok: true, body });
        sendJson(res, 200, { bytes: body.length, text: body.length <= 100_000 ? body.toString('utf8') : undefined });
      },
      (error: unknown) => {
        outcomes.push({ ok: false, error });
        if (error instanceof HttpError) sendHttpError(res, error);
        else sendJson(res, 500, { error: { message: String(error) } });
      },
    );
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { port: (server!.address() as AddressInfo).port, outcomes };
}

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  json: any;
}

/** A raw POST whose answer must be JSON. */
async function post(port: number, body: Buffer | Buffer[], headers: Record<string, string> = {}): Promise<Reply> {
  const reply = await rawPost({ port, body, headers });
  return { ...reply, json: JSON.parse(reply.text) };
}

const sample = JSON.stringify({ model: 'm', input: [{ role: 'user', content: 'héllo wörld ✓ 🎉'.repeat(500) }] });

// ---- hand-built zstd frames ----
// Node 20's zlib has no zstd (zlib.zstd* arrived in Node 22.15/23.8), so frames are either
// captured from the zstd CLI (below) or built here. The format (RFC 8878) is simple enough for
// "raw" and "RLE" blocks: magic FD2FB528 (little-endian), a frame header descriptor byte, an
// optional window descriptor, an optional frame content size, then blocks with a 3-byte
// little-endian header (bit 0 last-block, bits 1-2 type: 0 raw, 1 RLE; bits 3-23 size).
type Block = { raw: Buffer } | { rle: number; size: number };

function zstdFrame(blocks: Block[], header: { contentSize?: number; windowLog?: number } = {}): Buffer {
  const parts: Buffer[] = [Buffer.from([0x28, 0xb5, 0x2f, 0xfd])];
  if (header.contentSize !== undefined) {
    // single segment (window = content size), 4-byte content size
    const fcs = Buffer.alloc(4);
    fcs.writeUInt32LE(header.contentSize);
    parts.push(Buffer.from([(2 << 6) | (1 << 5)]), fcs);
  } else {
    parts.push(Buffer.from([0x00, ((header.windowLog ?? 17) - 10) << 3]));
  }
  blocks.forEach((block, i) => {
    const last = i === blocks.length - 1 ? 1 : 0;
    const [type, size, payload] = 'raw' in block ? [0, block.raw.length, block.raw] : [1, block.size, Buffer.from([block.rle])];
    const h = (size << 3) | (type << 1) | last;
    parts.push(Buffer.from([h & 0xff, (h >> 8) & 0xff, (h >> 16) & 0xff]), payload);
  });
  return Buffer.concat(parts);
}

// `zstd -19` of a 1849-byte JSON document: a real compressed frame (FSE-coded sequences,
// content size declared, checksum). And the same document piped through `zstd -3 --no-check`
// from stdin, which declares no content size (so it is decoded through the streaming path).
const CLI_JSON = `{"model":"m","input":"${'abcabcabd'.repeat(200)}","note":"zstd héllo ✓"}`;
const CLI_FRAME = Buffer.from('KLUv/WQ5BgUCAFQDeyJtb2RlbCI6Im0iLCJpbnB1dCI6ImFiY2QiLCJub3RlIjoienN0ZCBow6lsbG8g4pyTIn0CAPyyfJGCGwNRL86o', 'base64');
const CLI_STREAM_FRAME = Buffer.from('KLUv/QBYBQIAVAN7Im1vZGVsIjoibSIsImlucHV0IjoiYWJjZCIsIm5vdGUiOiJ6c3RkIGjDqWxsbyDinJMifQIA/LJ8kYIbAw==', 'base64');

describe('readRequestBody: encodings', () => {
  it('reads a plain body', async () => {
    const { port } = await startReader({});
    const reply = await post(port, Buffer.from(sample));
    expect(reply.status).toBe(200);
    expect(reply.json.text).toBe(sample);
  });

  it.each([
    ['gzip', gzipSync],
    ['x-gzip', gzipSync],
    ['deflate', deflateSync],
    ['br', brotliCompressSync],
  ] as const)('decodes Content-Encoding: %s', async (encoding, compress) => {
    const { port } = await startReader({});
    const reply = await post(port, compress(Buffer.from(sample)), { 'content-encoding': encoding });
    expect(reply.status).toBe(200);
    expect(reply.json.text).toBe(sample);
  });

  it('decodes a chunked gzip body delivered in small pieces', async () => {
    const { port } = await startReader({});
    const gz = gzipSync(Buffer.from(sample));
    const pieces: Buffer[] = [];
    for (let i = 0; i < gz.length; i += 7) pieces.push(gz.subarray(i, i + 7));
    const reply = await post(port, pieces, { 'content-encoding': 'gzip' });
    expect(reply.json.text).toBe(sample);
  });

  it('decodes zstd frames made by the zstd CLI, with and without a declared content size', async () => {
    const { port } = await startReader({});
    for (const frame of [CLI_FRAME, CLI_STREAM_FRAME]) {
      const reply = await post(port, frame, { 'content-encoding': 'zstd' });
      expect(reply.status).toBe(200);
      expect(reply.json.text).toBe(CLI_JSON);
    }
  });

  it('decodes hand-built zstd raw and RLE blocks, across several frames and a skippable frame', async () => {
    const { port } = await startReader({});
    const skippable = Buffer.concat([Buffer.from([0x50, 0x2a, 0x4d, 0x18, 3, 0, 0, 0]), Buffer.from('xyz')]);
    const body = Buffer.concat([
      zstdFrame([{ raw: Buffer.from('{"a":"') }, { rle: 0x7a, size: 5 }, { raw: Buffer.from('",') }]),
      skippable,
      zstdFrame([{ raw: Buffer.from('"b":"✓"}') }], { contentSize: Buffer.byteLength('"b":"✓"}') }),
    ]);
    const reply = await post(port, body, { 'content-encoding': 'zstd' });
    expect(reply.status).toBe(200);
    expect(reply.json.text).toBe('{"a":"zzzzz","b":"✓"}');
  });

  it('answers 415 for an encoding it does not know, and for stacked encodings', async () => {
    const { port } = await startReader({});
    const reply = await post(port, Buffer.from(sample), { 'content-encoding': 'compress' });
    expect(reply.status).toBe(415);
    expect(reply.json.error).toMatchObject({ code: 'unsupported_content_encoding', type: 'invalid_request_error' });
    expect(reply.json.error.message).toContain('compress');
    expect(() => parseContentEncoding('gzip, br')).toThrow(HttpError);
    expect(parseContentEncoding('identity')).toBe('identity');
    expect(parseContentEncoding(' GZIP ')).toBe('gzip');
  });

  it('answers 400 for bodies that do not decode', async () => {
    const { port } = await startReader({});
    const bad = await post(port, Buffer.from('definitely not gzip'), { 'content-encoding': 'gzip' });
    expect(bad.status).toBe(400);
    expect(bad.json.error.message).toMatch(/not valid gzip/);

    const gz = gzipSync(Buffer.from(sample));
    const cut = await post(port, gz.subarray(0, gz.length - 10), { 'content-encoding': 'gzip' });
    expect(cut.status).toBe(400);

    const zst = await post(port, Buffer.from('not zstd at all'), { 'content-encoding': 'zstd' });
    expect(zst.status).toBe(400);
    expect(zst.json.error.message).toMatch(/not valid zstd/);

    const truncated = await post(port, CLI_FRAME.subarray(0, 40), { 'content-encoding': 'zstd' });
    expect(truncated.status).toBe(400);
  });
});

describe('readRequestBody: size caps', () => {
  it('answers a body one byte over the cap with a JSON 413 the client can read', async () => {
    const { port } = await startReader({ maxBodyBytes: 1024 * 1024 });
    const ok = await post(port, Buffer.alloc(1024 * 1024, 0x61));
    expect(ok.status).toBe(200);
    expect(ok.json.bytes).toBe(1024 * 1024);

    const reply = await post(port, Buffer.alloc(1024 * 1024 + 1, 0x61));
    expect(reply.status).toBe(413);
    expect(reply.json.error).toMatchObject({ code: 'request_too_large', type: 'invalid_request_error' });
    expect(reply.json.error.message).toContain('1 MB');
  });

  it('applies the cap to chunked bodies without a Content-Length', async () => {
    const { port } = await startReader({ maxBodyBytes: 100_000 });
    const pieces = Array.from({ length: 30 }, () => Buffer.alloc(10_000, 0x62));
    const reply = await post(port, pieces);
    expect(reply.status).toBe(413);
  });

  it('refuses a gzip bomb once the decoded size passes the cap, without decoding all of it', async () => {
    const { port, outcomes } = await startReader({ maxBodyBytes: 1024 * 1024 });
    const bomb = gzipSync(Buffer.alloc(100 * 1024 * 1024));
    expect(bomb.length).toBeLessThan(1024 * 1024); // small on the wire
    const started = Date.now();
    const reply = await post(port, bomb, { 'content-encoding': 'gzip' });
    expect(reply.status).toBe(413);
    expect(reply.json.error.message).toMatch(/decoded request body/);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(outcomes[0]).toMatchObject({ ok: false });
  });

  it('refuses a brotli bomb the same way', async () => {
    const { port } = await startReader({ maxBodyBytes: 256 * 1024 });
    const reply = await post(port, brotliCompressSync(Buffer.alloc(20 * 1024 * 1024)), { 'content-encoding': 'br' });
    expect(reply.status).toBe(413);
  });

  it('refuses a zstd RLE bomb (128 MB from 4 KB) at the cap', async () => {
    const { port } = await startReader({ maxBodyBytes: 1024 * 1024 });
    const bomb = zstdFrame(Array.from({ length: 1000 }, () => ({ rle: 0x20, size: 128 * 1024 })));
    expect(bomb.length).toBeLessThan(5000);
    const reply = await post(port, bomb, { 'content-encoding': 'zstd' });
    expect(reply.status).toBe(413);
    expect(reply.json.error.message).toMatch(/decoded request body/);
  });

  it('refuses a zstd frame that announces more content than the cap before decoding it', () => {
    const frame = zstdFrame([{ raw: Buffer.from('x') }], { contentSize: 0xffff_fff0 });
    expect(() => decodeZstd(frame, 1024 * 1024)).toThrow(/larger than the 1 MB limit/);
  });

  it('refuses a zstd frame whose window is far larger than the cap needs (fzstd would allocate it)', () => {
    const frame = zstdFrame([{ raw: Buffer.from('x') }], { windowLog: 30 });
    try {
      decodeZstd(frame, 1024 * 1024);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(HttpError);
      expect((error as HttpError).status).toBe(413);
      expect((error as HttpError).message).toMatch(/window/);
    }
  });

  it('answers at once, with connection: close, when Content-Length announces far more than it would drain', async () => {
    await startReader({ maxBodyBytes: 1024, drainBytes: 1024 });
    const port = (server!.address() as AddressInfo).port;
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => {
        // Headers only: the server must not wait for 10 GB that never come.
        socket.write('POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 10000000000\r\n\r\n');
      });
      let text = '';
      socket.on('data', (d) => (text += d.toString('utf8')));
      socket.on('close', () => resolve(text));
      socket.on('error', reject);
    });
    expect(raw).toMatch(/^HTTP\/1\.1 413 /);
    expect(raw.toLowerCase()).toContain('connection: close');
    expect(JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4)).error.code).toBe('request_too_large');
  });
});

describe('readRequestBody: broken framing', () => {
  it('rejects with 400 when the connection ends before Content-Length bytes arrived', async () => {
    const { port, outcomes } = await startReader({});
    const socket = connect(port, '127.0.0.1', () => {
      socket.write('POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n{"short":');
      setTimeout(() => socket.end(), 50);
    });
    socket.on('error', () => {});
    socket.resume();
    await vi.waitFor(() => expect(outcomes).toHaveLength(1));
    const [outcome] = outcomes;
    expect(outcome.ok).toBe(false);
    const error = (outcome as { error: HttpError }).error;
    expect(error).toBeInstanceOf(HttpError);
    expect(error.status).toBe(400);
    expect(error.message).toMatch(/got 9 bytes of the 100 announced/);
    socket.destroy();
  });
});

describe('readRequestBody: a body that stops arriving', () => {
  /** Sends `bytes` and nothing more; resolves with what the server sent before it closed. */
  function stall(port: number, bytes: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => socket.write(bytes));
      let text = '';
      socket.on('data', (d) => (text += d.toString('utf8')));
      socket.on('close', () => resolve(text));
      socket.on('error', reject);
    });
  }

  it('answers 408 with connection: close once nothing has come for the idle bound', async () => {
    const { port, outcomes } = await startReader({ idleTimeoutMs: 200 });
    const raw = await stall(port, 'POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n{"short":');
    expect(raw).toMatch(/^HTTP\/1\.1 408 /);
    expect(raw.toLowerCase()).toContain('connection: close');
    const error = (outcomes[0] as { error: HttpError }).error;
    expect(error.code).toBe('request_timeout');
    expect(error.message).toBe('the request body stopped arriving: nothing for 200 ms after 9 bytes of the 100 announced by Content-Length');
  });

  it('gives up draining a refused body that stalls: the 413 goes out, and the connection is closed', async () => {
    const { port, outcomes } = await startReader({ maxBodyBytes: 8, idleTimeoutMs: 200 });
    const raw = await stall(port, 'POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n{"longer than eight":');
    expect(raw).toMatch(/^HTTP\/1\.1 413 /);
    expect(raw.toLowerCase()).toContain('connection: close');
    expect((outcomes[0] as { error: HttpError }).error.code).toBe('request_too_large');
  });
});
