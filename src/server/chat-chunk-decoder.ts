import type { UpstreamStreamEvent } from './upstream-types.js';
import type { ChatChunk } from '../translate/types.js';
import { deepFreeze } from '../translate/deep-freeze.js';

// The `data:` of an upstream SSE event → an UpstreamStreamEvent, for one stream.
//
// Nearly every chunk of a stream is the one before with another piece of text:
//   {"id":"x","object":"chat.completion.chunk",…,"choices":[{"index":0,"delta":{"content":"<text>"},…}]}
// JSON.parse of each is most of the bridge's work per chunk. So once a chunk has been parsed, the
// decoder notes the text before and after its one text literal; a later chunk that starts and ends
// with exactly that text differs only in that literal, and is built from the parsed one with the new
// text, without parsing the rest again. Whether the literal was found right is checked once, when
// it is noted, by parsing the chunk with another literal in its place.

const TEXT_FIELDS = ['content', 'reasoning_content', 'reasoning'] as const;
type TextField = (typeof TEXT_FIELDS)[number];

interface Template {
  prefix: string;
  suffix: string;
  field: TextField;
  /** The chunk it was learnt from, frozen: its parts are shared by the chunks built from it. */
  chunk: ChatChunk;
}

/** A string literal's value when it is one JSON string literal, else undefined. */
function stringLiteral(data: string, start: number, end: number): string | undefined {
  if (end - start < 2 || data.charCodeAt(start) !== 0x22 || data.charCodeAt(end - 1) !== 0x22) return undefined;
  const inner = data.slice(start + 1, end - 1);
  // The common case, no escapes: the value is the text itself, if nothing in it needs escaping.
  if (!inner.includes('\\')) return inner.includes('"') || /[\u0000-\u001f]/.test(inner) ? undefined : inner;
  try {
    const value: unknown = JSON.parse(data.slice(start, end));
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

/** Where the string literal after `"field":` ends (past its closing quote), or -1. */
function literalEnd(data: string, start: number): number {
  for (let i = start + 1; i < data.length; i++) {
    const c = data.charCodeAt(i);
    if (c === 0x5c) i++;
    else if (c === 0x22) return i + 1;
  }
  return -1;
}

export function classifyChunkData(data: string): UpstreamStreamEvent {
  if (data.trim() === '[DONE]') return { type: 'done' };
  try {
    const parsed: unknown = JSON.parse(data);
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) return { type: 'chunk', chunk: parsed as ChatChunk };
  } catch {
    // fall through
  }
  return { type: 'malformed', data };
}

export class ChatChunkDecoder {
  private template: Template | undefined;
  private decoded = 0;
  /** Chunks built from a template rather than parsed (for tests and the bench). */
  fastDecodes = 0;
  /** Templates that did not fit the chunk after them, in a row; learning slows down with each. */
  private failures = 0;
  private learnAt = 0;

  decode(data: string): UpstreamStreamEvent {
    this.decoded++;
    const template = this.template;
    if (template !== undefined) {
      const end = data.length - template.suffix.length;
      if (end > template.prefix.length && data.startsWith(template.prefix) && data.endsWith(template.suffix)) {
        const text = stringLiteral(data, template.prefix.length, end);
        if (text !== undefined) {
          this.fastDecodes++;
          this.failures = 0;
          return { type: 'chunk', chunk: withText(template, text) };
        }
      }
      this.template = undefined;
      this.failures++;
      this.learnAt = this.decoded + (1 << Math.min(this.failures, 12));
    }
    const event = classifyChunkData(data);
    if (event.type === 'chunk' && this.decoded >= this.learnAt) this.template = learn(data, event.chunk);
    return event;
  }
}

/** The template's chunk with `text` as its field: new objects on the way to the field, shared parts elsewhere. */
function withText(template: Template, text: string): ChatChunk {
  const chunk = template.chunk as ChatChunk & { choices: Array<Record<string, unknown> & { delta: Record<string, unknown> }> };
  const choice = chunk.choices[0];
  return { ...chunk, choices: [{ ...choice, delta: { ...choice.delta, [template.field]: text } }] } as ChatChunk;
}

/** A template for the chunks after this one, if it has one choice with one text field that can be found. */
function learn(data: string, chunk: ChatChunk): Template | undefined {
  const choices = (chunk as { choices?: unknown }).choices;
  if (!Array.isArray(choices) || choices.length !== 1) return undefined;
  const choice = choices[0] as { delta?: unknown } | null;
  const delta = choice?.delta as Record<string, unknown> | undefined;
  if (!delta || typeof delta !== 'object' || Array.isArray(delta)) return undefined;
  const fields = TEXT_FIELDS.filter((name) => typeof delta[name] === 'string');
  if (fields.length !== 1) return undefined;
  const field = fields[0];
  const key = data.lastIndexOf(`"${field}"`);
  if (key === -1) return undefined;
  let start = key + field.length + 2;
  while (data.charCodeAt(start) === 0x20) start++;
  if (data.charCodeAt(start) !== 0x3a) return undefined;
  start++;
  while (data.charCodeAt(start) === 0x20) start++;
  const end = data.charCodeAt(start) === 0x22 ? literalEnd(data, start) : -1;
  if (end === -1) return undefined;
  const prefix = data.slice(0, start);
  const suffix = data.slice(end);
  // The check: with another literal there, the same chunk but for that field.
  try {
    const probe = JSON.parse(`${prefix}"\\u0000?"${suffix}`) as { choices?: Array<{ delta?: Record<string, unknown> }> };
    const probed = probe.choices?.[0]?.delta;
    if (!probed || probed[field] !== '\u0000?') return undefined;
    probed[field] = delta[field];
    if (JSON.stringify(probe) !== JSON.stringify(chunk)) return undefined;
  } catch {
    return undefined;
  }
  return { prefix, suffix, field, chunk: deepFreeze(chunk) };
}
