import type { IncomingMessage } from 'node:http';
import type { BridgeOptions } from './bridge-options.js';
import type { TurnToKeep } from './keep-turn.js';
import { prepareResponsesInput } from './prepare-responses-input.js';
import { upstreamAdaptationFor, type UpstreamAdaptation } from '../providers/quirks/upstream-adaptation.js';
import type { ResponseRecord } from '../sessions/response-record.js';
import type { ConversationMemory } from '../state/session-store.js';
import type { ResponsesStateStore } from '../state/responses-state-store.js';
import type { ResponseContext } from '../translate/chat-stream-to-responses-events.js';
import { convertToChatRequest, type ConvertedChatRequest } from '../translate/convert-to-chat-request.js';
import { responseRequestFields } from '../translate/response-resource.js';
import { TranslationError } from '../translate/translation-error.js';
import type { ResponsesRequest } from '../translate/types.js';

// A /v1/responses request up to the chat request for the upstream: what it continues from (a
// previous_response_id chain or a conversation, its item references, its PDFs), which conversation
// it belongs to, and its translation, with the conversation's reasoning at hand for assistant
// turns that lost theirs.

export interface TranslatedTurn {
  converted: ConvertedChatRequest;
  /** What the translator of the answer needs. */
  context: ResponseContext;
  /** What is kept once the answer is known. */
  keep: TurnToKeep;
  adaptation: UpstreamAdaptation;
}

export interface TurnRefusal {
  status: number;
  error: { message: string; type: string; code: string };
}

/** What a request is reported as, filled in as it becomes known (a refusal reports what was known by then). */
export type TurnReport = Pick<ResponseRecord, 'responseId' | 'conversation' | 'model' | 'inputItems'>;

export interface TranslateTurnDeps {
  options: BridgeOptions;
  store: ConversationMemory;
  state: ResponsesStateStore;
  upstreamHost: string;
}

const refusal = (status: number, message: string, code: string): TurnRefusal => ({ status, error: { message, type: 'invalid_request_error', code } });

const headerValue = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value[0] : value);

export async function translateTurn(
  req: IncomingMessage,
  body: unknown,
  report: TurnReport,
  deps: TranslateTurnDeps,
): Promise<TranslatedTurn | TurnRefusal> {
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    return refusal(400, 'the request body must be a JSON object (a Responses API request)', 'invalid_body');
  }
  const request = body as ResponsesRequest;
  if (typeof request.model === 'string' && request.model !== '') report.model = request.model;
  const adaptation = upstreamAdaptationFor(deps.options);
  const prepared = await prepareResponsesInput(request, { store: deps.store, state: deps.state, quirks: adaptation.quirks });
  if (!('input' in prepared)) return refusal(prepared.status, prepared.message, prepared.code);
  const { history, conversationId, previousId, previousConversation } = prepared;
  // Codex's thread id, else the named conversation, else the client's cache key, else the chain's.
  const promptCacheKey = typeof request.prompt_cache_key === 'string' && request.prompt_cache_key !== '' ? request.prompt_cache_key : undefined;
  const threadId = headerValue(req.headers['thread-id']);
  report.conversation = threadId ?? conversationId ?? promptCacheKey ?? previousConversation ?? report.responseId;

  let converted: ConvertedChatRequest;
  try {
    converted = await deps.store.withReasoning(report.conversation, (reasoningLookup) =>
      convertToChatRequest(request, {
        model: report.model,
        input: prepared.input,
        history,
        reasoningLookup,
        quirks: adaptation.quirks,
        pdfText: prepared.pdfText,
        // Codex trims and interrupts histories, and is helped by a repair; an API client gets api.openai.com's 400.
        orphanToolOutputs: threadId ? 'repair' : 'reject',
        onRepair: deps.options.log && ((note) => deps.options.log?.(`repaired the tool-call sequence of ${report.responseId}: ${note}`)),
      }),
    );
  } catch (error) {
    if (error instanceof TranslationError) return refusal(400, error.message, 'invalid_request');
    throw error;
  }
  report.inputItems = converted.inputItems;
  const now = () => Math.floor(Date.now() / 1000);
  return {
    converted,
    adaptation,
    context: {
      responseId: report.responseId,
      model: report.model,
      requestFields: responseRequestFields(request),
      now,
      createdAt: now(),
      toolNames: converted.toolNames,
      previousResponseId: previousId ?? null,
      upstreamHost: deps.upstreamHost,
      quirks: adaptation.quirks,
      toolCallIds: converted.toolCallIds,
    },
    keep: { responseId: report.responseId, conversation: report.conversation, previousId, conversationId, store: request.store !== false, input: converted.inputItems },
  };
}
