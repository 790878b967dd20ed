import type { IncomingMessage } from 'node:http';
import zlib from 'node:zlib';
import { Decompress, decompress as zstdDecompressFrame } from 'fzstd';
import { DEFAULTS } from './bridge-options.js';
import { HttpError } from './send-json.js';

// Reads a request body with one byte cap applied twice: to the bytes on the wire and to the bytes
// after `Content-Encoding` is undone, so a small compressed body cannot blow up into gigabytes.
//
// When the cap is hit the rest of the body is still read and thrown away (up to `drainBytes`), and
// only then is the 413 answered: a server that replies and closes while the client is still sending
// makes the client's TCP stack see a reset, and the client never reads the JSON explaining why.
//
// A body that stops arriving is answered 408 once no byte came for `idleTimeoutMs` (nginx's
// client_body_timeout: between two reads, not over the whole body), so a slow upload that keeps
// moving is never cut, and one that stalls does not hold its connection for ever.

export interface ReadBodyOptions {
  /** Largest accepted body, compressed or decoded. Default 64 MB. */
  maxBodyBytes?: number;
  /**
   * After the cap is exceeded, how many more bytes to read and discard so the client can read the
   * 413. Past this the reply carries `connection: close` and the connection is dropped after it.
   * Default: the cap itself (at least 1 MB).
   */
  drainBytes?: number;
  /** Answer 408 (and close) when no byte of the body arrives for this long. Default 60 s; 0: never. */
  idleTimeoutMs?: number;
}

export type ContentEncoding = 'identity' | 'gzip' | 'deflate' | 'br' | 'zstd';

const MiB = 1024 * 1024;

/** Parse `Content-Encoding`; one real coding at most (`identity` entries are ignored). 415 otherwise. */
export function parseContentEncoding(header: string | string[] | undefined): ContentEncoding {
  if (header === undefined) return 'identity';
  const raw = Array.isArray(header) ? header.join(',') : (header ?? '');
  const codings = raw
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== '' && s !== 'identity');
  if (codings.length === 0) return 'identity';
  if (codings.length === 1) {
    const [coding] = codings;
    if (coding === 'gzip' || coding === 'x-gzip') return 'gzip';
    if (coding === 'deflate' || coding === 'br' || coding === 'zstd') return coding;
  }
  throw new HttpError(415, `unsupported Content-Encoding "${raw.trim()}"; send identity, gzip, deflate, br or zstd`, {
    code: 'unsupported_content_encoding',
  });
}

function tooLarge(what: string, cap: number): HttpError {
  return new HttpError(413, `${what} is larger than the ${formatBytes(cap)} limit`, { code: 'request_too_large' });
}

function formatBytes(n: number): string {
  if (n >= MiB && n % MiB === 0) return `${n / MiB} MB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KB`;
  return `${n} bytes`;
}

function zlibDecoder(encoding: 'gzip' | 'deflate' | 'br'): zlib.Gunzip | zlib.Inflate | zlib.BrotliDecompress {
  // Default flush mode: a truncated stream is an error ("unexpected end of file"), not a short body.
  if (encoding === 'gzip') return zlib.createGunzip();
  if (encoding === 'deflate') return zlib.createInflate(); // HTTP "deflate" is the zlib format (RFC 9110)
  return zlib.createBrotliDecompress();
}

/**
 * Read and decode the whole body. Rejects with an HttpError: 413 over the cap, 415 unknown
 * encoding, 400 for a body that does not decode or a connection that ends before the body does.
 */
