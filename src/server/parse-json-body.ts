import { HttpError } from './send-json.js';
import { deepFreeze } from '../translate/deep-freeze.js';

// A request body's bytes → its JSON value, with the 400s the server answers for bodies it cannot use.
//
// Codex repeats most of each request on every turn: the same `tools` (~15 KB), and an `input` that
// starts with the same large items (its instructions as a developer message, AGENTS.md, the
// environment) before the turns that change. Decoding and parsing those again is most of the cost of
// a request. The scan that checks the nesting depth (which must look at every byte anyway) also
// notes where these values lie; when their bytes equal those of an earlier request, that request's
// parsed value is reused (frozen, so no one can change it under the next request) and only the rest
// of the body is decoded and parsed.

/**
 * Deepest array/object nesting a request body may have. Real requests nest a few dozen levels (tool
 * schemas); the translators and JSON.stringify recurse, so a body nested 100k levels deep would
 * overflow the stack somewhere past the parser.
 */
export const MAX_JSON_DEPTH = 1000;

/** Smaller values are cheaper to parse again than to look up. */
const REUSED_MIN_BYTES = 1024;
/**
 * Bytes of values kept at most: the repeated parts (tools, instructions, the large items of a long
 * history) of a few sessions at once, and the parsed values (a few times as large) behind them.
 */
const REUSED_MAX_BYTES = 4 * 1024 * 1024;
/** A value no request brought for this many requests may make room for a new one. */
const STALE_AFTER_REQUESTS = 64;

interface ReusedValue {
  bytes: Buffer;
  value: unknown;
  lastUsed: number;
}

/**
 * Parsed values by the bytes they came from. Codex sends a session's whole history every turn, so
 * its values come back in the same order each time: evicting the least recently used to make room
 * would evict exactly what the rest of the request is about to need. Instead a full cache only
 * makes room by dropping values no request brought for a while, and otherwise keeps what it has.
 */
export class ReusedValues {
  constructor(
    private readonly maxBytes = REUSED_MAX_BYTES,
    private readonly staleAfterRequests = STALE_AFTER_REQUESTS,
  ) {}

  private readonly byLength = new Map<number, ReusedValue[]>();
  private bytes = 0;
  private requests = 0;
  /** No stale value was found at this request: do not look again for a while. */
  private nextSweep = 0;

  /** Counts a request, for staleness. */
  nextRequest(): void {
    this.requests++;
  }

  /** The value parsed from the same bytes as body[start, end), if kept. */
  find(body: Buffer, start: number, end: number): ReusedValue | undefined {
    const candidates = this.byLength.get(end - start);
    if (!candidates) return undefined;
    for (const entry of candidates) {
      if (body.compare(entry.bytes, 0, entry.bytes.length, start, end) === 0) {
        entry.lastUsed = this.requests;
        return entry;
      }
    }
    return undefined;
  }

  /** Keeps a value if there is room, or room can be made from stale ones. */
  keep(bytes: Buffer, value: unknown): void {
    if (this.bytes + bytes.length > this.maxBytes && !this.sweep(bytes.length)) return;
    const entry = { bytes, value, lastUsed: this.requests };
    const list = this.byLength.get(bytes.length);
    if (list) list.push(entry);
    else this.byLength.set(bytes.length, [entry]);
    this.bytes += bytes.length;
  }

  /** Drops stale values; true if `needed` bytes now fit. */
  private sweep(needed: number): boolean {
    if (this.requests < this.nextSweep) return false;
    for (const [length, list] of this.byLength) {
      const fresh = list.filter((entry) => this.requests - entry.lastUsed <= this.staleAfterRequests);
      this.bytes -= (list.length - fresh.length) * length;
      if (fresh.length === 0) this.byLength.delete(length);
      else if (fresh.length < list.length) this.byLength.set(length, fresh);
    }
    const fits = this.bytes + needed <= this.maxBytes;
    if (!fits) this.nextSweep = this.requests + Math.ceil(this.staleAfterRequests / 4);
    return fits;
  }
}

const reused = new ReusedValues();

/** A value the scan found: the top-level `tools`, or item `index` of the top-level `input`; bytes [start, end). */
export interface ValueSpan {
  member: 'tools' | 'input';
  index?: number;
  start: number;
  end: number;
}

