import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { BridgeOptions } from './bridge-options.js';
import type { TurnToKeep } from './keep-turn.js';
import { upstreamAdaptationFor, type UpstreamAdaptation } from '../providers/quirks/upstream-adaptation.js';
import type { ResponseRecord } from '../sessions/response-record.js';
import type { ConversationMemory } from '../state/session-store.js';
import type { ResponsesStateStore } from '../state/responses-state-store.js';
import type { ResponseContext } from '../translate/chat-stream-to-responses-events.js';
import { fileBytesBase64, pdfToExtract } from '../translate/convert-input-file.js';
import { convertToChatRequest, normalizeInput, type ConvertedChatRequest } from '../translate/convert-to-chat-request.js';
import type { ProviderQuirks } from '../translate/provider-quirks.js';
import { conversationIdOf, responseRequestFields } from '../translate/response-resource.js';
import { referencedItemIds, resolveItemReferences } from '../translate/stored-items.js';
import { TranslationError } from '../translate/translation-error.js';
import type { ResponsesInputItem, ResponsesRequest } from '../translate/types.js';

// A /v1/responses request up to the chat request for the upstream: what it continues from (a
// previous_response_id chain or a conversation, its item references, its PDFs read for a provider
// that takes no files), which conversation it belongs to, and its translation, with the
// conversation's reasoning at hand for assistant turns that lost theirs.

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
  const prepared = await prepareInput(request, { store: deps.store, state: deps.state, quirks: adaptation.quirks });
  if ('error' in prepared) return prepared;
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

interface PreparedInput {
  /** Items of earlier turns, oldest first, that precede the input. */
  history?: ResponsesInputItem[];
  previousId?: string;
  /** The conversation the previous_response_id chain belongs to. */
  previousConversation?: string;
  conversationId?: string;
  /** The request's input items, references resolved. */
  input: ResponsesInputItem[];
  /** The text of each PDF in the history and input, by its file_data (only for a provider that reads no files). */
  pdfText?: (fileData: string) => string | undefined;
}

interface PrepareDeps {
  store: ConversationMemory;
  state: ResponsesStateStore;
  quirks: ProviderQuirks;
}

/** What the request continues from, its item references resolved, its PDFs read; everything here may wait (on the stores, on PDF parsing). */
async function prepareInput(request: ResponsesRequest, deps: PrepareDeps): Promise<PreparedInput | TurnRefusal> {
  const { store, state } = deps;
  let input: ResponsesInputItem[];
  try {
    input = normalizeInput(request.input);
  } catch (error) {
    if (error instanceof TranslationError) return refusal(400, error.message, 'invalid_request');
    throw error;
  }

  const previousId = request.previous_response_id ?? undefined;
  const conversationId = conversationIdOf(request.conversation);
  if (request.conversation !== undefined && request.conversation !== null && conversationId === undefined) {
    return refusal(400, 'conversation must be a conversation id or {"id": …}', 'invalid_conversation');
  }
  if (previousId !== undefined && conversationId !== undefined) {
    return refusal(400, "Mutually exclusive parameters: Ensure you are only providing one of: 'previous_response_id' or 'conversation'.", 'mutually_exclusive_parameters');
  }

  // A response to be stored must be storable: with the shared store down, a 503 before the upstream is paid.
  if (request.store !== false) await store.ensureAvailable?.();

  let history: ResponsesInputItem[] | undefined;
  let previousConversation: string | undefined;
  if (previousId !== undefined) {
    if (typeof previousId !== 'string') return refusal(400, 'previous_response_id must be a string', 'invalid_previous_response_id');
    const chain = await store.chain(previousId);
    history = chain?.items;
    previousConversation = chain?.conversation;
    if (!history) {
      return refusal(
        400,
        `previous_response_id ${JSON.stringify(previousId)} is not known to this bridge (it was never produced here, or it expired); send the full input instead`,
        'previous_response_not_found',
      );
    }
  } else if (conversationId !== undefined) {
    history = await state.conversationItems(conversationId);
    if (!history) return refusal(404, `Conversation with id '${conversationId}' not found.`, 'conversation_not_found');
  }

  const referenced = referencedItemIds(input);
  if (referenced.length > 0) {
    try {
      input = resolveItemReferences(input, await state.getItems(referenced));
    } catch (error) {
      if (error instanceof TranslationError) return refusal(400, error.message, 'item_not_found');
      throw error;
    }
  }

  let pdfText: PreparedInput['pdfText'];
  if (deps.quirks.fileInput === 'text') {
    try {
      pdfText = await extractPdfTexts([...(history ?? []), ...input]);
    } catch (error) {
      if (error instanceof TranslationError) return refusal(400, error.message, 'invalid_file');
      throw error;
    }
  }
  return { history, previousId, previousConversation, conversationId, input, pdfText };
}

// ---------- PDFs, for a provider that reads no files ----------

// The text of the PDFs in a request, for a provider that reads no files (fileInput `text`). unpdf
// (pdf.js, pure JavaScript) is loaded on the first PDF only. The same file comes back every turn of
// a conversation, so the text of the last few is kept, by the hash of their bytes.

const KEPT = 32;
const kept = new Map<string, Promise<string>>();

const NO_TEXT = '(no text could be extracted: the PDF may hold only scanned images)';

async function extract(base64: string): Promise<string> {
  const { extractText, getDocumentProxy } = await import('unpdf');
  const pdf = await getDocumentProxy(new Uint8Array(Buffer.from(base64, 'base64')), { verbosity: 0 });
  try {
    const { text } = await extractText(pdf, { mergePages: true });
    return text.trim() === '' ? NO_TEXT : text;
  } finally {
    await pdf.destroy();
  }
}

function textOf(base64: string): Promise<string> {
  const key = createHash('sha256').update(base64).digest('base64url');
  let text = kept.get(key);
  if (text) {
    kept.delete(key);
  } else {
    text = extract(base64);
    // A failure is not kept: the next request tries again.
    text.catch(() => kept.delete(key));
  }
  kept.set(key, text);
  while (kept.size > KEPT) kept.delete(kept.keys().next().value as string);
  return text;
}

/** Every `input_file` part in items' content and tool outputs. */
function fileParts(items: readonly unknown[]): Array<Record<string, unknown>> {
  const parts: Array<Record<string, unknown>> = [];
  for (const item of items) {
    if (!item || typeof item !== 'object') continue;
    const { content, output } = item as { content?: unknown; output?: unknown };
    for (const list of [content, output]) {
      if (!Array.isArray(list)) continue;
      for (const part of list) if (part && typeof part === 'object' && (part as { type?: unknown }).type === 'input_file') parts.push(part);
    }
  }
  return parts;
}

/**
 * The text of each PDF among `items`, by its file_data; undefined if there is none. A PDF that
 * cannot be read is a TranslationError naming it.
 */
async function extractPdfTexts(items: readonly unknown[]): Promise<((fileData: string) => string | undefined) | undefined> {
  const texts = new Map<string, string>();
  for (const part of fileParts(items)) {
    const fileData = pdfToExtract(part);
    if (fileData === undefined || texts.has(fileData)) continue;
    const name = typeof part.filename === 'string' && part.filename !== '' ? part.filename : 'file';
    try {
      texts.set(fileData, await textOf(fileBytesBase64(fileData)));
    } catch (error) {
      throw new TranslationError(`the PDF ${JSON.stringify(name)} could not be read: ${(error as Error)?.message ?? String(error)}`, 'input');
    }
  }
  return texts.size === 0 ? undefined : (fileData) => texts.get(fileData);
}