export function readRequestBody(req: IncomingMessage, options: ReadBodyOptions = {}): Promise<Buffer> {
  const cap = options.maxBodyBytes ?? DEFAULTS.maxBodyBytes;
  const drainLimit = options.drainBytes ?? Math.max(cap, MiB);
  const idleTimeoutMs = options.idleTimeoutMs ?? DEFAULTS.requestBodyIdleTimeoutMs;
  let encoding: ContentEncoding;
  try {
    encoding = parseContentEncoding(req.headers['content-encoding']);
  } catch (error) {
    return Promise.reject(error); // the unread body is discarded by node after the reply
  }
  const declared = req.headers['content-length'] === undefined ? undefined : Number(req.headers['content-length']);
  const announced = declared !== undefined && Number.isFinite(declared) ? ` of the ${declared} announced by Content-Length` : '';

  return new Promise<Buffer>((resolve, reject) => {
    let settled = false;
    let failure: HttpError | undefined;
    let requestEnded = false;
    let wireBytes = 0;
    let decodedBytes = 0;
    let discarded = 0;
    let chunks: Buffer[] = [];
    let decoder: ReturnType<typeof zlibDecoder> | undefined;
    let idleTimer: NodeJS.Timeout | undefined;

    const cleanup = () => {
      if (idleTimer) clearTimeout(idleTimer);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('close', onClose);
      // keep an 'error' listener: a reset after we are done must not become an uncaught exception
    };
    const settle = (error: HttpError | undefined, body?: Buffer) => {
      if (settled) return;
      settled = true;
      if (error) {
        // Whatever is still unread gets discarded by node after the reply; stop listening.
        if (!requestEnded) req.on('data', () => {});
        cleanup();
        reject(error);
      } else {
        cleanup();
        resolve(body ?? Buffer.alloc(0));
      }
    };

    /** Stop collecting; answer once the client has finished sending (or it sent too much more). */
    const fail = (error: HttpError) => {
      if (failure || settled) return;
      failure = error;
      chunks = [];
      if (decoder) {
        decoder.removeAllListeners('data');
        decoder.destroy();
      }
      if (req.isPaused()) req.resume();
      if (requestEnded) settle(error);
    };

    const giveUpDraining = () => {
      const base = failure ?? tooLarge('request body', cap);
      settle(new HttpError(base.status, base.message, { type: base.type, code: base.code, headers: { ...base.headers, connection: 'close' } }));
    };

    const onData = (chunk: Buffer) => {
      idleTimer?.refresh();
      if (failure) {
        discarded += chunk.length;
        if (discarded > drainLimit) giveUpDraining();
        return;
      }
      wireBytes += chunk.length;
      if (wireBytes > cap) {
        fail(tooLarge('request body', cap));
        return;
      }
      if (decoder) {
        if (!decoder.write(chunk)) {
          req.pause();
          decoder.once('drain', () => {
            if (!failure) req.resume();
          });
        }
      } else {
        chunks.push(chunk);
        // All the bytes Content-Length announced are here: no need to wait for 'end', a turn later.
        if (encoding === 'identity' && wireBytes === declared) onEnd();
      }
    };

    const onEnd = () => {
      requestEnded = true;
      if (failure) {
        settle(failure);
        return;
      }
      if (decoder) {
        decoder.end();
        return;
      }
      // One chunk (the usual case on loopback) is the body itself: no copy.
      const wire = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, wireBytes);
      chunks = [];
      if (encoding === 'zstd') {
        try {
          settle(undefined, decodeZstd(wire, cap));
        } catch (error) {
          settle(error instanceof HttpError ? error : new HttpError(400, `request body is not valid zstd: ${(error as Error).message}`, { code: 'invalid_body' }));
        }
        return;
      }
      settle(undefined, wire);
    };

    const onClose = () => {
      if (settled || req.complete) return;
      settle(new HttpError(400, `connection closed before the request body was complete (got ${wireBytes} bytes${announced})`, { code: 'incomplete_body' }));
    };

    req.on('error', () => {
      // 'close' follows and reports it; this listener only keeps the error from being thrown.
    });

    if (declared !== undefined && Number.isFinite(declared) && declared > cap) {
      const error = tooLarge('request body', cap);
      if (declared - cap > drainLimit) {
        // Not worth reading: reply now and drop the connection after the reply.
        failure = error;
        giveUpDraining();
        return;
      }
      failure = error;
    }

    if (encoding === 'gzip' || encoding === 'deflate' || encoding === 'br') {
      decoder = zlibDecoder(encoding);
      const out: Buffer[] = [];
      decoder.on('data', (piece: Buffer) => {
        decodedBytes += piece.length;
        if (decodedBytes > cap) {
          fail(tooLarge('decoded request body', cap));
          return;
        }
        out.push(piece);
      });
      decoder.on('error', (error: Error) => {
        fail(new HttpError(400, `request body is not valid ${encoding}: ${error.message}`, { code: 'invalid_body' }));
      });
      decoder.on('end', () => {
        if (!failure) settle(undefined, Buffer.concat(out, decodedBytes));
      });
    }

    req.on('data', onData);
    req.on('end', onEnd);
    req.on('close', onClose);
    if (idleTimeoutMs > 0 && !req.complete) {
      idleTimer = setTimeout(() => {
        if (failure) {
          giveUpDraining(); // already refused: answer that, and drop the connection after it
          return;
        }
        settle(
          new HttpError(408, `the request body stopped arriving: nothing for ${formatSeconds(idleTimeoutMs)} after ${wireBytes} bytes${announced}`, {
            code: 'request_timeout',
            headers: { connection: 'close' },
          }),
        );
      }, idleTimeoutMs);
      idleTimer.unref();
    }
  });
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

