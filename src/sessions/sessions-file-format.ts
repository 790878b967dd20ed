import type { StoredResponse } from '../state/session-store.js';
import {
  clientOfId,
  isEmptySlice,
  newestFirst,
  recordJson,
  SESSIONS_SCHEMA_VERSION,
  upstreamSetting,
  type SessionRecord,
  type SessionsFileData,
  type SessionStoreSlice,
} from './session-records.js';
import { legacyBucket, parseBuckets } from './session-usage.js';
import { foldTitleRecords } from './codex-requests.js';

// sessions.json as text: parsing what any version wrote (v1 records are migrated: usage as one
// unpriced bucket, Codex's title requests folded into their conversations) and putting the file's
// bytes together.


export type ParsedSessionsFile =
  | { kind: 'ok'; data: SessionsFileData }
  | { kind: 'newer'; version: number }
  | { kind: 'corrupt'; reason: string };

function parseSlice(value: unknown): SessionStoreSlice | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const { responses, reasoning } = value as { responses?: unknown; reasoning?: unknown };
  const slice: SessionStoreSlice = { responses: [], reasoning: {} };
  if (Array.isArray(responses)) {
    for (const response of responses as Array<Partial<StoredResponse> | null>) {
      if (response && typeof response.id === 'string' && typeof response.conversation === 'string' && Array.isArray(response.items)) {
        slice.responses.push({
          id: response.id,
          conversation: response.conversation,
          ...(typeof response.parentId === 'string' && { parentId: response.parentId }),
          items: response.items,
        });
      }
    }
  }
  if (reasoning && typeof reasoning === 'object' && !Array.isArray(reasoning)) {
    for (const [key, text] of Object.entries(reasoning)) if (typeof text === 'string') slice.reasoning[key] = text;
  }
  return isEmptySlice(slice) ? undefined : slice;
}

const count = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) && value >= 0 ? Math.floor(value) : 0);
const text = (value: unknown) => (typeof value === 'string' ? value : '');
const date = (value: unknown, fallback: string) => (typeof value === 'string' && Number.isFinite(Date.parse(value)) ? value : fallback);

/** One record as read from the file; undefined if it is not one (no id). Missing fields get defaults. */
export function parseRecord(value: unknown): SessionRecord | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const raw = value as Record<string, unknown>;
  if (typeof raw.id !== 'string' || raw.id === '') return undefined;
  const rawUsage = (raw.usage && typeof raw.usage === 'object' ? raw.usage : {}) as Record<string, unknown>;
  const updatedAt = date(raw.updatedAt, new Date(0).toISOString());
  const store = parseSlice(raw.store);
  const model = text(raw.model);
  const requests = count(raw.requests);
  const usage = {
    inputTokens: count(rawUsage.inputTokens),
    outputTokens: count(rawUsage.outputTokens),
    cachedTokens: count(rawUsage.cachedTokens),
    reasoningTokens: count(rawUsage.reasoningTokens),
  };
  const upstreamUrl = text(raw.upstreamUrl);
  return {
    id: raw.id,
    client: raw.client === 'codex' || raw.client === 'api' ? raw.client : clientOfId(raw.id),
    ...(typeof raw.clientName === 'string' && raw.clientName !== '' && { clientName: raw.clientName }),
    title: text(raw.title),
    model,
    upstream: text(raw.upstream),
    ...upstreamSetting({ provider: text(raw.provider), upstreamUrl: /^https?:\/\//.test(upstreamUrl) ? upstreamUrl : '', apiKeyEnv: text(raw.apiKeyEnv) }),
    cwd: typeof raw.cwd === 'string' && raw.cwd ? raw.cwd : null,
    createdAt: date(raw.createdAt, updatedAt),
    updatedAt,
    requests,
    usage,
    // A record from before buckets (v1): its usage as one unpriced bucket, so sums still add up.
    buckets: Array.isArray(raw.buckets) ? parseBuckets(raw.buckets) : legacyBucket(updatedAt, model, requests, usage),
    ...(store && { store }),
  };
}

/**
 * The file's text → its data. Not JSON, or not our shape → corrupt (moved aside by the caller). A
 * higher schema version → newer (left alone). Single malformed records are dropped.
 */
export function parseSessionsFile(contents: string): ParsedSessionsFile {
  let value: unknown;
  try {
    value = JSON.parse(contents);
  } catch (error) {
    return { kind: 'corrupt', reason: `not JSON (${(error as Error).message})` };
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) return { kind: 'corrupt', reason: 'not a JSON object' };
  const { version, sessions, writeId } = value as { version?: unknown; sessions?: unknown; writeId?: unknown };
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) return { kind: 'corrupt', reason: 'no schema version' };
  if (version > SESSIONS_SCHEMA_VERSION) return { kind: 'newer', version };
  if (!Array.isArray(sessions)) return { kind: 'corrupt', reason: 'no "sessions" array' };
  const byId = new Map<string, SessionRecord>();
  for (const raw of sessions) {
    const record = parseRecord(raw);
    if (record && !byId.has(record.id)) byId.set(record.id, record);
  }
  return {
    kind: 'ok',
    data: { version, ...(typeof writeId === 'string' && { writeId }), sessions: newestFirst(version < 2 ? foldTitleRecords([...byId.values()]) : [...byId.values()]) },
  };
}

const RECORD_SEPARATOR = Buffer.from(',\n');
const SESSIONS_END = Buffer.from('\n]}\n');

/**
 * Puts the file's bytes together: one session per line (small diffs, greppable, still one JSON
 * document). Into one buffer kept between writes: a fresh megabyte per flush, allocated and paged
 * in, costs the event loop more than the copy.
 */
export class SessionsFileEncoder {
  private buffer = Buffer.alloc(0);

  encode(data: SessionsFileData): Buffer {
    const head = JSON.stringify({ version: data.version, ...(data.writeId && { writeId: data.writeId }) }).slice(0, -1);
    if (data.sessions.length === 0) return Buffer.from(`${head},"sessions":[]}\n`);
    const parts: Buffer[] = [Buffer.from(`${head},"sessions":[\n`)];
    for (const session of data.sessions) parts.push(recordJson(session), RECORD_SEPARATOR);
    parts[parts.length - 1] = SESSIONS_END;
    const size = parts.reduce((sum, part) => sum + part.length, 0);
    if (size > this.buffer.length) this.buffer = Buffer.allocUnsafeSlow(Math.ceil(size * 1.25));
    let offset = 0;
    for (const part of parts) offset += part.copy(this.buffer, offset);
    return this.buffer.subarray(0, size);
  }
}

export const serializeSessionsFile = (data: SessionsFileData): string => new SessionsFileEncoder().encode(data).toString('utf8');