export interface JsonBodyScan {
  /** Nested deeper than the limit (the scan stops there). */
  tooDeep: boolean;
  /**
   * The `tools` array and the object items of the `input` array, in body order. Empty when the body
   * is not an object, or `tools` or `input` appears twice, or a top-level key uses escapes (JSON.parse
   * would then decide which member counts).
   */
  spans: ValueSpan[];
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/**
 * One pass over the bytes: the nesting depth (brackets inside strings don't count) and where the
 * reusable values are. UTF-8 never puts a byte below 0x80 inside a multi-byte character, so the
 * structural characters can be found byte by byte.
 */
export function scanJsonBody(bytes: Uint8Array, limit: number): JsonBodyScan {
  const spans: ValueSpan[] = [];
  const seenMembers = new Set<string>();
  let usable = true;
  let depth = 0;
  let i = 0;
  while (i < bytes.length && isSpace(bytes[i])) i++;
  const isObject = bytes[i] === 0x7b;
  /** At depth 1 of the top-level object: whether the next string is a key. */
  let expectKey = false;
  /** The member (tools or input) whose value starts at the next value byte. */
  let pending: 'tools' | 'input' | undefined;
  /** The top-level value being scanned is the `input` array: its items are at depth 2. */
  let inInput = false;
  let inputIndex = 0;
  let open: ValueSpan | undefined;
  for (; i < bytes.length; i++) {
    const c = bytes[i];
    if (c === QUOTE) {
      const start = i;
      // To the next quote not escaped by an odd number of backslashes.
      for (;;) {
        i = bytes.indexOf(QUOTE, i + 1);
        if (i === -1) return { tooDeep: false, spans: [] }; // unterminated: JSON.parse says so
        let backslashes = 0;
        while (bytes[i - 1 - backslashes] === BACKSLASH) backslashes++;
        if (backslashes % 2 === 0) break;
      }
      if (depth !== 1 || !isObject) continue;
      if (expectKey) {
        expectKey = false;
        const name = Buffer.from(bytes.buffer, bytes.byteOffset + start + 1, i - start - 1).toString('latin1');
        // "tool\u0073" is "tools" to JSON.parse: which member counts is then its call.
        if (name.includes('\\')) usable = false;
        if (name === 'tools' || name === 'input') {
          if (seenMembers.has(name)) usable = false;
          seenMembers.add(name);
          pending = name;
        }
      } else {
        pending = undefined; // a string value: not reused
      }
    } else if (c === 0x5b || c === 0x7b) {
      if (depth === 1 && pending !== undefined) {
        if (pending === 'input' && c === 0x5b) {
          inInput = true;
          inputIndex = 0;
        } else if (pending === 'tools') {
          open = { member: 'tools', start: i, end: -1 };
        }
        pending = undefined;
      } else if (depth === 2 && inInput) {
        open = { member: 'input', index: inputIndex, start: i, end: -1 };
      }
      if (++depth > limit) return { tooDeep: true, spans: [] };
      if (depth === 1 && isObject) expectKey = true;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
      if (open && depth === (open.member === 'tools' ? 1 : 2)) {
        open.end = i + 1;
        spans.push(open);
        open = undefined;
      }
      if (depth === 1) inInput = false;
    } else if (c === COMMA) {
      if (depth === 1 && isObject) expectKey = true;
      else if (depth === 2 && inInput) inputIndex++;
    } else if (depth === 1 && pending !== undefined && !isSpace(c) && c !== 0x3a) {
      pending = undefined; // a number or literal: not reused
    }
  }
  return { tooDeep: false, spans: usable ? spans : [] };
}

/** The parsed value of a span's bytes: reused if seen before, else parsed (undefined if not valid JSON). */
function spanValue(body: Buffer, span: ValueSpan): { value: unknown } | undefined {
  const known = reused.find(body, span.start, span.end);
  if (known) return known;
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8', span.start, span.end));
  } catch {
    return undefined;
  }
  deepFreeze(value);
  reused.keep(Buffer.from(body.subarray(span.start, span.end)), value);
  return { value };
}

/** The 400 for a body that is not JSON, with JSON.parse's own words for where it breaks. */
function invalidJson(text: string): HttpError {
  try {
    JSON.parse(text);
  } catch (error) {
    return new HttpError(400, `request body is not valid JSON: ${(error as Error).message}`, { code: 'invalid_json' });
  }
  return new HttpError(400, 'request body is not valid JSON', { code: 'invalid_json' });
}

/**
 * JSON.parse of a request body, with the 400 the server answers for an empty, malformed or absurdly
 * nested one. The large members Codex repeats every turn come back frozen (see above).
 */
export function parseJsonBody(body: Buffer): unknown {
  const scan = scanJsonBody(body, MAX_JSON_DEPTH);
  if (scan.tooDeep) {
    throw new HttpError(400, `request body is nested more than ${MAX_JSON_DEPTH} levels deep; the bridge accepts at most ${MAX_JSON_DEPTH}`, {
      code: 'json_too_deep',
    });
  }
  const spans = scan.spans.filter((span) => span.end - span.start >= REUSED_MIN_BYTES);
  if (spans.length > 0) {
    reused.nextRequest();
    // The body with each such value replaced by null, parsed; the values go back in afterwards.
    // Each value is valid JSON on its own, so the rest parses exactly when the whole body does.
    const values: unknown[] = [];
    let text = '';
    let at = 0;
    for (const span of spans) {
      const found = spanValue(body, span);
      if (!found) break;
      values.push(found.value);
      text += `${body.toString('utf8', at, span.start)}null`;
      at = span.end;
    }
    if (values.length === spans.length) {
      text += body.toString('utf8', at);
      let parsed: Record<string, unknown>;
      try {
        parsed = JSON.parse(text);
      } catch {
        throw invalidJson(body.toString('utf8'));
      }
      for (let k = 0; k < spans.length; k++) {
        const span = spans[k];
        if (span.index === undefined) parsed[span.member] = values[k];
        else (parsed[span.member] as unknown[])[span.index] = values[k];
      }
      return parsed;
    }
  }
  const text = body.toString('utf8');
  if (text.trim() === '') {
    throw new HttpError(400, 'request body is not valid JSON: the body is empty', { code: 'invalid_json' });
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new HttpError(400, `request body is not valid JSON: ${(error as Error).message}`, { code: 'invalid_json' });
  }
}
