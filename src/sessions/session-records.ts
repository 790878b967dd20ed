import type { SessionStoreData, StoredResponse } from '../state/session-store.js';
import { addUsage, costOf, mergeBuckets, type SessionUsage, type UsageBucket } from './session-usage.js';

export { addUsage, emptyUsage, usageFromResponses, type SessionUsage, type UsageBucket } from './session-usage.js';

// The records of sessions.json, and the pure functions around them: what a request adds to its
// session, how two writers' views merge, how the caps prune. No I/O here.

/** v2 added the client, what resume needs, and usage by hour; v1 files are read and rewritten as v2. */
export const SESSIONS_SCHEMA_VERSION = 2;

/** Codex (a thread-id header: resumable with `codex resume`), or another Responses client (previous_response_id chains). */
export type SessionClient = 'codex' | 'api';

/** What `codex-bridge resume` starts the bridge with: the upstream the session last used. Never a key. */
export interface UpstreamSetting {
  /** The preset id, if one was chosen. */
  provider?: string;
  /** The Chat Completions base URL, without credentials or query (left out if it had any). */
  upstreamUrl?: string;
  /** The *name* of the variable that held the key. */
  apiKeyEnv?: string;
}

/** What the SessionStore keeps for one conversation (see SessionStore.toJSON). */
export interface SessionStoreSlice {
  responses: StoredResponse[];
  reasoning: Record<string, string>;
}

export interface SessionRecord extends UpstreamSetting {
  /**
   * Codex's thread id (what `codex exec` prints as "session id"), else the previous_response_id chain
   * root; a gateway client's session is kept as `<clientName>/<that id>` (src/state/client-keys.ts).
   */
  id: string;
  client: SessionClient;
  /** The gateway client (the name of its `serve --tokens` token) whose session this is. */
  clientName?: string;
  /** The first real user prompt (not Codex's environment_context), trimmed; '' until one is seen. */
  title: string;
  model: string;
  /** Host only: never a path, query or credentials. */
  upstream: string;
  cwd: string | null;
  /** ISO 8601. */
  createdAt: string;
  updatedAt: string;
  requests: number;
  /** Totals over every request, Codex's own (title, compaction, sub-agents) included. */
  usage: SessionUsage;
  /** The same requests by hour and model, each priced when it completed (session-usage.ts). */
  buckets: UsageBucket[];
  /** The SessionStore's data for this conversation, so a restarted bridge can continue it. */
  store?: SessionStoreSlice;
}

export interface SessionsFileData {
  version: number;
  /** Random id of the write that produced the file: tells an exit handler whether a write it
   *  interrupted landed (and names the file a journal of older versions applies to). */
  writeId?: string;
  /** Newest first. */
  sessions: SessionRecord[];
}

/** One process's not-yet-written additions to one session. */
export interface SessionDelta extends UpstreamSetting {
  id: string;
  /** Default: told by the id (a Codex thread id is a UUID). */
  client?: SessionClient;
  clientName?: string;
  title: string;
  model: string;
  upstream: string;
  cwd: string | null;
  /** Epoch ms of the first and last request this process saw. */
  firstAt: number;
  lastAt: number;
  requests: number;
  usage: SessionUsage;
  /** Default: none (usage counted, not by hour). */
  buckets?: UsageBucket[];
}

const CODEX_THREAD_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The id a session is known by: a gateway client's without the client's name its key starts with. */
export function shownId(record: Pick<SessionRecord, 'id' | 'clientName'>): string {
  const prefix = record.clientName === undefined ? undefined : `${record.clientName}/`;
  return prefix !== undefined && record.id.startsWith(prefix) ? record.id.slice(prefix.length) : record.id;
}

/** Which client a session id comes from, for records that do not say: Codex thread ids are UUIDs. */
export const clientOfId = (id: string): SessionClient => (CODEX_THREAD_ID.test(id) ? 'codex' : 'api');

// ---------- what a request tells about its session ----------

const TITLE_MAX_CHARS = 500;

