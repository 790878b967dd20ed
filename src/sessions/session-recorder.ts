import { preloadPrices } from '../pricing/price-request.js';
import type { ResponseRecord } from './response-record.js';
import { SessionStore, type ConversationMemory } from '../state/session-store.js';
import { writeOnExit } from './exit-write.js';
import { FlushLoop } from './flush-loop.js';
import { PendingSessions } from './pending-sessions.js';
import { onceEachKind, openRecorderBackend } from './recorder-backend.js';
import { entryOfResponse, savedUpstreamUrl } from './response-entry.js';
import { upstreamHostOf, type Caps, type UpstreamSetting } from './session-records.js';
import { stderrWarn, type SessionsBackend, type Warn } from './sessions-backend.js';
import { sessionsFilePath } from './sessions-home.js';
import { TITLE_WAIT_MS, TitlePlacement } from './title-placement.js';

export { savedUpstreamUrl } from './response-entry.js';

// Records what the bridge serves into the sessions backend (sessions.json): one record per
// conversation, counts and usage summed over its requests, plus the SessionStore's data for it so a
// restarted bridge can continue a previous_response_id chain. Requests only touch memory
// (response-entry.ts: what a request adds; pending-sessions.ts: what waits to be written); a timer,
// close and process exit write the batch with a read-merge-write (flush-loop.ts, exit-write.ts),
// adding only what this process has not written yet, so two bridges at once both end up in the file
// and nothing is counted twice. Trouble while serving (a locked, unwritable or newer file) is a
// one-line warning: the bridge goes on serving; close() rejects with one line if something that
// completed stays unsaved. Codex's title requests wait for their conversation (title-placement.ts).

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
  /** The Codex conversation this process last got an answer in, once it is saved (after close: if the last write succeeded). */
  lastCodexSession(): string | undefined;
}

export async function openSessionRecorder(options: SessionRecorderOptions): Promise<SessionRecorder> {
  const warn = options.warn ?? stderrWarn;
  const warnOnce = onceEachKind(warn);
  const now = options.now ?? Date.now;
  const setting: UpstreamSetting = { ...options.upstreamSetting, upstreamUrl: savedUpstreamUrl(options.upstreamSetting?.upstreamUrl) };
  // Only an upstream with a URL can be priced.
  if (setting.upstreamUrl) preloadPrices(setting.upstreamUrl);
  const { backend, writable } = await openRecorderBackend({ ...options, warn }, warnOnce);
  const path = backend?.location ?? sessionsFilePath('(unknown)');
  if (!backend || !writable) return idleRecorder(path);

  const pending = new PendingSessions(options.store);
  const titles: TitlePlacement = new TitlePlacement({ place: (entry) => pending.add(entry), placed: () => schedule(), now, recent: backend.recent?.bind(backend) });
  const placeOverdue = () => titles.settle({ before: now() - TITLE_WAIT_MS });
  const loop = new FlushLoop({ backend, pending, delayMs: options.flushDelayMs ?? 200, beforeWrite: placeOverdue, warnOnce });
  const schedule = () => {
    if (loop.disabled) return;
    titles.arm();
    loop.schedule();
  };
  const exit = writeOnExit(backend, loop, pending, () => titles.settle({ all: true }), warn);
  const context = { upstream: upstreamHostOf(options.upstreamHost), setting, keepsStore: options.store !== undefined };
  let closed = false;
  /** The Codex conversation this process last got an answer in. */
  let lastAnswered: string | undefined;
  return {
    path,
    onResponse(record: ResponseRecord): void {
      if (loop.disabled || closed) return;
      try {
        const recorded = entryOfResponse(record, { ...context, at: now() });
        if (!recorded) return;
        const { role, entry } = recorded;
        if (role.kind === 'title') titles.wait(role.prompt, entry);
        else pending.add(entry);
        if (entry.codex && role.kind === 'conversation') {
          titles.noteConversation(entry.delta);
          if (entry.answered) lastAnswered = entry.delta.id;
        }
        titles.settle();
        schedule();
      } catch (error) {
        warnOnce('record', `could not record a request for the sessions file (${(error as Error).message ?? error})`);
      }
    },
    flush: () => loop.flush(),
    lastCodexSession(): string | undefined {
      const last = lastAnswered;
      return !loop.disabled && last !== undefined && !pending.has(last) && loop.inflight?.entries.has(last) !== true ? last : undefined;
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      titles.stop();
      titles.settle({ all: true });
      // Saved or said: either way the exit has nothing left to add.
      await loop.close().finally(() => exit.remove());
    },
  };
}

/** A recorder that records nothing (the sessions cannot be located, or belong to a newer codex-bridge). */
function idleRecorder(path: string): SessionRecorder {
  return { path, onResponse: () => {}, flush: async () => {}, close: async () => {}, lastCodexSession: () => undefined };
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
  return closingWithRecorder(server, recorderReady);
}

/** How long a stopping server gets to let go of its connections before the recorder's last write goes ahead anyway. */
const SERVER_CLOSE_LIMIT_MS = 3_000;

/**
 * The server whose close() also closes its recorder: first the server (open streams are cut; it gets
 * SERVER_CLOSE_LIMIT_MS), then the recorder's last write, which rejects with one line if records
 * that completed cannot be saved.
 */
export function closingWithRecorder<S extends { close(): Promise<void> | void }>(
  server: S,
  recorder: Promise<SessionRecorder>,
): S & { lastCodexSession(): string | undefined } {
  const closeServer = server.close.bind(server);
  let opened: SessionRecorder | undefined;
  void recorder.then((ready) => (opened = ready));
  return Object.assign(server, {
    lastCodexSession: () => opened?.lastCodexSession(),
    async close(): Promise<void> {
      let timer: NodeJS.Timeout | undefined;
      try {
        const limit = new Promise<void>((resolve) => (timer = setTimeout(resolve, SERVER_CLOSE_LIMIT_MS)));
        await Promise.race([closeServer(), limit]);
      } finally {
        clearTimeout(timer);
        await (await recorder).close();
      }
    },
  });
}
