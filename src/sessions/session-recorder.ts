import { preloadPrices, priceRequest } from '../pricing/price-request.js';
import { requestRole, titleMatches } from './codex-requests.js';
import type { ResponseRecord } from './response-record.js';
import { SessionStore, type ConversationMemory } from '../state/session-store.js';
import { clientKey } from '../state/client-keys.js';
import { LockTimeoutError } from '../storage/file-lock.js';
import { openSessionsBackend } from './open-sessions-backend.js';
import {
  addUsage,
  cwdFromRequest,
  emptyUsage,
  mergeRecord,
  sliceOf,
  titleFromInput,
  upstreamHostOf,
  usageFromResponses,
  type Caps,
  type SessionDelta,
  type SessionStoreSlice,
  type UpstreamSetting,
} from './session-records.js';
import { mergeBuckets, requestBucket } from './session-usage.js';
import { NewerSchemaError, newWriteId, stderrWarn, type SessionChanges, type SessionsBackend, type Warn } from './sessions-backend.js';
import { sessionsFilePath } from './sessions-home.js';

// Records what the bridge serves into the sessions backend (sessions.json): one record per
// conversation, counts and usage summed over its requests, plus the SessionStore's data for it so a
// restarted bridge can continue a previous_response_id chain. Requests only touch memory; a timer
// (and close, and process exit) writes the batch with a read-merge-write, adding only what this
// process has not written yet, so two bridges at once both end up in the file and nothing is
// counted twice. Persistence trouble (a locked, unwritable or newer file) is a one-line warning,
// never an error: the bridge goes on serving. Codex's own requests on threads of their own (the
// title request, sub-agents: codex-requests.ts) are added to their conversation, and each request
// is priced as it completes (src/pricing).

export interface SessionRecorderOptions {
  /** Directory of sessions.json (default: $CODEX_BRIDGE_HOME, else the platform config dir). */
  home?: string;
  env?: NodeJS.ProcessEnv;
  /** The upstream's host (a URL is reduced to its host; nothing else is kept). */
  upstreamHost: string;
  /** What `codex-bridge resume` needs to start the bridge again, and what prices a request (by its URL). */
  upstreamSetting?: UpstreamSetting;
  /** Loaded from the file now; its data for each conversation is written with the session. */
  store?: SessionStore;
  /** Where to record (default: sessions.json in `home`), e.g. the store shared by `serve` replicas. */
  backend?: SessionsBackend;
  /** One-line warnings (default: stderr). */
  warn?: Warn;
  /** How long changes wait to be written together (default 200 ms). */
  flushDelayMs?: number;
  caps?: Partial<Caps>;
  /** Clock, for tests. */
  now?: () => number;
}

export interface SessionRecorder {
  /** sessions.json's path. */
  readonly path: string;
  /** Pass as the server's `onResponse`: cheap, synchronous, never throws. */
  onResponse(record: ResponseRecord): void;
  /** Writes what is pending now (also done on a timer). */
  flush(): Promise<void>;
  /** Final flush; stops the timer and the exit handler. Safe to call twice. */
  close(): Promise<void>;
  /** The Codex conversation this process served last, once it is saved (after close: if the last write succeeded). */
  lastCodexSession(): string | undefined;
}

/** A title request waiting for the conversation it names to be seen (its first request may still be streaming). */
interface WaitingTitle {
  prompt: string;
  entry: PendingEntry;
}

/** How long a title request waits for its conversation before it goes to the latest one in its folder. */
const TITLE_WAIT_MS = 5 * 60_000;

interface PendingEntry {
  delta: SessionDelta;
  /** The SessionStore changed for this conversation since it was last written. */
  storeChanged: boolean;
  /**
   * A Codex thread (thread-id header): Codex sends the whole history on every request and never
   * previous_response_id (codex-protocol.md §1), so only the reasoning side channel is worth saving,
   * not the stored responses (each a full copy of the history).
   */
  codex: boolean;
}

