import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BridgeOptions } from './bridge-options.js';
import { reportRequest, sendJson, sendJsonError } from './send-json.js';
import { SseWriter, type SseEvent } from './sse-writer.js';
import { makeSecretRedactor } from './redact-secrets.js';
import type { UpstreamClient, UpstreamReply } from './upstream-types.js';
import { answerForStatus, answerForUnreachable } from './upstream-failure.js';
import { TurnFailures, turnIdOf } from './turn-failures.js';
import { startWaitingNotice, stillWaitingLine } from './waiting-notice.js';
import { FINAL_ERROR_CODE } from '../translate/map-upstream-error.js';
import { refusedParameter, withoutParameter } from '../providers/quirks/adaptive-parameter-fallback.js';
import { refusedMessageShape } from '../providers/quirks/adaptive-message-shape.js';
import { upstreamAdaptationFor } from '../providers/quirks/upstream-adaptation.js';
import type { ConversationMemory } from '../state/session-store.js';
import type { ResponseRecord } from '../sessions/response-record.js';
import { convertToChatRequest } from '../translate/convert-to-chat-request.js';
import { convertToChatMessages } from '../translate/convert-to-chat-messages.js';
import { ChatStreamToResponsesEvents, type ResponseContext } from '../translate/chat-stream-to-responses-events.js';
import { convertChatResponseToChunk, convertChatResponseToResponse } from '../translate/convert-chat-response-to-response.js';
import { TranslationError } from '../translate/translation-error.js';
import type { ChatResponse, ResponsesRequest, ResponsesResponse } from '../translate/types.js';
import { responseRequestFields } from '../translate/response-resource.js';
import type { ResponsesStateStore } from '../state/responses-state-store.js';
import { prepareResponsesInput } from './prepare-responses-input.js';
import { recordResponseState } from './record-response-state.js';
import type { StateWrites } from './state-writes.js';
import { clientNameOf } from './client-tokens.js';
import { GatedSseWriter } from './gated-sse-writer.js';

export interface ResponsesHandlerDeps {
  options: BridgeOptions;
  upstream: UpstreamClient;
  store: ConversationMemory;
  /** Stored responses, conversations and items by id (for clients other than Codex). */
  state: ResponsesStateStore;
  writes: StateWrites;
  /** Told about every finished request: for --verbose lines and the sessions file. */
  onResponse?: (record: ResponseRecord) => void;
}

/** What onResponse is told (defined in src/sessions, which must not import the server). */
export type { ResponseRecord };

interface JsonError {
  status: number;
  error: { message: string; type: string; code: string };
  headers?: Record<string, string>;
}

/** Refused parameters or conversation shapes adapted to in one request before its error goes back to the client. */
const MAX_PARAMETER_FALLBACKS = 3;

function jsonError(status: number, message: string, code: string, type = 'invalid_request_error'): JsonError {
  return { status, error: { message, type, code } };
}

function sendError(res: ServerResponse, failure: JsonError, scrub: (text: string) => string): void {
  sendJsonError(res, failure.status, { ...failure.error, message: scrub(failure.error.message) }, failure.headers);
}

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

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * POST /v1/responses, after auth and body decoding. `body` is the parsed JSON (any shape).
 * Owns the whole reply: a JSON error, an SSE stream, or a blocking JSON response.
 */
