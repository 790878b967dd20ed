import { HttpError } from './send-json.js';
import { deepFreeze } from '../translate/deep-freeze.js';
import { KeptCache } from './kept-cache.js';

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
interface ReusedValue extends KnownValue {
  bytes: Buffer;
}

/** How many of a value's first bytes say where it is filed. */
const HEAD_BYTES = 64;

/** FNV-1a of a value's first bytes: where a kept value that starts at `at` is filed. */
function headHash(bytes: Uint8Array, at: number): number {
  let hash = 0x811c9dc5;
  const stop = Math.min(bytes.length, at + HEAD_BYTES);
  for (let i = at; i < stop; i++) hash = Math.imul(hash ^ bytes[i], 0x01000193);
  return hash >>> 0;
}

/** Parsed values by the bytes they came from (see KeptCache for what is kept). */
export class ReusedValues {
  private readonly cache: KeptCache<ReusedValue, number>;

  constructor(maxBytes = REUSED_MAX_BYTES, staleAfterRequests?: number) {
    this.cache = new KeptCache(maxBytes, staleAfterRequests);
  }

  /** Counts a request, for staleness. */
  nextRequest(): void {
    this.cache.nextRequest();
  }

  /** The kept value whose bytes start at `at` in `body`, if any. */
  readonly findAt = (body: Uint8Array, at: number): ReusedValue | undefined => {
    const room = body.length - at;
    return this.cache.find(
      headHash(body, at),
      (entry) => entry.length <= room && Buffer.compare(entry.bytes, body.subarray(at, at + entry.length)) === 0,
    );
  };

  /** Keeps the value parsed from body[start, end) (a copy of those bytes with it) if there is room. */
  keep(body: Buffer, start: number, end: number, value: unknown): boolean {
    if (!this.cache.hasRoom(end - start)) return false;
    const bytes = Buffer.from(body.subarray(start, end));
    const { depth } = scanJsonBody(bytes, Number.POSITIVE_INFINITY);
    return this.cache.keep(headHash(bytes, 0), { bytes, value, length: bytes.length, depth }, bytes.length);
  }
}

/** The server's: one per process, shared by every request. */
const processReusedValues = new ReusedValues();

/** A value the scan found: the top-level `tools`, or item `index` of the top-level `input`; bytes [start, end). */
export interface ValueSpan {
  member: 'tools' | 'input';
  index?: number;
  start: number;
  end: number;
  /** A value kept from an earlier request whose bytes these are (the scan skipped over them). */
  known?: KnownValue;
}

/** What the scan needs to know of a value kept from earlier: its length, nesting, and the value. */
export interface KnownValue {
  length: number;
  /** How deep it nests, counting its own brackets (`{}` is 1). */
  depth: number;
  value: unknown;
}

/** The kept value whose bytes start at `at`, if any. */
export type KnownValueAt = (bytes: Uint8Array, at: number) => KnownValue | undefined;

export interface JsonBodyScan {
  /** Nested deeper than the limit (the scan stops there). */
  tooDeep: boolean;
  /**
   * The `tools` array and the object items of the `input` array, in body order. Empty when the body
   * is not an object, or `tools` or `input` appears twice, or a top-level key uses escapes (JSON.parse
   * would then decide which member counts).
   */
  spans: ValueSpan[];
  /** The deepest nesting seen (up to the limit). */
  depth: number;
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
export function scanJsonBody(bytes: Uint8Array, limit: number, knownAt?: KnownValueAt): JsonBodyScan {
  const spans: ValueSpan[] = [];
  const seenMembers = new Set<string>();
  let usable = true;
  let depth = 0;
  let maxDepth = 0;
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
        if (i === -1) return { tooDeep: false, spans: [], depth: maxDepth }; // unterminated: JSON.parse says so
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
      let candidate: ValueSpan | undefined;
      if (depth === 1 && pending !== undefined) {
        if (pending === 'input' && c === 0x5b) {
          inInput = true;
          inputIndex = 0;
        } else if (pending === 'tools') {
          candidate = { member: 'tools', start: i, end: -1 };
        }
        pending = undefined;
      } else if (depth === 2 && inInput) {
        candidate = { member: 'input', index: inputIndex, start: i, end: -1 };
      }
      if (candidate) {
        // Bytes kept from an earlier request are balanced JSON of a known depth: skip over them.
        const known = knownAt?.(bytes, i);
        if (known !== undefined && depth + known.depth <= limit) {
          candidate.end = i + known.length;
          candidate.known = known;
          spans.push(candidate);
          maxDepth = Math.max(maxDepth, depth + known.depth);
          i = candidate.end - 1;
          continue;
        }
        open = candidate;
      }
      if (++depth > limit) return { tooDeep: true, spans: [], depth };
      if (depth > maxDepth) maxDepth = depth;
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
  return { tooDeep: false, spans: usable ? spans : [], depth: maxDepth };
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
 * nested one. The large values Codex repeats every turn come back frozen (see above); `reused` is
 * where they are kept (the process's own by default).
 */
export function parseJsonBody(body: Buffer, reused: ReusedValues = processReusedValues): unknown {
  reused.nextRequest();
  const scan = scanJsonBody(body, MAX_JSON_DEPTH, reused.findAt);
  if (scan.tooDeep) {
    throw new HttpError(400, `request body is nested more than ${MAX_JSON_DEPTH} levels deep; the bridge accepts at most ${MAX_JSON_DEPTH}`, {
      code: 'json_too_deep',
    });
  }
  const spans = scan.spans.filter((span) => span.end - span.start >= REUSED_MIN_BYTES);
  if (spans.length === 0) return parseWhole(body);
  // Values seen before are replaced by null and put back after parsing; the others are parsed with
  // the rest and kept for next time. A value is valid JSON on its own, so the rest parses exactly
  // when the whole body does.
  const hits: Array<{ span: ValueSpan; value: unknown }> = [];
  const misses: ValueSpan[] = [];
  let text = '';
  let at = 0;
  for (const span of spans) {
    const known = span.known;
    if (!known) {
      misses.push(span);
      continue;
    }
    hits.push({ span, value: known.value });
    text += `${body.toString('utf8', at, span.start)}null`;
    at = span.end;
  }
  let parsed: Record<string, unknown>;
  if (hits.length === 0) {
    parsed = parseWhole(body) as Record<string, unknown>;
  } else {
    text += body.toString('utf8', at);
    try {
      parsed = JSON.parse(text);
    } catch {
      throw invalidJson(body.toString('utf8'));
    }
    for (const { span, value } of hits) {
      if (span.index === undefined) parsed[span.member] = value;
      else (parsed[span.member] as unknown[])[span.index] = value;
    }
  }
  for (const span of misses) {
    const value = span.index === undefined ? parsed[span.member] : (parsed[span.member] as unknown[])[span.index];
    if (reused.keep(body, span.start, span.end, value)) deepFreeze(value);
  }
  return parsed;
}

function parseWhole(body: Buffer): unknown {
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