interface Batch {
  entries: Map<string, PendingEntry>;
  slices: Map<string, SessionStoreSlice>;
  /** Names the write that carries this batch (see SessionsBackend.updateOnExit). */
  writeId: string;
}

/** An older batch followed by a newer one. */
function combine(older: Batch, newer: Batch): Batch {
  const entries = new Map(older.entries);
  for (const entry of newer.entries.values()) mergeEntry(entries, entry);
  return { entries, slices: new Map([...older.slices, ...newer.slices]), writeId: newer.writeId };
}

/** After a failed write, retry in 1 s, doubling up to 30 s while it keeps failing. */
const FIRST_RETRY_MS = 1_000;
const LAST_RETRY_MS = 30_000;

function mergeEntry(into: Map<string, PendingEntry>, entry: PendingEntry): void {
  const existing = into.get(entry.delta.id);
  if (!existing) {
    into.set(entry.delta.id, entry);
    return;
  }
  // `existing` is older (a failed batch put back in front of newer requests, or the other way round).
  const [older, newer] = existing.delta.lastAt <= entry.delta.lastAt ? [existing.delta, entry.delta] : [entry.delta, existing.delta];
  into.set(entry.delta.id, {
    delta: {
      id: older.id,
      title: older.title || newer.title,
      model: newer.model || older.model,
      upstream: newer.upstream || older.upstream,
      cwd: older.cwd ?? newer.cwd,
      firstAt: Math.min(older.firstAt, newer.firstAt),
      lastAt: newer.lastAt,
      requests: older.requests + newer.requests,
      usage: addUsage(older.usage, newer.usage),
      client: older.client ?? newer.client,
      clientName: older.clientName ?? newer.clientName,
      ...(newer.upstreamUrl ? upstreamFields(newer) : upstreamFields(older)),
      buckets: mergeBuckets(older.buckets ?? [], newer.buckets ?? []),
    },
    storeChanged: existing.storeChanged || entry.storeChanged,
    codex: existing.codex || entry.codex,
  });
}

