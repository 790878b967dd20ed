import type { ConversationMemory } from '../state/session-store.js';
import { closingWithRecorder, openSessionRecorder, type RecordingDeps, type SessionRecorderOptions } from './session-recorder.js';
import type { SessionsBackend } from './sessions-backend.js';

// withSessionRecorder (session-recorder.ts) for `serve --store`: sessions are recorded in the
// shared store's backend, and the server keeps its chains and reasoning in the shared `memory`
// (nothing in this process). Every request is recorded as soon as it ends, not after a timer that a
// killed replica would never reach. Nothing is read at start, so the recorder opens first.

export async function withSharedRecorder<S extends { close(): Promise<void> | void }>(
  options: Omit<SessionRecorderOptions, 'upstreamHost' | 'store' | 'upstreamSetting' | 'backend'> & { upstream: string; provider?: string; apiKeyEnv?: string },
  shared: { backend: SessionsBackend; memory: ConversationMemory },
  start: (deps: RecordingDeps) => Promise<S>,
): Promise<S & { lastCodexSession(): string | undefined }> {
  const { upstream, provider, apiKeyEnv, ...rest } = options;
  const recorder = await openSessionRecorder({
    flushDelayMs: 0,
    ...rest,
    upstreamHost: upstream,
    upstreamSetting: { provider, upstreamUrl: upstream, apiKeyEnv },
    backend: shared.backend,
  });
  let server: S;
  try {
    server = await start({ store: shared.memory, onResponse: recorder.onResponse });
  } catch (error) {
    await recorder.close();
    throw error;
  }
  return closingWithRecorder(server, Promise.resolve(recorder));
}
