import { priceRequest } from '../pricing/price-request.js';
import { clientKey } from '../state/client-keys.js';
import { requestRole, type RequestRole } from './codex-requests.js';
import type { PendingEntry } from './pending-sessions.js';
import type { ResponseRecord } from './response-record.js';
import { cwdFromRequest, emptyUsage, titleFromInput, usageFromResponses, type SessionDelta, type UpstreamSetting } from './session-records.js';
import { requestBucket } from './session-usage.js';

// What one finished /v1/responses request adds to its session: the conversation it belongs to
// (Codex's title requests and sub-agents count in another: codex-requests.ts), its title, folder,
// usage, and its price at the hour it completed (src/pricing).

export interface EntryContext {
  /** The upstream's host. */
  upstream: string;
  /** What `resume` needs, its URL fit to be saved. */
  setting: UpstreamSetting;
  /** A SessionStore is kept with the records (its chains get saved). */
  keepsStore: boolean;
  at: number;
}

export interface RecordedRequest {
  entry: PendingEntry;
  role: RequestRole;
}

/** The session entry of a request, or undefined for one refused before it belonged to any conversation (no session). */
export function entryOfResponse(record: ResponseRecord, context: EntryContext): RecordedRequest | undefined {
  if (record.status === 'error' && record.conversation === record.responseId) return undefined;
  const { at, setting } = context;
  const items = Array.isArray(record.inputItems) ? record.inputItems : [];
  const headers = record.headers ?? {};
  const answered = record.status !== 'error';
  const stored = record.status === 'completed' || record.status === 'incomplete';
  const usage = record.usage ? usageFromResponses(record.usage) : emptyUsage();
  const codex = headers['thread-id'] !== undefined;
  const role = requestRole(headers, items, record.conversation);
  const delta: SessionDelta = {
    id: clientKey(record.clientName, role.kind === 'subagent' ? role.root : record.conversation),
    client: codex ? 'codex' : 'api',
    ...(record.clientName !== undefined && { clientName: record.clientName }),
    title: role.kind === 'conversation' ? titleFromInput(items) : '',
    model: record.model,
    upstream: context.upstream,
    ...setting,
    cwd: cwdFromRequest(headers, items),
    firstAt: at,
    lastAt: at,
    requests: 1,
    usage,
    buckets: [requestBucket(at, record.model, usage, priceRequest(setting.upstreamUrl, record.model, usage, new Date(at)), record.clientName)],
  };
  // Only a conversation's own thread has SessionStore data worth keeping under its id.
  return { role, entry: { delta, storeChanged: stored && context.keepsStore && role.kind === 'conversation', codex, answered } };
}

/** The upstream URL fit to be saved: without credentials, query or fragment (where a key may be), else none. */
export function savedUpstreamUrl(upstream: string | undefined): string | undefined {
  if (!upstream) return undefined;
  try {
    const url = new URL(upstream);
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.username || url.password || url.search || url.hash) return undefined;
    return `${url.origin}${url.pathname}`.replace(/\/+$/, '');
  } catch {
    return undefined;
  }
}