// ---------- zstd ----------
//
// fzstd decodes either a whole buffer (allocating the size the frame header announces) or as a
// stream (allocating the window the frame header announces, then handing out one block at a time).
// Neither has an output limit, so each frame's header is read here first: a frame that announces
// more content than the cap, or a window far larger than any body within the cap needs, is refused
// before fzstd allocates anything; frames without a content size are streamed and stopped at the cap.

const ZSTD_MAGIC = 0xfd2fb528;
const FZSTD_MAX_WINDOW = 2145386496;

interface ZstdFrameHeader {
  headerEnd: number;
  windowSize: number;
  contentSize?: number;
  checksum: boolean;
  dictionaryId: number;
}

function readUIntLE(buf: Uint8Array, at: number, bytes: number): number {
  let value = 0;
  for (let i = bytes - 1; i >= 0; i--) value = value * 256 + buf[at + i];
  return value;
}

function truncated(): HttpError {
  return new HttpError(400, 'request body is not valid zstd: the frame is truncated', { code: 'invalid_body' });
}

function readZstdFrameHeader(buf: Uint8Array, at: number): ZstdFrameHeader {
  let p = at + 4;
  if (p >= buf.length) throw truncated();
  const descriptor = buf[p++];
  const fcsFlag = descriptor >> 6;
  const singleSegment = (descriptor >> 5) & 1;
  if (descriptor & 0x08) throw new HttpError(400, 'request body is not valid zstd: reserved frame header bit set', { code: 'invalid_body' });
  const checksum = ((descriptor >> 2) & 1) === 1;
  const dictionaryIdBytes = [0, 1, 2, 4][descriptor & 3];
  let windowSize = 0;
  if (!singleSegment) {
    if (p >= buf.length) throw truncated();
    const wd = buf[p++];
    const base = 2 ** (10 + (wd >> 3));
    windowSize = base + (base / 8) * (wd & 7);
  }
  if (p + dictionaryIdBytes > buf.length) throw truncated();
  const dictionaryId = readUIntLE(buf, p, dictionaryIdBytes);
  p += dictionaryIdBytes;
  const fcsBytes = fcsFlag === 0 ? singleSegment : 1 << fcsFlag;
  if (p + fcsBytes > buf.length) throw truncated();
  let contentSize: number | undefined;
  if (fcsBytes > 0) {
    contentSize = readUIntLE(buf, p, fcsBytes) + (fcsBytes === 2 ? 256 : 0);
    if (singleSegment) windowSize = contentSize;
  }
  p += fcsBytes;
  return { headerEnd: p, windowSize, contentSize, checksum, dictionaryId };
}