function upstreamFields(from: UpstreamSetting): UpstreamSetting {
  return { provider: from.provider, upstreamUrl: from.upstreamUrl, apiKeyEnv: from.apiKeyEnv };
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

/** A batch as changes to the stored records: each conversation's delta merged into its record. */
function changesOf(batch: Batch): SessionChanges {
  return new Map([...batch.entries].map(([id, entry]) => [id, (stored) => mergeRecord(stored, entry.delta, batch.slices.get(id))]));
}

export async function openSessionRecorder(options: SessionRecorderOptions): Promise<SessionRecorder> {
  const warnLine = options.warn ?? stderrWarn;
  const now = options.now ?? Date.now;
  const flushDelayMs = options.flushDelayMs ?? 200;
  const upstream = upstreamHostOf(options.upstreamHost);
  const setting: UpstreamSetting = { ...options.upstreamSetting, upstreamUrl: savedUpstreamUrl(options.upstreamSetting?.upstreamUrl) };
  const store = options.store;
  // Only an upstream with a URL can be priced.
  if (setting.upstreamUrl) preloadPrices(setting.upstreamUrl);
  let disabled = false;
  const warned = new Set<string>();
  /** Each kind of trouble is told once per process, not once per flush. */
  const warnOnce = (kind: string, line: string) => {
    if (warned.has(kind)) return;
    warned.add(kind);
    warnLine(line);
  };

  // The directory is only created (0700) by the first write: a bridge that serves nothing leaves
  // no trace.
  let backend: SessionsBackend | undefined = options.backend;
  try {
    backend ??= openSessionsBackend({ home: options.home, env: options.env, warn: warnLine, caps: options.caps });
  } catch (error) {
    disabled = true;
    warnOnce('home', `cannot locate the sessions directory (${(error as Error).message}); sessions will not be saved by this run`);
  }
  const file = backend?.location ?? sessionsFilePath('(unknown)');

  // Load what earlier runs saved: the SessionStore gets every conversation's data back.
  if (backend) {
    try {
      const data = await backend.load();
      if (store) store.load(data);
    } catch (error) {
      if (error instanceof NewerSchemaError) {
        disabled = true;
        warnOnce('newer', `${error.message}; sessions will not be saved by this run`);
      } else {
        // Maybe only for now (a lock held too long): later writes will try again.
        warnOnce('load', `cannot read ${file} (${(error as Error).message}); earlier sessions cannot be continued by this run`);
      }
    }
  }

  let pending = new Map<string, PendingEntry>();
  let waitingTitles: WaitingTitle[] = [];
  /** The Codex conversations this process served: their first prompt and folder, to place title requests. */
  const conversations = new Map<string, { title: string; cwd: string | null; lastAt: number; clientName?: string }>();
  let lastCodex: string | undefined;

  const noteConversation = (delta: SessionDelta) => {
    const seen = conversations.get(delta.id);
    conversations.set(delta.id, { title: seen?.title || delta.title, cwd: seen?.cwd ?? delta.cwd, lastAt: delta.lastAt, clientName: delta.clientName });
    lastCodex = delta.id;
  };

  /** The conversation a title request belongs to: the newest of its client's that it quotes (else, with `latest`, the newest in its folder, else the newest). */
  const conversationFor = (waiting: WaitingTitle, latest: boolean): string | undefined => {
    const { cwd, clientName } = waiting.entry.delta;
    const sameClient = [...conversations].filter(([, c]) => c.clientName === clientName);
    const sameFolder = sameClient.filter(([, c]) => !cwd || !c.cwd || c.cwd === cwd);
    const newest = (list: typeof sameFolder) => list.sort((a, b) => b[1].lastAt - a[1].lastAt)[0]?.[0];
    const quoted = newest(sameFolder.filter(([, c]) => titleMatches(c.title, waiting.prompt)));
    if (quoted || !latest) return quoted;
    return newest(sameFolder) ?? newest(sameClient);
  };

  /** Adds the title requests whose conversation is known to it; `all`: every one (closing), `olderThan`: those waiting since. */
  const placeTitles = (settle: { all?: boolean; before?: number } = {}) => {
    const still: WaitingTitle[] = [];
    for (const waiting of waitingTitles) {
      const giveUp = settle.all === true || (settle.before !== undefined && waiting.entry.delta.lastAt < settle.before);
      // Nobody to give it to: it stays a record of its own rather than lose its usage.
      const id = conversationFor(waiting, giveUp) ?? (giveUp ? waiting.entry.delta.id : undefined);
      if (id === undefined) still.push(waiting);
      else mergeEntry(pending, { ...waiting.entry, delta: { ...waiting.entry.delta, id, title: id === waiting.entry.delta.id ? waiting.entry.delta.title : '', cwd: null } });
    }
    waitingTitles = still;
  };
  /** The batch being written. */
  let inflight: Batch | undefined;
  let timer: NodeJS.Timeout | undefined;
  let flushing: Promise<void> | undefined;
  let closed = false;
  let nextRetryMs: number | undefined;

  /** Gives title requests still waiting their time, then places them (a `serve` may run for days). */
  let titleTimer: NodeJS.Timeout | undefined;
  // A shared store: the conversation of a title request may be served by another replica. While
  // titles wait, the Codex conversations written there lately are looked at every second.
  let sharedTimer: NodeJS.Timeout | undefined;
  const learnShared = async () => {
    const recent = await backend!.recent!(now() - TITLE_WAIT_MS).catch(() => []);
    for (const r of recent) if (r.client === 'codex' && !conversations.has(r.id)) conversations.set(r.id, { title: r.title, cwd: r.cwd, lastAt: Date.parse(r.updatedAt), clientName: r.clientName });
    placeTitles();
    schedule();
  };
  const schedule = (delay = flushDelayMs) => {
    if (disabled) return;
    if (waitingTitles.length > 0 && backend?.recent && !sharedTimer && !closed) {
      sharedTimer = setTimeout(() => {
        sharedTimer = undefined;
        void learnShared();
      }, 1_000);
      sharedTimer.unref();
    }
    if (waitingTitles.length > 0 && !titleTimer && !closed) {
      titleTimer = setTimeout(() => {
        titleTimer = undefined;
        placeTitles({ before: now() - TITLE_WAIT_MS + 1 });
        schedule();
      }, TITLE_WAIT_MS);
      titleTimer.unref();
    }
    if (timer || flushing || pending.size === 0) return;
    timer = setTimeout(() => {
      timer = undefined;
      void flush();
    }, delay);
    timer.unref();
  };

  const takeBatch = (): Batch => {
    const entries = pending;
    pending = new Map();
    const slices = new Map<string, SessionStoreSlice>();
    if (store) {
      const changed = new Set([...entries.values()].filter((entry) => entry.storeChanged).map((entry) => entry.delta.id));
      if (changed.size > 0) {
        const data = store.toJSON(changed);
        for (const id of changed) {
          const slice = sliceOf(data, id);
          slices.set(id, entries.get(id)!.codex ? { responses: [], reasoning: slice.reasoning } : slice);
        }
      }
    }
    return { entries, slices, writeId: newWriteId() };
  };

  const putBack = (batch: Batch) => {
    const newer = pending;
    pending = new Map(batch.entries);
    for (const entry of newer.values()) mergeEntry(pending, entry);
  };

  const failed = (batch: Batch, error: unknown): void => {
    if (error instanceof NewerSchemaError) {
      // Someone with a newer codex-bridge took the file over: leave it to them.
      disabled = true;
      pending.clear();
      warnOnce('newer', `${error.message}; sessions will not be saved by this run`);
      return;
    }
    putBack(batch);
    if (error instanceof LockTimeoutError) warnOnce('lock', `${error.message}; will keep trying to save sessions`);
    else warnOnce('write', `cannot save sessions to ${file} (${(error as Error).message ?? error}); will keep trying`);
  };

  async function flush(): Promise<void> {
    if (flushing) {
      await flushing;
      return flush();
    }
    if (timer) {
      clearTimeout(timer);
      timer = undefined;
    }
    placeTitles({ before: now() - TITLE_WAIT_MS });
    if (disabled || !backend || pending.size === 0) return;
    const target = backend;
    const batch = takeBatch();
    inflight = batch;
    let retryDelay: number | undefined;
    let succeeded = false;
    flushing = (async () => {
      try {
        await target.update(changesOf(batch), batch.writeId);
        succeeded = true;
      } catch (error) {
        failed(batch, error);
        nextRetryMs = Math.min(LAST_RETRY_MS, nextRetryMs === undefined ? FIRST_RETRY_MS : nextRetryMs * 2);
        retryDelay = nextRetryMs;
      } finally {
        inflight = undefined;
      }
    })();
    try {
      await flushing;
    } finally {
      flushing = undefined;
      if (succeeded) nextRetryMs = undefined;
      if (!closed) schedule(retryDelay);
    }
  }

  /**
   * process.exit() skips pending timers and promises: write what is left synchronously. A batch
   * caught mid-write may or may not have landed; the backend tells which, so it is written once.
   */
  const onExit = () => {
    if (disabled || !backend?.updateOnExit) return;
    placeTitles({ all: true });
    const interrupted = inflight;
    const rest = takeBatch();
    if (!interrupted && rest.entries.size === 0) return;
    try {
      backend.updateOnExit((landed) => changesOf(interrupted && !landed(interrupted.writeId) ? combine(interrupted, rest) : rest), rest.writeId);
    } catch (error) {
      warnLine(`could not save the last sessions to ${file} (${(error as Error).message ?? error})`);
    }
  };
  process.on('exit', onExit);

  return {
    path: file,
    onResponse(record: ResponseRecord): void {
      if (disabled || closed) return;
      try {
        // A request refused before it belonged to any conversation is not a session.
        if (record.status === 'error' && record.conversation === record.responseId) return;
        const at = now();
        const items = Array.isArray(record.inputItems) ? record.inputItems : [];
        const headers = record.headers ?? {};
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
          upstream,
          ...setting,
          cwd: cwdFromRequest(headers, items),
          firstAt: at,
          lastAt: at,
          requests: 1,
          usage,
          buckets: [requestBucket(at, record.model, usage, priceRequest(setting.upstreamUrl, record.model, usage, new Date(at)), record.clientName)],
        };
        // Only a conversation's own thread has SessionStore data worth keeping under its id.
        const entry: PendingEntry = { delta, storeChanged: stored && store !== undefined && role.kind === 'conversation', codex };
        if (role.kind === 'title') {
          waitingTitles.push({ prompt: role.prompt, entry });
        } else {
          mergeEntry(pending, entry);
          if (codex && role.kind === 'conversation') noteConversation(delta);
        }
        placeTitles();
        schedule();
      } catch (error) {
        warnOnce('record', `could not record a request for the sessions file (${(error as Error).message ?? error})`);
      }
    },
    flush,
    lastCodexSession(): string | undefined {
      return !disabled && lastCodex !== undefined && !pending.has(lastCodex) && inflight?.entries.has(lastCodex) !== true ? lastCodex : undefined;
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      placeTitles({ all: true });
      try {
        await flush();
      } finally {
        if (timer) clearTimeout(timer);
        if (titleTimer) clearTimeout(titleTimer);
        if (sharedTimer) clearTimeout(sharedTimer);
        timer = undefined;
        titleTimer = undefined;
        // If that last write failed, the exit handler gets one more (synchronous) try.
        if (pending.size === 0) process.off('exit', onExit);
      }
    },
  };
}

