import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BridgeOptions } from './bridge-options.js';
import { callUpstream, stillWaitingLine, TurnFailures } from './call-upstream.js';
import { clientNameOf } from './guard-request.js';
import { keepTurn, type TurnNotKept, type TurnToKeep } from './keep-turn.js';
import { makeSecretRedactor } from './redact-secrets.js';
import { reportRequest, sendJson, sendJsonError } from './send-json.js';
import { SseWriter, type SseEvent } from './sse-writer.js';
import { translateTurn, type TranslatedTurn, type TurnRefusal, type TurnReport } from './translate-turn.js';
import type { UpstreamClient, UpstreamReply } from './upstream-types.js';
import type { ResponseRecord } from '../sessions/response-record.js';
import type { ConversationMemory } from '../state/session-store.js';
import type { ResponsesStateStore } from '../state/responses-state-store.js';
import { ChatStreamToResponsesEvents } from '../translate/chat-stream-to-responses-events.js';
import { FINAL_ERROR_CODE } from '../translate/map-upstream-error.js';
import { convertChatResponseToChunk, convertChatResponseToResponse } from '../translate/convert-chat-response-to-response.js';
import type { ChatResponse, ResponsesResponse } from '../translate/types.js';

// POST /v1/responses: translate the request (translate-turn.ts), call the upstream with its
// retries and fallbacks (call-upstream.ts), and answer — streamed (pumpStream: the translator's
// events as each network read arrives, keep-alives while the upstream thinks, the idle limit) or
// collected for a blocking client — once what the answer promises is kept (keep-turn.ts).

export interface ResponsesHandlerDeps {
  options: BridgeOptions;
  upstream: UpstreamClient;
  store: ConversationMemory;
  /** Stored responses, conversations and items by id (for clients other than Codex). */
  state: ResponsesStateStore;
  /** Told about every finished request: for --verbose lines and the sessions file. */
  onResponse?: (record: ResponseRecord) => void;
}

/** What onResponse is told (defined in src/sessions, which must not import the server). */
export type { ResponseRecord };

/** What every request of one server needs and need not work out again: made on its first request. */
interface ServerConstants {
  scrub: (text: string) => string;
  upstreamHost: string;
  /** Failed upstream attempts per Codex turn, so that the bridge's retries and Codex's don't multiply. */
  turns: TurnFailures;
}
const serverConstants = new WeakMap<BridgeOptions, ServerConstants>();

function perServer(options: BridgeOptions): ServerConstants {
  let constants = serverConstants.get(options);
  if (!constants) {
    constants = { scrub: makeSecretRedactor(options.apiKey, options.token), upstreamHost: new URL(options.upstream).host, turns: new TurnFailures() };
    serverConstants.set(options, constants);
  }
  return constants;
}

/** One request's way out: its answer, its report (--verbose, the sessions file) and its turn kept once. */
interface Answer {
  res: ServerResponse;
  scrub: (text: string) => string;
  report(status: ResponseRecord['status'], httpStatus: number, usage?: ResponsesResponse['usage']): void;
  /** Sends the error; reported as an error, or as the response it ended (whose usage counts). */
  fail(failure: TurnRefusal & { headers?: Record<string, string> }, ended?: ResponsesResponse): void;
  /** Keeps the turn (once, however often asked); resolves with why it was not kept, if it was not. */
  keep(response: ResponsesResponse): Promise<TurnNotKept | undefined>;
  /** The request is over: stop aborting the upstream when the client leaves. */
  settle(): void;
}

/** POST /v1/responses, after auth and body decoding. `body` is the parsed JSON (any shape). */
export async function handleResponses(req: IncomingMessage, res: ServerResponse, body: unknown, deps: ResponsesHandlerDeps): Promise<void> {
  const { options } = deps;
  const { scrub, upstreamHost, turns } = perServer(options);
  const report: TurnReport = { responseId: `resp_${randomUUID().replace(/-/g, '')}`, conversation: '', model: options.model, inputItems: [] };
  report.conversation = report.responseId;
  const abort = new AbortController();
  const onClose = () => {
    if (!res.writableFinished) abort.abort();
  };
  let kept: Promise<TurnNotKept | undefined> | undefined;
  let toKeep: TurnToKeep | undefined;
  const answer: Answer = {
    res,
    scrub,
    report: (status, httpStatus, usage = null) => {
      reportRequest(res, { model: report.model, ...usageReport(usage), ...(status === 'failed' && { note: 'response.failed' }) });
      deps.onResponse?.({ ...report, status, httpStatus, usage, headers: req.headers, clientName: clientNameOf(req) });
    },
    fail: (failure, ended) => {
      sendJsonError(res, failure.status, { ...failure.error, message: scrub(failure.error.message) }, failure.headers);
      answer.report(ended ? 'failed' : 'error', failure.status, ended?.usage);
    },
    keep: (response) => (kept ??= keepTurn(toKeep!, response, { memory: deps.store, state: deps.state, log: options.log, scrub })),
    settle: () => res.off('close', onClose),
  };

  const turn = await translateTurn(req, body, report, { ...deps, upstreamHost });
  if ('error' in turn) return answer.fail(turn);
  toKeep = turn.keep;
  res.on('close', onClose);
  const outcome = await callUpstream(turn.converted.request, { ...deps, adaptation: turn.adaptation, turns, upstreamHost, headers: req.headers, signal: abort.signal });
  if (outcome.kind !== 'reply') {
    answer.settle();
    return outcome.kind === 'aborted' ? answer.report('error', 499) : answer.fail(outcome.answer);
  }
  const translator = new ChatStreamToResponsesEvents(turn.context);
  if ((body as { stream?: unknown }).stream !== true) return answerBlocking(outcome.reply, translator, turn, abort.signal, answer);
  return answerStreamed(outcome.reply, translator, abort, options, answer);
}