export async function handleResponses(req: IncomingMessage, res: ServerResponse, body: unknown, deps: ResponsesHandlerDeps): Promise<void> {
  const { options, store } = deps;
  const { scrub, upstreamHost, turns } = perServer(options);
  const responseId = `resp_${randomUUID().replace(/-/g, '')}`;
  const request = body as ResponsesRequest;
  let model = options.model;
  let conversation = responseId;
  let inputItems: unknown[] = [];

  const report = (status: ResponseRecord['status'], httpStatus: number, usage: ResponsesResponse['usage'] = null) => {
    reportRequest(res, {
      model,
      ...(usage && {
        inputTokens: usage.input_tokens,
        outputTokens: usage.output_tokens,
        cachedTokens: usage.input_tokens_details.cached_tokens,
        reasoningTokens: usage.output_tokens_details.reasoning_tokens,
      }),
      ...(status === 'failed' && { note: 'response.failed' }),
    });
    deps.onResponse?.({ responseId, conversation, model, status, httpStatus, usage, inputItems, headers: req.headers, clientName: clientNameOf(req) });
  };
  const fail = (failure: JsonError) => {
    sendError(res, failure, scrub);
    report('error', failure.status);
  };

  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    return fail(jsonError(400, 'the request body must be a JSON object (a Responses API request)', 'invalid_body'));
  }
  if (typeof request.model === 'string' && request.model !== '') model = request.model;

  // What the request continues from (a previous_response_id chain or a conversation), its item
  // references resolved, and its PDFs read for a provider that takes no files.
  const adaptation = upstreamAdaptationFor(options);
  const prepared = await prepareResponsesInput(request, { store, state: deps.state, writes: deps.writes, quirks: adaptation.quirks });
  if (!('input' in prepared)) return fail(jsonError(prepared.status, prepared.message, prepared.code));
  const { history, conversationId, previousId, previousConversation } = prepared;
  // Which conversation this is: Codex's thread id, else the named conversation, else the previous_response_id chain's.
  const threadId = headerValue(req.headers['thread-id']);
  conversation =
    threadId ??
    conversationId ??
    (typeof request.prompt_cache_key === 'string' && request.prompt_cache_key !== '' ? request.prompt_cache_key : undefined) ??
    previousConversation ??
    responseId;

  let converted;
  try {
    converted = await store.withReasoning(conversation, (reasoningLookup) =>
      convertToChatRequest(prepared.input === request.input ? request : { ...request, input: prepared.input }, {
        model,
        history,
        reasoningLookup,
        quirks: adaptation.quirks,
        pdfText: prepared.pdfText,
        // Codex trims and interrupts histories, and is helped by a repair; an API client gets api.openai.com's 400.
        orphanToolOutputs: threadId ? 'repair' : 'reject',
        onRepair: options.log && ((note) => options.log?.(`repaired the tool-call sequence of ${responseId}: ${note}`)),
      }),
    );
  } catch (error) {
    if (error instanceof TranslationError) return fail(jsonError(400, error.message, 'invalid_request'));
    throw error;
  }
  inputItems = converted.inputItems;

  const abort = new AbortController();
  const onClose = () => {
    if (!res.writableFinished) abort.abort();
  };
  res.on('close', onClose);

  const context: ResponseContext = {
    responseId,
    model,
    requestFields: responseRequestFields(request),
    now: () => Math.floor(Date.now() / 1000),
    createdAt: Math.floor(Date.now() / 1000),
    toolNames: converted.toolNames,
    previousResponseId: previousId ?? null,
    upstreamHost,
    quirks: adaptation.quirks,
    toolCallIds: converted.toolCallIds,
  };

  // Codex's turn, read only once some turn has failed (or this request fails).
  let turn = turns.empty ? undefined : turnIdOf(req.headers);
  let failedAttempts = 0;
  /** Counts this request's failed attempts into its turn; the turn's total once it has none left. */
  const turnExhausted = (): number | undefined => {
    turn ??= turnIdOf(req.headers);
    const total = turns.recordFailures(turn, failedAttempts);
    return turns.exhausted(turn) ? total : undefined;
  };
  let reply: UpstreamReply;
  const waiting = startWaitingNotice(options.log, upstreamHost, options.upstreamIdleTimeoutMs, options.waitingNoticeMs);
  try {
    // Without what this upstream refused before, in the conversation shape it accepts; a new
    // refusal of a parameter we sent, or of the conversation's shape, is retried without it (a few
    // times at most, each for something new) and remembered.
    let upstreamRequest = adaptation.shape.apply(adaptation.fallback.apply(converted.request));
    for (let round = 0; ; round++) {
      reply = await deps.upstream.chat(upstreamRequest, {
        signal: abort.signal,
        maxRetries: turns.retriesFor(turn, options.maxRetries),
        onRetry: ({ attempt, status, delayMs, reason }) => {
          failedAttempts++;
          options.log?.(`retry ${attempt} of POST ${upstreamHost}/chat/completions in ${delayMs}ms (${status ?? reason})`);
        },
      });
      if (reply.kind === 'error') failedAttempts++;
      if (reply.kind !== 'error' || round >= MAX_PARAMETER_FALLBACKS) break;
      const refused = refusedParameter(reply.status, reply.bodyText, upstreamRequest);
      const shape = refused ? undefined : refusedMessageShape(reply.status, reply.bodyText, adaptation.shape.learned);
      if (refused) {
        adaptation.fallback.remember(refused);
        options.log?.(`upstream ${upstreamHost} refused ${refused} (HTTP ${reply.status}); retrying without it, and leaving it out from now on`);
        upstreamRequest = withoutParameter(upstreamRequest, refused);
      } else if (shape) {
        adaptation.shape.remember(shape);
        options.log?.(`upstream ${upstreamHost} refused the conversation's shape (HTTP ${reply.status}); retrying as ${shape}, and sending it so from now on`);
        upstreamRequest = adaptation.shape.apply(upstreamRequest);
      } else break;
    }
  } catch (error) {
    res.off('close', onClose);
    if (abort.signal.aborted) return report('error', 499);
    failedAttempts++;
    return fail(answerForUnreachable(error, options, upstreamHost, turnExhausted()));
  } finally {
    waiting.stop();
  }

  if (reply.kind === 'error') {
    res.off('close', onClose);
    return fail(answerForStatus(reply, options, upstreamHost, turnExhausted()));
  }
  if (!turns.empty) turns.recordSuccess(turn ?? turnIdOf(req.headers));

  const translator = new ChatStreamToResponsesEvents(context);
  const finish = (response: ResponsesResponse, httpStatus: number) => {
    res.off('close', onClose);
    void keepTurn(response);
    report(response.status, httpStatus, response.usage);
  };
  // What later requests may continue from or ask for (the chain, the reasoning, GET
  // /v1/responses/{id}, the conversation), kept once. A reader in this process that comes before it
  // landed waits for it; with a store shared by replicas, the response's end waits for it instead.
  let turnKept: Promise<void> | undefined;
  const keepTurn = (response: ResponsesResponse) =>
    (turnKept ??= Promise.all([
      keepMemory(response),
      recordResponseState(
        { response, input: converted.inputItems, store: request.store !== false, conversationId },
        { state: deps.state, writes: deps.writes, log: options.log },
      ),
    ]).then(() => undefined));
  const keepMemory = async (response: ResponsesResponse) => {
    if (response.status !== 'completed' && response.status !== 'incomplete') return;
    try {
      // store:false (what Codex sends: it replays the whole history itself) means nobody may
      // continue from this response, so keeping its history would only cost memory.
      const recorded =
        request.store !== false
          ? store.recordResponse({ id: responseId, conversation, parentId: previousId ?? undefined, items: [...converted.inputItems, ...response.output] })
          : undefined;
      await Promise.all([recorded, store.rememberReasoning(conversation, convertToChatMessages(response.output))]);
    } catch (error) {
      options.log?.(`could not keep the chain or reasoning of ${responseId}: ${scrub((error as Error)?.message ?? String(error))}`);
    }
  };

  if (request.stream !== true) {
    const response =
      reply.kind === 'json' ? convertChatResponseToResponse(reply.body as ChatResponse, context) : await collectStream(translator, reply, abort.signal);
    if (response.status === 'failed' && response.error) {
      const failure = jsonError(502, response.error.message, response.error.code, 'server_error');
      sendError(res, failure, scrub);
      return finish(response, 502);
    }
    await keepTurn(response);
    sendJson(res, 200, response);
    return finish(response, 200);
  }

  // Only failures carry upstream text that could echo a secret; other frames skip the scan.
  const scrubFailed = (json: string) => (json.startsWith('{"type":"response.failed"') ? scrub(json) : json);
  const sse = store.shared ? new GatedSseWriter(res, scrubFailed, () => keepTurn(translator.response)) : new SseWriter(res, scrubFailed);
  sse.send(...translator.start());
  if (reply.kind === 'json') {
    // The upstream ignored stream:true; translate its whole answer as one chunk.
    const body = reply.body as ChatResponse;
    if (!body || typeof body !== 'object') {
      sse.send(...translator.fail({ code: 'upstream_invalid_response', message: `upstream ${upstreamHost} answered with something that is not a chat completion` }));
    } else {
      sse.send(...(body.error ? translator.push(body as never) : translator.push(convertChatResponseToChunk(body))));
      sse.send(...translator.end({ sawDone: true }));
    }
  } else {
    await pumpStream(translator, reply, sse, abort, options);
  }
  sse.end();
  finish(translator.response, 200);
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
