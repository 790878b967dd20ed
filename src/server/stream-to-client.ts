import type { BridgeOptions } from './bridge-options.js';
import type { SseEvent, SseWriter } from './sse-writer.js';
import type { UpstreamReply } from './upstream-types.js';
import { stillWaitingLine } from './waiting-notice.js';
import { FINAL_ERROR_CODE } from '../translate/map-upstream-error.js';
import type { ChatStreamToResponsesEvents } from '../translate/chat-stream-to-responses-events.js';
import type { ResponsesResponse } from '../translate/types.js';

// An upstream stream's way to the client: streamed (pumpStream: the translator's events as each
// network read arrives, keep-alives while the upstream thinks, the idle limit) or collected into
// one response for a blocking client (collectStream).

/** Upstream SSE → translator → client, with JSON keep-alives while the upstream is silent. */
export async function pumpStream(
  translator: ChatStreamToResponsesEvents,
  reply: Extract<UpstreamReply, { kind: 'stream' }>,
  sse: SseWriter,
  abort: AbortController,
  options: BridgeOptions,
): Promise<void> {
  let lastUpstreamAt = Date.now();
  let lastSentAt = lastUpstreamAt;
  // While a write waits for a client that is not reading, the upstream is not asked for more: that
  // wait is not upstream silence (and a keep-alive would only queue behind the write).
  let waitingOnClient = false;
  /** --verbose lines said about the current silence. */
  let notices = 0;
  // One timer per stream, not per chunk: it only looks at timestamps the loop updates.
  const timer = setInterval(() => {
    if (waitingOnClient) return;
    const now = Date.now();
    if (now - lastUpstreamAt >= options.upstreamIdleTimeoutMs) {
      // Final (Codex does not retry it): a retry would wait the whole limit again.
      sse.send(
        ...translator.fail({
          code: FINAL_ERROR_CODE,
          message: `upstream sent nothing for ${Math.round((now - lastUpstreamAt) / 1000)}s; gave up — raise --upstream-timeout if the model thinks longer`,
        }),
      );
      abort.abort();
      return;
    }
    if (now - lastSentAt >= options.keepAliveMs) {
      sse.send(translator.keepAlive());
      lastSentAt = now;
    }
    if (options.log && now - lastUpstreamAt >= options.waitingNoticeMs * (notices + 1)) {
      notices++;
      options.log(stillWaitingLine(new URL(options.upstream).host, now - lastUpstreamAt, options.upstreamIdleTimeoutMs));
    }
  }, Math.max(10, Math.min(options.keepAliveMs, options.upstreamIdleTimeoutMs) / 3));
  timer.unref();

  let sawDone = false;
  try {
    // The events of one upstream read are translated together and written in one go.
    reading: for await (const batch of reply.batches) {
      lastUpstreamAt = Date.now();
      notices = 0;
      const out: SseEvent[] = [];
      for (const event of batch) {
        if (event.type === 'done') {
          sawDone = true;
          break;
        }
        if (event.type === 'chunk') {
          const events = translator.push(event.chunk);
          for (let i = 0; i < events.length; i++) out.push(events[i]);
          if (translator.finished) break;
        }
        // Malformed data lines are skipped; a stream that never finishes fails at the end.
      }
      if (out.length > 0) {
        lastSentAt = lastUpstreamAt;
        waitingOnClient = true;
        await sse.sendAll(out);
        waitingOnClient = false;
        // The client is reading again: the upstream's silence counts from when the bridge reads from it again.
        lastUpstreamAt = lastSentAt = Date.now();
      }
      if (sawDone || translator.finished) break reading;
    }
    sse.send(...translator.end({ sawDone }));
  } catch (error) {
    if (!abort.signal.aborted) {
      sse.send(...translator.fail({ code: 'upstream_disconnected', message: `the upstream stream broke: ${(error as Error)?.message ?? error}` }));
    } else if (!translator.finished) {
      translator.fail({ code: 'client_disconnected', message: 'the client went away' });
    }
  } finally {
    clearInterval(timer);
    if (!sawDone && !translator.finished) abort.abort();
  }
}

/** A blocking client got a streamed answer (or asked while we only stream): collect it. */
export async function collectStream(
  translator: ChatStreamToResponsesEvents,
  reply: Extract<UpstreamReply, { kind: 'stream' }>,
  signal: AbortSignal,
): Promise<ResponsesResponse> {
  let sawDone = false;
  try {
    reading: for await (const batch of reply.batches) {
      for (const event of batch) {
        if (event.type === 'done') {
          sawDone = true;
          break reading;
        }
        if (event.type === 'chunk') translator.push(event.chunk);
        if (translator.finished) break reading;
      }
    }
    translator.end({ sawDone });
  } catch (error) {
    translator.fail({ code: signal.aborted ? 'client_disconnected' : 'upstream_disconnected', message: `the upstream stream broke: ${(error as Error)?.message ?? error}` });
  }
  return translator.response;
}