/** Where the frame starting at `headerEnd` ends, by walking its block headers. */
function zstdFrameEnd(buf: Uint8Array, header: ZstdFrameHeader): number {
  let p = header.headerEnd;
  for (;;) {
    if (p + 3 > buf.length) throw truncated();
    const blockHeader = buf[p] | (buf[p + 1] << 8) | (buf[p + 2] << 16);
    p += 3;
    const last = blockHeader & 1;
    const type = (blockHeader >> 1) & 3;
    const size = blockHeader >>> 3;
    if (type === 3) throw new HttpError(400, 'request body is not valid zstd: reserved block type', { code: 'invalid_body' });
    p += type === 1 ? 1 : size; // RLE blocks carry one byte; raw and compressed carry `size` bytes
    if (p > buf.length) throw truncated();
    if (last) break;
  }
  if (header.checksum) p += 4;
  if (p > buf.length) throw truncated();
  return p;
}

class ZstdCapExceeded extends Error {}

/** Decode a (possibly multi-frame) zstd body, refusing to produce more than `cap` bytes. */
export function decodeZstd(input: Uint8Array, cap: number): Buffer {
  const parts: Uint8Array[] = [];
  let total = 0;
  let pos = 0;
  // A body within the cap never needs a window bigger than twice the cap (zstd rounds the window up
  // to a power of two at most); 8 MB covers streaming encoders that do not know the input size.
  const windowLimit = Math.min(FZSTD_MAX_WINDOW, Math.max(2 * cap, 8 * MiB));
  if (input.length === 0) return Buffer.alloc(0);
  while (pos < input.length) {
    if (pos + 4 > input.length) throw truncated();
    const magic = readUIntLE(input, pos, 4);
    if (magic >= 0x184d2a50 && magic <= 0x184d2a5f) {
      // skippable frame: magic, 4-byte length, payload
      if (pos + 8 > input.length) throw truncated();
      pos += 8 + readUIntLE(input, pos + 4, 4);
      if (pos > input.length) throw truncated();
      continue;
    }
    if (magic !== ZSTD_MAGIC) {
      throw new HttpError(400, 'request body is not valid zstd: missing frame magic number', { code: 'invalid_body' });
    }
    const header = readZstdFrameHeader(input, pos);
    const end = zstdFrameEnd(input, header);
    const frame = input.subarray(pos, end);
    pos = end;
    if (header.dictionaryId !== 0) {
      throw new HttpError(400, 'request body is not valid zstd: frames that need a dictionary are not supported', { code: 'invalid_body' });
    }
    if (header.contentSize !== undefined) {
      if (total + header.contentSize > cap) throw tooLarge('decoded request body', cap);
      if (header.contentSize === 0) continue;
      let out: Uint8Array;
      try {
        out = zstdDecompressFrame(frame);
      } catch (error) {
        throw new HttpError(400, `request body is not valid zstd: ${(error as Error).message}`, { code: 'invalid_body' });
      }
      total += out.length;
      if (total > cap) throw tooLarge('decoded request body', cap);
      parts.push(out);
      continue;
    }
    if (header.windowSize > windowLimit) {
      throw new HttpError(413, `zstd window of ${formatBytes(header.windowSize)} is larger than a body within the ${formatBytes(cap)} limit needs`, {
        code: 'request_too_large',
      });
    }
    const stream = new Decompress((block) => {
      total += block.length;
      if (total > cap) throw new ZstdCapExceeded();
      parts.push(block.slice());
    });
    try {
      stream.push(frame, true);
    } catch (error) {
      if (error instanceof ZstdCapExceeded) throw tooLarge('decoded request body', cap);
      throw new HttpError(400, `request body is not valid zstd: ${(error as Error).message}`, { code: 'invalid_body' });
    }
  }
  return Buffer.concat(parts, total);
}
