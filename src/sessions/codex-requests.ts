import { absorbRecord, type SessionRecord } from './session-records.js';

// Which conversation a request belongs to. Codex sends some requests of its own on a thread of
// their own (measured with Codex 0.171 against a logging server, see codex-protocol.md §7):
// - The TUI's title request, right after a new conversation's first prompt: a fresh thread-id and
//   session-id, `thread_source: "thread_title"` in x-codex-turn-metadata, no tools, and one user
//   message "Generate a concise, single-line task title … User prompt:\n<the prompt>". Nothing in
//   it names the conversation: it is matched by that prompt (and the working directory).
// - Sub-agents: their own thread-id, with x-codex-parent-thread-id and the root conversation's
//   session-id.
// - Compaction (`request_kind: "compaction"`) and prewarm requests stay on the conversation's own
//   thread-id: nothing to do.
// Their usage counts toward their conversation; they are never sessions of their own.

const TITLE_PROMPT_START = 'Generate a concise, single-line task title';
const USER_PROMPT_MARKER = '\nUser prompt:\n';

type Headers = Record<string, string | string[] | undefined>;

function header(headers: Headers, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function turnMetadata(headers: Headers): Record<string, unknown> {
  const raw = header(headers, 'x-codex-turn-metadata');
  if (!raw) return {};
  try {
    const parsed: unknown = JSON.parse(raw);
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** The text of every user message's text parts. */
function userTexts(items: readonly unknown[]): string[] {
  const texts: string[] = [];
  for (const item of items) {
    const message = item as { role?: unknown; content?: unknown } | null;
    if (!message || message.role !== 'user') continue;
    if (typeof message.content === 'string') texts.push(message.content);
    else if (Array.isArray(message.content)) {
      for (const part of message.content as Array<{ text?: unknown } | null>) if (typeof part?.text === 'string') texts.push(part.text);
    }
  }
  return texts;
}

/** The user's prompt quoted by Codex's title request ('' if it quotes none), or undefined if this is no title request. */
export function titleRequestPrompt(items: readonly unknown[]): string | undefined {
  const text = userTexts(items).find((t) => t.trimStart().startsWith(TITLE_PROMPT_START));
  if (text === undefined) return undefined;
  const at = text.indexOf(USER_PROMPT_MARKER);
  return at < 0 ? '' : text.slice(at + USER_PROMPT_MARKER.length).trim();
}

export type RequestRole =
  /** A conversation's own request: its thread, or a Responses client's chain. */
  | { kind: 'conversation' }
  /** Codex's title request: belongs to the conversation whose first prompt is `prompt`. */
  | { kind: 'title'; prompt: string }
  /** A sub-agent's request: belongs to the conversation `root`. */
  | { kind: 'subagent'; root: string };

export function requestRole(headers: Headers, items: readonly unknown[], conversation: string): RequestRole {
  const thread = header(headers, 'thread-id');
  if (thread === undefined) return { kind: 'conversation' };
  const metadata = turnMetadata(headers);
  if (metadata.thread_source === 'thread_title') return { kind: 'title', prompt: titleRequestPrompt(items) ?? '' };
  const root = header(headers, 'session-id');
  const parent = header(headers, 'x-codex-parent-thread-id');
  if (root && root !== conversation && (parent !== undefined || metadata.thread_source === 'subagent')) return { kind: 'subagent', root };
  // Without metadata (an older Codex), the title request is still told by its prompt.
  if (metadata.thread_source === undefined) {
    const prompt = titleRequestPrompt(items);
    if (prompt !== undefined) return { kind: 'title', prompt };
  }
  return { kind: 'conversation' };
}

const squash = (text: string) => text.replace(/\s+/g, ' ').trim();

/**
 * Whether a conversation titled `title` (its first prompt, cut at 500 characters with "…") is the
 * one a title request quoting `prompt` was made for.
 */
export function titleMatches(title: string, prompt: string): boolean {
  const a = squash(title);
  const b = squash(prompt);
  if (!a || !b) return false;
  if (a === b) return true;
  // Either side may be cut short: the record's title, or the prompt Codex quoted.
  const cut = (text: string) => (text.endsWith('…') ? text.slice(0, -1).trimEnd() : undefined);
  const ac = cut(a);
  const bc = cut(b);
  return (ac !== undefined && ac.length > 0 && b.startsWith(ac)) || (bc !== undefined && bc.length > 0 && a.startsWith(bc));
}

/**
 * codex-bridge 0.1 (sessions schema v1) recorded each title request as a session of its own, titled
 * with the request's prompt. Folds each into the conversation of the same folder whose first prompt
 * it quotes, the one recorded closest in time (both were recorded when their first request ended);
 * one with no such conversation is kept.
 */
export function foldTitleRecords(records: readonly SessionRecord[]): SessionRecord[] {
  const titles = records.filter((record) => squash(record.title).startsWith(TITLE_PROMPT_START));
  if (titles.length === 0) return [...records];
  const byId = new Map(records.map((record) => [record.id, record]));
  for (const internal of titles) {
    const prompt = titleRequestPrompt([{ role: 'user', content: internal.title }]) ?? '';
    const created = Date.parse(internal.createdAt);
    let target: SessionRecord | undefined;
    for (const candidate of byId.values()) {
      if (candidate === internal || titles.includes(candidate) || candidate.client !== 'codex') continue;
      if (internal.cwd && candidate.cwd && internal.cwd !== candidate.cwd) continue;
      if (!titleMatches(candidate.title, prompt)) continue;
      const distance = (record: SessionRecord) => Math.abs(Date.parse(record.createdAt) - created);
      if (!target || distance(candidate) < distance(target)) target = candidate;
    }
    if (!target) continue;
    byId.set(target.id, absorbRecord(byId.get(target.id)!, internal));
    byId.delete(internal.id);
  }
  return [...byId.values()];
}