/** What the bridge server takes to record sessions (BridgeServerDeps' store and onResponse). */
export interface RecordingDeps {
  store: ConversationMemory;
  onResponse: (record: ResponseRecord) => void;
}

/**
 * Wiring for `serve` and `run` in one call: starts the server with a new SessionStore and an
 * onResponse that feeds the recorder, opens the recorder (loading sessions.json into that store)
 * alongside, and makes the server's close() also write the last batch. If the server fails to
 * start, the recorder is closed.
 *
 *   return withSessionRecorder({ upstream: o.upstream }, (deps) => startBridgeServer(o, deps));
 *
 * The server it resolves with also tells lastCodexSession() (see SessionRecorder).
 */
export async function withSessionRecorder<S extends { close(): Promise<void> | void }>(
  options: Omit<SessionRecorderOptions, 'upstreamHost' | 'store' | 'upstreamSetting' | 'backend'> & { upstream: string; provider?: string; apiKeyEnv?: string },
  start: (deps: RecordingDeps) => Promise<S>,
): Promise<S & { lastCodexSession(): string | undefined }> {
  const { upstream, provider, apiKeyEnv, ...rest } = options;
  const store = new SessionStore();
  // The file is read (and parsed, ~30 ms at 500 sessions) a turn after the server is up, so `run`
  // spawns its command first. Loading merges, so responses recorded meanwhile are kept;
  // what arrives before the load is queued behind it, and a previous_response_id lookup that misses
  // waits for it.
  const recorderReady = new Promise<void>((resolve) => setImmediate(resolve)).then(() =>
    openSessionRecorder({ ...rest, upstreamHost: upstream, upstreamSetting: { provider, upstreamUrl: upstream, apiKeyEnv }, store }),
  );
  let recorder: SessionRecorder | undefined;
  void recorderReady.then((ready) => {
    recorder = ready;
  });
  store.pendingLoad = recorderReady.finally(() => {
    store.pendingLoad = undefined;
  });
  const onResponse: RecordingDeps['onResponse'] = (record) => {
    void recorderReady.then((recorder) => recorder.onResponse(record));
  };
  let server: S;
  try {
    server = await start({ store, onResponse });
  } catch (error) {
    await (await recorderReady).close();
    throw error;
  }
  const closeServer = server.close.bind(server);
  return Object.assign(server, {
    lastCodexSession: () => recorder?.lastCodexSession(),
    async close(): Promise<void> {
      try {
        await closeServer();
      } finally {
        await (await recorderReady).close();
      }
    },
  });
}

