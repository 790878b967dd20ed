import type { ChatRequest } from '../translate/types.js';
import { isDeepFrozen } from '../translate/deep-freeze.js';
import { KeptCache } from './kept-cache.js';

// The chat request as the UTF-8 JSON body sent upstream: the same bytes as
// Buffer.from(JSON.stringify(request)), without escaping and encoding again, on every turn, the
// parts Codex repeats: the tools (frozen when parsed, so their bytes are kept with them) and long
// message texts (its instructions, AGENTS.md, the environment, the tool outputs of the history),
// kept by their text.

/** Texts shorter than this are cheaper to encode again than to look up. */
const KEPT_TEXT_MIN_CHARS = 1024;
/** Bytes of kept texts at most (see KeptCache for what is kept when full). */
const KEPT_TEXT_MAX_BYTES = 4 * 1024 * 1024;

const bytesOfFrozen = new WeakMap<object, Buffer>();
/** The server's kept texts: one per process, shared by every request. */
const processKeptTexts = new KeptCache<Buffer>(KEPT_TEXT_MAX_BYTES);

function frozenBytes(value: object): Buffer {
  let bytes = bytesOfFrozen.get(value);
  if (!bytes) {
    bytes = Buffer.from(JSON.stringify(value));
    bytesOfFrozen.set(value, bytes);
  }
  return bytes;
}

/** A text's JSON: kept bytes when there are (or can be), else the JSON text to encode with the rest. */
function textJson(text: string, kept: KeptCache<Buffer>): Buffer | string {
  const known = kept.find(text);
  if (known) return known;
  const json = JSON.stringify(text);
  // The key holds the text too: count both (the bytes are at least as many as the JSON's characters).
  if (!kept.hasRoom(json.length + text.length)) return json;
  const bytes = Buffer.from(json);
  kept.keep(text, bytes, bytes.length + text.length);
  return bytes;
}

/** JSON text and kept bytes, in order; adjacent text is encoded in one go. */
class JsonParts {
  private readonly parts: Buffer[] = [];
  private text = '';

  add(text: string): void {
    this.text += text;
  }

  addBytes(bytes: Buffer): void {
    if (this.text !== '') {
      this.parts.push(Buffer.from(this.text));
      this.text = '';
    }
    this.parts.push(bytes);
  }

  finish(): Buffer {
    if (this.parts.length === 0) return Buffer.from(this.text);
    if (this.text !== '') this.parts.push(Buffer.from(this.text));
    return Buffer.concat(this.parts);
  }
}

type Message = ChatRequest['messages'][number];

function hasKeptText(message: Message): boolean {
  return message !== null && typeof message === 'object' && typeof message.content === 'string' && message.content.length >= KEPT_TEXT_MIN_CHARS;
}

/** `{...}` of a plain object, each member through `member` (JSON.stringify's rules for what is left out). */
function addObject(out: JsonParts, object: object, member: (key: string, value: unknown) => boolean): void {
  out.add('{');
  let first = true;
  for (const key of Object.keys(object)) {
    const value = (object as Record<string, unknown>)[key];
    if (value === undefined || typeof value === 'function' || typeof value === 'symbol') continue;
    out.add(`${first ? '' : ','}${JSON.stringify(key)}:`);
    first = false;
    if (!member(key, value)) out.add(JSON.stringify(value));
  }
  out.add('}');
}

function addMessages(out: JsonParts, messages: Message[], kept: KeptCache<Buffer>): void {
  out.add('[');
  let from = 0;
  const addRun = (to: number) => {
    // Messages with nothing kept go through JSON.stringify together, as one array.
    if (to > from) out.add(`${from > 0 ? ',' : ''}${JSON.stringify(messages.slice(from, to)).slice(1, -1)}`);
  };
  for (let i = 0; i < messages.length; i++) {
    const message = messages[i];
    if (!hasKeptText(message)) continue;
    addRun(i);
    if (i > 0) out.add(',');
    addObject(out, message, (key, value) => {
      if (key !== 'content') return false;
      const json = textJson(value as string, kept);
      if (typeof json === 'string') out.add(json);
      else out.addBytes(json);
      return true;
    });
    from = i + 1;
  }
  addRun(messages.length);
  out.add(']');
}

/**
 * Buffer.from(JSON.stringify(request)), reusing the bytes of what earlier requests had too. `kept`
 * holds the texts' bytes (the process's own by default).
 */
export function encodeChatRequest(request: ChatRequest, kept: KeptCache<Buffer> = processKeptTexts): Buffer {
  if (request === null || typeof request !== 'object' || Array.isArray(request) || typeof (request as { toJSON?: unknown }).toJSON === 'function') {
    return Buffer.from(JSON.stringify(request));
  }
  kept.nextRequest();
  const out = new JsonParts();
  addObject(out, request, (key, value) => {
    if (key === 'messages' && Array.isArray(value) && !('toJSON' in value)) {
      addMessages(out, value as Message[], kept);
      return true;
    }
    if (value !== null && typeof value === 'object' && isDeepFrozen(value)) {
      out.addBytes(frozenBytes(value));
      return true;
    }
    return false;
  });
  return out.finish();
}
