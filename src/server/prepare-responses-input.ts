import type { ConversationMemory } from '../state/session-store.js';
import type { ResponsesStateStore } from '../state/responses-state-store.js';
import { normalizeInput } from '../translate/convert-to-chat-request.js';
import { conversationIdOf } from '../translate/response-resource.js';
import { referencedItemIds, resolveItemReferences } from '../translate/stored-items.js';
import { TranslationError } from '../translate/translation-error.js';
import type { ResponsesInputItem, ResponsesRequest } from '../translate/types.js';
import type { ProviderQuirks } from '../translate/provider-quirks.js';
import { extractPdfTexts } from './extract-pdf-text.js';

// What a /v1/responses request needs from earlier requests before it can be translated: the items
// it continues from (a previous_response_id chain, or a conversation), the stored items its
// `item_reference`s name, and the text of its PDFs for a provider that reads no files. Everything
// here may wait (on the stores, on PDF parsing); the translation after it does not.

export interface PreparedInput {
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

export interface InputFailure {
  status: number;
  message: string;
  code: string;
}

export interface PrepareDeps {
  store: ConversationMemory;
  state: ResponsesStateStore;
  quirks: ProviderQuirks;
}

const failure = (status: number, message: string, code: string): InputFailure => ({ status, message, code });

export async function prepareResponsesInput(request: ResponsesRequest, deps: PrepareDeps): Promise<PreparedInput | InputFailure> {
  const { store, state } = deps;
  let input: ResponsesInputItem[];
  try {
    input = normalizeInput(request.input);
  } catch (error) {
    if (error instanceof TranslationError) return failure(400, error.message, 'invalid_request');
    throw error;
  }

  const previousId = request.previous_response_id ?? undefined;
  const conversationId = conversationIdOf(request.conversation);
  if (request.conversation !== undefined && request.conversation !== null && conversationId === undefined) {
    return failure(400, 'conversation must be a conversation id or {"id": …}', 'invalid_conversation');
  }
  if (previousId !== undefined && conversationId !== undefined) {
    return failure(400, "Mutually exclusive parameters: Ensure you are only providing one of: 'previous_response_id' or 'conversation'.", 'mutually_exclusive_parameters');
  }

  // A response to be stored must be storable: with the shared store down, a 503 before the upstream is paid.
  if (request.store !== false) await store.ensureAvailable?.();

  let history: ResponsesInputItem[] | undefined;
  let previousConversation: string | undefined;
  if (previousId !== undefined) {
    if (typeof previousId !== 'string') return failure(400, 'previous_response_id must be a string', 'invalid_previous_response_id');
    const chain = await store.chain(previousId);
    history = chain?.items;
    previousConversation = chain?.conversation;
    if (!history) {
      return failure(
        400,
        `previous_response_id ${JSON.stringify(previousId)} is not known to this bridge (it was never produced here, or it expired); send the full input instead`,
        'previous_response_not_found',
      );
    }
  } else if (conversationId !== undefined) {
    history = await state.conversationItems(conversationId);
    if (!history) return failure(404, `Conversation with id '${conversationId}' not found.`, 'conversation_not_found');
  }

  const referenced = referencedItemIds(input);
  if (referenced.length > 0) {
    try {
      input = resolveItemReferences(input, await state.getItems(referenced));
    } catch (error) {
      if (error instanceof TranslationError) return failure(400, error.message, 'item_not_found');
      throw error;
    }
  }

  let pdfText: PreparedInput['pdfText'];
  if (deps.quirks.fileInput === 'text') {
    try {
      pdfText = await extractPdfTexts([...(history ?? []), ...input]);
    } catch (error) {
      if (error instanceof TranslationError) return failure(400, error.message, 'invalid_file');
      throw error;
    }
  }
  return { history, previousId, previousConversation, conversationId, input, pdfText };
}