/** Text of a user message, without parts that are only a tag (`<image name=…>`, `</image>`). */
function userText(item: unknown): string | undefined {
  if (!item || typeof item !== 'object') return undefined;
  const message = item as { type?: unknown; role?: unknown; content?: unknown };
  if (message.role !== 'user' || (message.type !== undefined && message.type !== 'message')) return undefined;
  if (typeof message.content === 'string') return message.content;
  if (!Array.isArray(message.content)) return undefined;
  return message.content
    .map((part) => (part && typeof part === 'object' && typeof (part as { text?: unknown }).text === 'string' ? (part as { text: string }).text : ''))
    .filter((text) => !/^\s*<\/?[A-Za-z_][\w-]*(\s[^<>]*)?>\s*$/.test(text))
    .join('\n');
}

/** Context Codex injects as user messages: <environment_context>, AGENTS.md, notifications. */
function isInjectedContext(text: string): boolean {
  const trimmed = text.trim();
  if (/^# AGENTS\.md instructions\b/.test(trimmed)) return true;
  // Codex's own wrappers are snake_case (environment_context, user_instructions, turn_aborted) or
  // upper case (INSTRUCTIONS); a user's HTML (<div>…</div>) stays a title.
  const wrapped = /^<([a-z]+(?:_[a-z]+)+|[A-Z][A-Z_]*)[\s>][\s\S]*<\/\1>$/.exec(trimmed);
  return wrapped !== null;
}

/** The first real user prompt among a request's input items, trimmed; '' if there is none. */
export function titleFromInput(items: readonly unknown[]): string {
  for (const item of items) {
    const text = userText(item)?.trim();
    if (!text || isInjectedContext(text)) continue;
    return text.length > TITLE_MAX_CHARS ? `${text.slice(0, TITLE_MAX_CHARS - 1)}…` : text;
  }
  return '';
}

function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The working directory: Codex's <environment_context><cwd>, else its turn metadata's workspace. */
export function cwdFromRequest(headers: Record<string, string | string[] | undefined>, items: readonly unknown[]): string | null {
  for (const item of items) {
    const text = userText(item);
    const cwd = text && /<environment_context>[\s\S]*?<cwd>([^<]+)<\/cwd>/.exec(text)?.[1]?.trim();
    if (cwd) return cwd;
  }
  const metadata = header(headers, 'x-codex-turn-metadata');
  if (metadata) {
    try {
      const parsed = JSON.parse(metadata) as { cwd?: unknown; workspaces?: unknown };
      if (typeof parsed.cwd === 'string' && parsed.cwd) return parsed.cwd;
      if (parsed.workspaces && typeof parsed.workspaces === 'object') {
        const first = Object.keys(parsed.workspaces)[0];
        if (first) return first;
      }
    } catch {
      // not JSON: ignore
    }
  }
  return null;
}

/** The host of an upstream URL (never its path, query or user:password); a bare host passes. */
export function upstreamHostOf(upstream: string): string {
  try {
    return new URL(upstream).host;
  } catch {
    return upstream.replace(/^.*@/, '').replace(/[/?#].*$/, '');
  }
}

// ---------- SessionStore slices ----------

export function sliceOf(data: SessionStoreData, conversation: string): SessionStoreSlice {
  return {
    responses: data.responses.filter((response) => response.conversation === conversation),
    reasoning: { ...(data.reasoning[conversation] ?? {}) },
  };
}

/** Both slices; on the same response id or reasoning key, `mine` wins. Order: theirs, then mine. */
export function mergeSlices(theirs: SessionStoreSlice | undefined, mine: SessionStoreSlice | undefined): SessionStoreSlice | undefined {
  if (!theirs) return mine;
  if (!mine) return theirs;
  const ids = new Set(mine.responses.map((response) => response.id));
  return {
    responses: [...theirs.responses.filter((response) => !ids.has(response.id)), ...mine.responses],
    reasoning: { ...theirs.reasoning, ...mine.reasoning },
  };
}

/**
 * What is worth keeping on disk: every response that is part of a previous_response_id chain, and
 * of the standalone ones (no parent, no child), only the newest few. Codex sends the whole history
 * on every request and never continues a response, so each of its responses repeats all the
 * earlier ones: kept in full, the file would grow with the square of the session's length.
 */
export function compactSlice(slice: SessionStoreSlice, keepStandalone = 2): SessionStoreSlice {
  const parents = new Set(slice.responses.map((response) => response.parentId).filter((id): id is string => typeof id === 'string'));
  let standaloneLeft = keepStandalone;
  const kept: StoredResponse[] = [];
  for (let i = slice.responses.length - 1; i >= 0; i--) {
    const response = slice.responses[i];
    const standalone = response.parentId === undefined && !parents.has(response.id);
    if (standalone) {
      if (standaloneLeft <= 0) continue;
      standaloneLeft--;
    }
    kept.push(response);
  }
  return { responses: kept.reverse(), reasoning: slice.reasoning };
}

export function isEmptySlice(slice: SessionStoreSlice | undefined): boolean {
  return !slice || (slice.responses.length === 0 && Object.keys(slice.reasoning).length === 0);
}

/** Every slice of the file as one SessionStore.load() argument. */
export function storeDataOf(sessions: readonly SessionRecord[]): SessionStoreData {
  const data: SessionStoreData = { v: 1, responses: [], reasoning: {} };
  for (const session of sessions) {
    if (!session.store) continue;
    data.responses.push(...session.store.responses);
    if (Object.keys(session.store.reasoning).length > 0) data.reasoning[session.id] = session.store.reasoning;
  }
  return data;
}

// ---------- merging and caps ----------

const iso = (ms: number) => new Date(ms).toISOString();
const time = (value: string) => {
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? ms : 0;
};

/**
 * The file's record plus this process's unwritten delta. Counts add up (the delta only holds what
 * this process has not written yet, so nothing is counted twice); the first title and cwd stay;
 * model and upstream follow the latest request.
 */
export function mergeRecord(existing: SessionRecord | undefined, delta: SessionDelta, slice: SessionStoreSlice | undefined): SessionRecord {
  const mergedSlice = mergeSlices(existing?.store, slice);
  const store = mergedSlice && !isEmptySlice(mergedSlice) ? compactSlice(mergedSlice) : undefined;
  if (!existing) {
    return {
      id: delta.id,
      client: delta.client ?? clientOfId(delta.id),
      ...(delta.clientName !== undefined && { clientName: delta.clientName }),
      title: delta.title,
      model: delta.model,
      upstream: delta.upstream,
      ...upstreamSetting(delta),
      cwd: delta.cwd,
      createdAt: iso(delta.firstAt),
      updatedAt: iso(delta.lastAt),
      requests: delta.requests,
      usage: { ...delta.usage },
      buckets: mergeBuckets([], delta.buckets ?? []),
      ...(store && { store }),
    };
  }
  const deltaIsNewer = delta.lastAt >= time(existing.updatedAt);
  // The upstream setting goes as one: a newer request's, if it has one.
  const setting = (deltaIsNewer && delta.upstreamUrl) || !existing.upstreamUrl ? upstreamSetting(delta.upstreamUrl ? delta : existing) : upstreamSetting(existing);
  return {
    id: existing.id,
    client: existing.client,
    ...(existing.clientName !== undefined && { clientName: existing.clientName }),
    title: existing.title || delta.title,
    model: deltaIsNewer ? delta.model || existing.model : existing.model || delta.model,
    upstream: deltaIsNewer ? delta.upstream || existing.upstream : existing.upstream || delta.upstream,
    ...setting,
    cwd: existing.cwd ?? delta.cwd,
    createdAt: iso(Math.min(time(existing.createdAt) || delta.firstAt, delta.firstAt)),
    updatedAt: iso(Math.max(time(existing.updatedAt), delta.lastAt)),
    requests: existing.requests + delta.requests,
    usage: addUsage(existing.usage, delta.usage),
    buckets: mergeBuckets(existing.buckets, delta.buckets ?? []),
    ...(store && { store }),
  };
}

/** Only the fields that are set (a record's JSON has no undefined keys). */
export function upstreamSetting(from: UpstreamSetting): UpstreamSetting {
  return {
    ...(from.provider && { provider: from.provider }),
    ...(from.upstreamUrl && { upstreamUrl: from.upstreamUrl }),
    ...(from.apiKeyEnv && { apiKeyEnv: from.apiKeyEnv }),
  };
}

/**
 * Adds `internal`'s requests and usage into `target` (a conversation's own record): how a record of
 * Codex's title request, written by codex-bridge 0.1 as a session of its own, is folded in.
 */
export function absorbRecord(target: SessionRecord, internal: SessionRecord): SessionRecord {
  return {
    ...target,
    createdAt: iso(Math.min(time(target.createdAt), time(internal.createdAt))),
    updatedAt: iso(Math.max(time(target.updatedAt), time(internal.updatedAt))),
    requests: target.requests + internal.requests,
    usage: addUsage(target.usage, internal.usage),
    buckets: mergeBuckets(target.buckets, internal.buckets),
  };
}

/** Each record's updatedAt parsed once (records are never mutated): a sort would otherwise parse ~20 dates per record. */
const updatedMs = new WeakMap<SessionRecord, number>();
function updatedTime(record: SessionRecord): number {
  let ms = updatedMs.get(record);
  if (ms === undefined) {
    ms = time(record.updatedAt);
    updatedMs.set(record, ms);
  }
  return ms;
}

export function newestFirst(sessions: SessionRecord[]): SessionRecord[] {
  return sessions.sort((a, b) => updatedTime(b) - updatedTime(a) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

export interface Caps {
  /** Newest sessions kept (default 500). */
  maxSessions: number;
  /** Size budget of the file in bytes (default 20 MB). */
  maxBytes: number;
}

export const DEFAULT_CAPS: Caps = { maxSessions: 500, maxBytes: 20 * 1024 * 1024 };

/**
 * A record's JSON as UTF-8 bytes, made once per record object. Records are never mutated (merging
 * and capping build new ones), so a flush only stringifies the sessions that changed, and the file
 * is these bytes put together: no megabyte string to build and encode on the event loop.
 */
const jsonCache = new WeakMap<SessionRecord, Buffer>();
export function recordJson(record: SessionRecord): Buffer {
  let bytes = jsonCache.get(record);
  if (!bytes) {
    const json = JSON.stringify(record);
    // Its own memory, not a slice of Node's shared pool, which a long-lived slice would pin.
    bytes = Buffer.allocUnsafeSlow(Buffer.byteLength(json));
    bytes.write(json);
    jsonCache.set(record, bytes);
  }
  return bytes;
}

const recordBytes = (record: SessionRecord) => recordJson(record).length + 2;

/**
 * Computes the JSON of records read from the file a few at a time on idle turns of the event
 * loop, so that the first flush of a process does not stringify a 20 MB file in one go.
 */
export function warmRecordJson(records: readonly SessionRecord[], perTurn = 16): void {
  let next = 0;
  const step = () => {
    for (const end = Math.min(records.length, next + perTurn); next < end; next++) recordJson(records[next]);
    if (next < records.length) setImmediate(step);
  };
  setImmediate(step);
}

/**
 * The newest `maxSessions`; then, while over `maxBytes`, the SessionStore data of the oldest
 * sessions goes first (they can no longer be continued by previous_response_id, but are still
 * listed), then whole sessions, oldest first. Returns a new array, newest first.
 */
export function applyCaps(sessions: SessionRecord[], caps: Caps = DEFAULT_CAPS): SessionRecord[] {
  const kept = newestFirst([...sessions]).slice(0, Math.max(0, caps.maxSessions));
  const sizes = kept.map(recordBytes);
  let total = 64 + sizes.reduce((sum, size) => sum + size, 0);
  for (let i = kept.length - 1; i >= 0 && total > caps.maxBytes; i--) {
    if (!kept[i].store) continue;
    const { store: _dropped, ...rest } = kept[i];
    kept[i] = rest;
    const size = recordBytes(rest);
    total -= sizes[i] - size;
    sizes[i] = size;
  }
  while (kept.length > 0 && total > caps.maxBytes) {
    total -= sizes.pop()!;
    kept.pop();
  }
  return kept;
}

/** The record as `sessions list --json` and `show --json` print it: no SessionStore data, no buckets, its cost. */
export type PublicRecord = Omit<SessionRecord, 'store' | 'buckets'> & { costUsd: number | null; unpricedRequests: number };

export function publicRecord(record: SessionRecord): PublicRecord {
  return {
    id: shownId(record),
    client: record.client,
    ...(record.clientName !== undefined && { clientName: record.clientName }),
    title: record.title,
    model: record.model,
    upstream: record.upstream,
    ...upstreamSetting(record),
    cwd: record.cwd,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    requests: record.requests,
    usage: { ...record.usage },
    ...costOf(record.buckets),
  };
}
