import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BridgeOptions } from './bridge-options.js';
import { callUpstream } from './call-upstream.js';
import { clientNameOf } from './client-tokens.js';
import { GatedSseWriter } from './gated-sse-writer.js';
import { keepTurn, type TurnNotKept, type TurnToKeep } from './keep-turn.js';
import { makeSecretRedactor } from './redact-secrets.js';
import { reportRequest, sendJson, sendJsonError } from './send-json.js';
import type { SseEvent } from './sse-writer.js';
import { collectStream, pumpStream } from './stream-to-client.js';
import { translateTurn, type TranslatedTurn, type TurnRefusal, type TurnReport } from './translate-turn.js';
import { TurnFailures } from './turn-failures.js';
import type { UpstreamClient, UpstreamReply } from './upstream-types.js';
import type { ResponseRecord } from '../sessions/response-record.js';
import type { ConversationMemory } from '../state/session-store.js';
import type { ResponsesStateStore } from '../state/responses-state-store.js';
import { ChatStreamToResponsesEvents } from '../translate/chat-stream-to-responses-events.js';
import { convertChatResponseToChunk, convertChatResponseToResponse } from '../translate/convert-chat-response-to-response.js';
import type { ChatResponse, ResponsesResponse } from '../translate/types.js';

// POST /v1/responses: translate the request (translate-turn.ts), call the upstream with its
// retries and fallbacks (call-upstream.ts), and answer — streamed (stream-to-client.ts) or
// blocking — once what the answer promises is kept (keep-turn.ts).

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
  const sse = new GatedSseWriter(answer.res, scrubFailed, async (held: SseEvent[]) => {
    const response = translator.response;
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
  const response = translator.response;
  // The report waits for the end's gate only when it held something (the client may have left before the end).
  await answer.keep(response);
  answer.report(notKept && response.status !== 'failed' ? 'failed' : response.status, 200, response.usage);
}