function usageReport(usage: ResponsesResponse['usage']) {
  if (!usage) return {};
  return {
    inputTokens: usage.input_tokens,
    outputTokens: usage.output_tokens,
    cachedTokens: usage.input_tokens_details.cached_tokens,
    reasoningTokens: usage.output_tokens_details.reasoning_tokens,
  };
}

const storeUnavailable = (notKept: TurnNotKept) => ({ code: 'store_unavailable', message: notKept.message });

/** A blocking client: the whole response as JSON, a 502 if the upstream failed, a 503 if it could not be kept. */
async function answerBlocking(
  reply: Exclude<UpstreamReply, { kind: 'error' }>,
  translator: ChatStreamToResponsesEvents,
  turn: TranslatedTurn,
  signal: AbortSignal,
  answer: Answer,
): Promise<void> {
  const response = reply.kind === 'json' ? convertChatResponseToResponse(reply.body as ChatResponse, turn.context) : await collectStream(translator, reply, signal);
  answer.settle();
  if (response.status === 'failed' && response.error) {
    answer.fail({ status: 502, error: { ...response.error, type: 'server_error' } }, response);
    return void answer.keep(response);
  }
  const notKept = await answer.keep(response);
  if (notKept) {
    return answer.fail({ status: 503, error: { ...storeUnavailable(notKept), type: 'server_error' }, headers: { 'retry-after': '5' } }, response);
  }
  sendJson(answer.res, 200, response);
  answer.report(response.status, 200, response.usage);
}

/** A streaming client: events as the upstream sends them; the end once the turn is kept, or a response.failed in its place. */
async function answerStreamed(
  reply: Exclude<UpstreamReply, { kind: 'error' }>,
  translator: ChatStreamToResponsesEvents,
  abort: AbortController,
  options: BridgeOptions,
  answer: Answer,
): Promise<void> {
  // Only failures carry upstream text that could echo a secret; other frames skip the scan.
  const scrubFailed = (json: string) => (json.startsWith('{"type":"response.failed"') ? answer.scrub(json) : json);
  let notKept: TurnNotKept | undefined;
  let ended: ResponsesResponse | undefined;
  const sse = new SseWriter(answer.res, scrubFailed, async (held: SseEvent[]) => {
    const response = (ended = translator.response);
    notKept = await answer.keep(response);
    if (!notKept || response.status === 'failed') return held;
    return [{ type: 'response.failed', response: { ...response, status: 'failed', error: storeUnavailable(notKept), incomplete_details: null } }];
  });
  sse.send(...translator.start());
  if (reply.kind === 'json') {
    // The upstream ignored stream:true; translate its whole answer as one chunk.
    const body = reply.body as ChatResponse;
    if (!body || typeof body !== 'object') {
      sse.send(...translator.fail({ code: 'upstream_invalid_response', message: `upstream ${new URL(options.upstream).host} answered with something that is not a chat completion` }));
    } else {
      sse.send(...(body.error ? translator.push(body as never) : translator.push(convertChatResponseToChunk(body))));
      sse.send(...translator.end({ sawDone: true }));
    }
  } else {
    await pumpStream(translator, reply, sse, abort, options);
  }
  sse.end();
  answer.settle();
  // The end went through the gate, unless the client left first.
  const response = (ended ??= translator.response);
  await answer.keep(response);
  answer.report(notKept && response.status !== 'failed' ? 'failed' : response.status, 200, response.usage);
}

/** Upstream SSE → translator → client, with JSON keep-alives while the upstream is silent. */
async function pumpStream(
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
async function collectStream(
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
