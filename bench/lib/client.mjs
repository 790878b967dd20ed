// The bench's client side: one undici Pool per target, streamed requests timed with
// performance.now(), and a byte scanner that spots the first text delta and the end of the stream
// without parsing (so the client costs the same whichever target it talks to).
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';

/** Finds a byte string in a stream of chunks, also when it straddles two chunks. */
class Scanner {
  constructor(marker) {
    this.marker = Buffer.from(marker, 'utf8');
    this.carry = Buffer.alloc(0);
    this.found = false;
  }

  feed(chunk) {
    if (this.found) return true;
    if (chunk.indexOf(this.marker) !== -1) return (this.found = true);
    const keep = this.marker.length - 1;
    if (this.carry.length > 0) {
      const joint = Buffer.concat([this.carry, chunk.subarray(0, keep)]);
      if (joint.indexOf(this.marker) !== -1) return (this.found = true);
    }
    const tail = chunk.length >= keep ? chunk.subarray(chunk.length - keep) : Buffer.concat([this.carry, chunk]).subarray(-keep);
    this.carry = Buffer.from(tail);
    return false;
  }
}

/**
 * A place to send streamed requests: `bodyFor(model)` gives the request body text for a mock
 * scenario, `first` marks the first text delta, `end` the clean end, `fail` a failed stream.
 */
export function createTarget({ name, origin, path, headers, bodyFor, first, end, fail }) {
  const pool = new Pool(origin, { keepAliveTimeout: 60_000, headersTimeout: 120_000, bodyTimeout: 120_000 });
  const bodies = new Map();
  const body = (model) => {
    let text = bodies.get(model);
    if (text === undefined) {
      text = bodyFor(model);
      bodies.set(model, text);
    }
    return text;
  };
  return {
    name,
    /** One streamed request: ms to the first text delta, ms to the last byte, bytes received. */
    async stream(model) {
      const payload = body(model);
      const started = performance.now();
      const response = await pool.request({ path, method: 'POST', headers, body: payload });
      if (response.statusCode !== 200) {
        const text = await response.body.text();
        throw new Error(`${name}: HTTP ${response.statusCode}: ${text.slice(0, 300)}`);
      }
      const firstScan = new Scanner(first);
      const endScan = new Scanner(end);
      const failScan = fail ? new Scanner(fail) : undefined;
      let firstMs = Number.NaN;
      let bytes = 0;
      for await (const chunk of response.body) {
        bytes += chunk.length;
        if (!firstScan.found && firstScan.feed(chunk)) firstMs = performance.now() - started;
        endScan.feed(chunk);
        if (failScan?.feed(chunk)) throw new Error(`${name}: the stream failed`);
      }
      const totalMs = performance.now() - started;
      if (!endScan.found) throw new Error(`${name}: the stream ended without ${end}`);
      if (!firstScan.found) throw new Error(`${name}: no text delta in the stream`);
      return { firstMs, totalMs, bytes };
    },
    close() {
      return pool.destroy();
    },
  };
}

/** Runs `task(i)` for i in 0..count-1 with at most `concurrency` in flight; stops at `deadline`. */
export async function runConcurrently(count, concurrency, task, deadline = Number.POSITIVE_INFINITY) {
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < count && performance.now() < deadline) {
      const i = next++;
      await task(i);
      done++;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return done;
}
