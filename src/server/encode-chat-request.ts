import type { ChatRequest } from '../translate/types.js';
import { isDeepFrozen } from '../translate/deep-freeze.js';

// The chat request as the UTF-8 JSON body sent upstream: the same bytes as
// Buffer.from(JSON.stringify(request)), without escaping and encoding again, on every turn, the
// parts Codex repeats: the tools (frozen when parsed, so their bytes are kept with them) and the long
// system and developer texts (its instructions, AGENTS.md, the environment), kept by their text.

/** System/developer texts shorter than this are cheaper to encode again than to look up. */
const KEPT_TEXT_MIN_CHARS = 2048;
/** Texts kept: the instructions of a few clients at once, not every long message ever sent. */
const KEPT_TEXT_MAX = 16;

const bytesOfFrozen = new WeakMap<object, Buffer>();
/** Most recently used last (a Map keeps insertion order). */
const bytesOfText = new Map<string, Buffer>();

function frozenBytes(value: object): Buffer {
  let bytes = bytesOfFrozen.get(value);
  if (!bytes) {
    bytes = Buffer.from(JSON.stringify(value));
    bytesOfFrozen.set(value, bytes);
  }
  return bytes;
}

function textBytes(text: string): Buffer {
  let bytes = bytesOfText.get(text);
  if (bytes) {
    bytesOfText.delete(text);
  } else {
    bytes = Buffer.from(JSON.stringify(text));
    if (bytesOfText.size >= KEPT_TEXT_MAX) bytesOfText.delete(bytesOfText.keys().next().value as string);
  }
  bytesOfText.set(text, bytes);
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
  return (
    message !== null &&
    typeof message === 'object' &&
    (message.role === 'system' || message.role === 'developer') &&
    typeof message.content === 'string' &&
    message.content.length >= KEPT_TEXT_MIN_CHARS
  );
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

function addMessages(out: JsonParts, messages: Message[]): void {
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
      out.addBytes(textBytes(value as string));
      return true;
    });
    from = i + 1;
  }
  addRun(messages.length);
  out.add(']');
}

/** Buffer.from(JSON.stringify(request)), reusing the bytes of what earlier requests had too. */
export function encodeChatRequest(request: ChatRequest): Buffer {
  if (request === null || typeof request !== 'object' || Array.isArray(request) || typeof (request as { toJSON?: unknown }).toJSON === 'function') {
    return Buffer.from(JSON.stringify(request));
  }
  const out = new JsonParts();
  addObject(out, request, (key, value) => {
    if (key === 'messages' && Array.isArray(value) && !('toJSON' in value)) {
      addMessages(out, value as Message[]);
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
