import type {
  ChatContentPart,
  ChatMessage,
  ChatToolCall,
  ResponsesContentPart,
  ResponsesInputItem,
} from './types.js';
import { decodeReasoningEnvelope, type ReasoningEnvelope } from './reasoning-envelope.js';
import { appendReasoningDetails, ProviderStateReplay } from './replay-provider-state.js';
import { flattenToolName } from './tool-name-map.js';
import { CUSTOM_TOOL_ARGUMENT } from './convert-to-chat-tools.js';
import { TranslationError } from './translation-error.js';
import { deepFreeze, isDeepFrozen } from './deep-freeze.js';
import { convertInputFile, type FileInputOptions } from './convert-input-file.js';
import { isItemReference } from './stored-items.js';

/**
 * Where reasoning comes from when a replayed item lost its envelope (a client that drops
 * `encrypted_content`). Scoped to one conversation by whoever builds it.
 */
export interface ReasoningLookup {
  byCallId(callId: string): string | undefined;
  byAssistantText(text: string): string | undefined;
}

export interface ConvertToChatMessagesOptions {
  reasoningLookup?: ReasoningLookup;
  /** Keep developer messages as role `developer` (default: they become `system`). */
  developerRole?: boolean;
  /** How `input_file` parts are sent (default: as text, for a provider that takes no files). */
  files?: FileInputOptions;
  /**
   * A tool output whose call is nowhere in the conversation: `repair` turns it into a user message
   * (what Codex's trimmed histories need), `reject` is a 400 (what api.openai.com answers). Default repair.
   */
  orphanToolOutputs?: 'repair' | 'reject';
  /** Told about every repair of the tool-call sequence, for --verbose. */
  onRepair?: (note: string) => void;
}

type AssistantMessage = Extract<ChatMessage, { role: 'assistant' }>;

/**
 * Item types Codex sends (codex-protocol.md §3) that carry nothing a chat upstream can use:
 * tolerated and skipped. Any other type the bridge cannot translate is a 400 naming it.
 */
export const SKIPPED_CODEX_ITEM_TYPES: ReadonlySet<string> = new Set([
  'web_search_call',
  'local_shell_call',
  'image_generation_call',
  'tool_search_call',
  'tool_search_output',
  'additional_tools',
  'compaction',
  'compaction_summary',
  'ghost_snapshot',
]);

/** Codex sends this (with request_kind "compaction") to ask the model for a hand-off summary. */
export const COMPACTION_PROMPT =
  'Summarize the conversation so far as a hand-off note for yourself: the task, decisions made, ' +
  'files touched, what is done and what remains. Be concise and concrete.';

function imageUrlOf(part: { image_url?: unknown; file_id?: unknown }): string | undefined {
  const url = part.image_url;
  if (typeof url === 'string') return url;
  if (url && typeof url === 'object' && typeof (url as { url?: unknown }).url === 'string') {
    return (url as { url: string }).url;
  }
  return undefined;
}

interface ConvertedContent {
  text: string;
  parts: ChatContentPart[];
}

/** Content arrays that came frozen (kept between requests) → what they convert to, frozen too. */
const convertedContent = new WeakMap<object, ConvertedContent>();

const TEXT_FILES: FileInputOptions = { mode: 'text' };
const hasFilePart = (content: unknown[]) => content.some((part) => (part as { type?: unknown } | null)?.type === 'input_file');

/** Content parts → chat parts. Text-only content collapses to a string: every provider takes that. */
function convertContentParts(content: unknown, path: string, files: FileInputOptions): ConvertedContent {
  if (typeof content === 'string') return { text: content, parts: [{ type: 'text', text: content }] };
  if (!Array.isArray(content)) throw new TranslationError(`${path} must be a string or an array of parts`, path);
  // Files convert per provider, so only file-free content is kept converted.
  if (!isDeepFrozen(content) || hasFilePart(content)) return convertParts(content as ResponsesContentPart[], path, files);
  // The same instructions every turn: the same text (one string, whose hash the encoder's cache of
  // kept texts then has at hand) and the same parts.
  let converted = convertedContent.get(content);
  if (!converted) {
    converted = deepFreeze(convertParts(content as ResponsesContentPart[], path, files));
    convertedContent.set(content, converted);
  }
  return converted;
}

function convertParts(content: ResponsesContentPart[], path: string, files: FileInputOptions): ConvertedContent {
  const parts: ChatContentPart[] = [];
  const texts: string[] = [];
  content.forEach((raw: ResponsesContentPart, i) => {
    if (!raw || typeof raw !== 'object') throw new TranslationError(`${path}[${i}] must be an object`, `${path}[${i}]`);
    const part = raw as { type?: unknown; text?: unknown; refusal?: unknown; detail?: unknown };
    if (part.type === 'input_image') {
      const url = imageUrlOf(raw as { image_url?: unknown });
      if (!url) throw new TranslationError(`${path}[${i}] input_image needs an image_url (file_id is not supported)`, `${path}[${i}]`);
      const detail = typeof part.detail === 'string' && part.detail !== 'auto' ? part.detail : undefined;
      parts.push({ type: 'image_url', image_url: detail ? { url, detail } : { url } });
      return;
    }
    if (part.type === 'input_file') {
      const converted = convertInputFile(raw as Record<string, unknown>, `${path}[${i}]`, files);
      parts.push(converted);
      if (converted.type === 'text') texts.push(converted.text);
      return;
    }
    const text = typeof part.text === 'string' ? part.text : typeof part.refusal === 'string' ? part.refusal : undefined;
    if (text === undefined) throw new TranslationError(`${path}[${i}]: unsupported content part type ${JSON.stringify(part.type)}`, `${path}[${i}]`);
    parts.push({ type: 'text', text });
    texts.push(text);
  });
  return { text: texts.join('\n'), parts };
}

/** A tool output (string or content array) → text for the tool message, images and files kept aside. */
function convertToolOutput(output: unknown, path: string, files: FileInputOptions): { text: string; images: ChatContentPart[] } {
  if (typeof output === 'string') return { text: output, images: [] };
  if (output === undefined || output === null) return { text: '', images: [] };
  if (!Array.isArray(output)) return { text: JSON.stringify(output), images: [] };
  const { parts } = convertContentParts(output, path, files);
  const attached = parts.filter((p) => p.type !== 'text');
  const texts = parts.filter((p): p is { type: 'text'; text: string } => p.type === 'text').map((p) => p.text);
  const n = attached.length;
  if (n > 0 && attached.every((p) => p.type === 'image_url')) texts.push(`[${n} image${n > 1 ? 's' : ''} attached in the next message]`);
  else if (n > 0) texts.push(`[${n} attachment${n > 1 ? 's' : ''} in the next message]`);
  return { text: texts.join('\n'), images: attached };
}

function reasoningTextOf(item: { content?: unknown }, envelope: ReasoningEnvelope | undefined): string | undefined {
  if (envelope) return envelope.text;
  // A foreign reasoning item (e.g. from OpenAI itself) may still carry raw reasoning text.
  if (Array.isArray(item.content)) {
    const text = item.content
      .map((c) => (c && typeof c === 'object' && typeof (c as { text?: unknown }).text === 'string' ? (c as { text: string }).text : ''))
      .join('');
    if (text) return text;
  }
  return undefined;
}

function argumentsOf(value: unknown): string {
  if (typeof value === 'string') return value.trim() === '' ? '{}' : value;
  if (value && typeof value === 'object') return JSON.stringify(value);
  return '{}';
}

/**
 * Responses input items → chat messages.
 * - developer/system → system; user/assistant content → chat parts (text-only → string).
 * - Consecutive assistant-side items (reasoning, assistant text, function/custom calls) are one
 *   assistant turn: they become one assistant message with `tool_calls` and `reasoning_content`.
 * - Tool outputs become `tool` messages; images in them follow as one user message.
 * - Every tool call is answered before the next turn, as chat providers require.
 */
export function convertToChatMessages(items: ResponsesInputItem[], options: ConvertToChatMessagesOptions = {}): ChatMessage[] {
  const messages: ChatMessage[] = [];
  let open: AssistantMessage | undefined; // the assistant turn being assembled
  let pendingReasoning: string[] = [];
  let pendingDetails: unknown[] = [];
  let pendingImages: ChatContentPart[] = [];
  const providerState = new ProviderStateReplay();
  const files = options.files ?? TEXT_FILES;

  const assistant = (): AssistantMessage => {
    if (!open) {
      flushImages();
      open = { role: 'assistant', content: null };
      messages.push(open);
    }
    return open;
  };
  const closeAssistant = () => {
    if (open && pendingReasoning.length > 0) attachReasoning(open, pendingReasoning.join('\n\n'));
    if (open && pendingDetails.length > 0) appendReasoningDetails(open, pendingDetails);
    pendingReasoning = [];
    pendingDetails = [];
    open = undefined;
  };
  const attachReasoning = (message: AssistantMessage, text: string) => {
    message.reasoning_content = message.reasoning_content ? `${message.reasoning_content}\n\n${text}` : text;
  };
  const flushImages = () => {
    if (pendingImages.length === 0) return;
    messages.push({ role: 'user', content: pendingImages });
    pendingImages = [];
  };
  const addToolCall = (call: ChatToolCall) => {
    const message = assistant();
    (message.tool_calls ??= []).push(call);
  };
  const addToolResult = (callId: string, text: string, images: ChatContentPart[]) => {
    closeAssistant();
    // Providers reject an empty tool message; an empty output still has to answer the call.
    messages.push({ role: 'tool', tool_call_id: callId, content: text === '' ? '(no output)' : text });
    pendingImages.push(...images);
  };

  items.forEach((raw, index) => {
    const path = `input[${index}]`;
    if (!raw || typeof raw !== 'object') throw new TranslationError(`${path} must be an object`, path);
    const item = raw as Record<string, unknown>;
    // The server resolves references to stored items before translating; one left here names nothing.
    if (isItemReference(item)) throw new TranslationError(`Item with id '${String(item.id)}' not found.`, path);
    const type = item.type ?? (typeof item.role === 'string' ? 'message' : undefined);

    switch (type) {
      case 'message': {
        const role = item.role;
        if (role === 'assistant') {
          const { text } = convertContentParts(item.content, `${path}.content`, files);
          if (text === '') return;
          const message = assistant();
          message.content = message.content ? `${message.content}\n\n${text}` : text;
          return;
        }
        if (role !== 'user' && role !== 'developer' && role !== 'system') {
          throw new TranslationError(`${path}.role ${JSON.stringify(role)} is not one of user, assistant, developer, system`, `${path}.role`);
        }
        closeAssistant();
        flushImages();
        const { text, parts } = convertContentParts(item.content, `${path}.content`, files);
        if (role === 'user') {
          if (parts.length === 0 || (text === '' && parts.every((p) => p.type === 'text'))) return;
          const textOnly = parts.every((p) => p.type === 'text');
          messages.push({ role: 'user', content: textOnly ? text : parts });
        } else {
          if (parts.some((p) => p.type !== 'text')) {
            throw new TranslationError(`${path}: images and files are only allowed in user messages`, path);
          }
          if (text !== '') messages.push({ role: role === 'developer' && options.developerRole ? 'developer' : 'system', content: text });
        }
        return;
      }
      case 'reasoning': {
        const envelope = decodeReasoningEnvelope(item.encrypted_content);
        const details = envelope ? providerState.read(envelope) : undefined;
        // Replay state is written after the text and calls of its turn: it goes on the turn's message when it closes.
        if (details) pendingDetails.push(...details);
        const text = reasoningTextOf(item, envelope);
        if (text) {
          // Reasoning opens an assistant turn: it belongs to the calls/text that follow it.
          if (open) closeAssistant();
          pendingReasoning.push(text);
        }
        return;
      }
      case 'function_call':
      case 'custom_tool_call': {
        const callId = item.call_id;
        const name = item.name;
        if (typeof callId !== 'string' || typeof name !== 'string') {
          throw new TranslationError(`${path}: ${type} needs string call_id and name`, path);
        }
        const namespace = typeof item.namespace === 'string' ? item.namespace : undefined;
        const args =
          type === 'custom_tool_call'
            ? JSON.stringify({ [CUSTOM_TOOL_ARGUMENT]: typeof item.input === 'string' ? item.input : '' })
            : argumentsOf(item.arguments);
        addToolCall({ id: callId, type: 'function', function: { name: flattenToolName(name, namespace), arguments: args } });
        return;
      }
      case 'function_call_output':
      case 'custom_tool_call_output': {
        const callId = item.call_id;
        if (typeof callId !== 'string') throw new TranslationError(`${path}: ${type} needs a string call_id`, path);
        const { text, images } = convertToolOutput(item.output, `${path}.output`, files);
        addToolResult(callId, text, images);
        return;
      }
      case 'compaction_trigger': {
        closeAssistant();
        flushImages();
        messages.push({ role: 'user', content: COMPACTION_PROMPT });
        return;
      }
      default: {
        if (typeof type === 'string' && SKIPPED_CODEX_ITEM_TYPES.has(type)) return;
        throw new TranslationError(
          `${path}: unknown input item type ${JSON.stringify(type)}: a Chat Completions model takes messages, reasoning, function and custom tool calls and their outputs`,
          `${path}.type`,
        );
      }
    }
  });
  closeAssistant();
  flushImages();
  providerState.restoreToolCallExtras(messages);

  return repairToolSequence(restoreReasoning(messages, options.reasoningLookup), options);
}

/** Assistant turns that lost their envelope get reasoning back from the store, if it has it. */
function restoreReasoning(messages: ChatMessage[], lookup: ReasoningLookup | undefined): ChatMessage[] {
  if (!lookup) return messages;
  for (const message of messages) {
    if (message.role !== 'assistant' || message.reasoning_content) continue;
    const found =
      message.tool_calls?.map((call) => lookup.byCallId(call.id)).find((text) => text !== undefined) ??
      (message.content ? lookup.byAssistantText(message.content) : undefined);
    if (found) message.reasoning_content = found;
  }
  return messages;
}

/**
 * Chat providers reject a tool call without an answer and an answer without a call. Codex can
 * produce both (an interrupted turn, a trimmed history); patch them rather than fail the turn. An
 * answer to a call that is nowhere at all is refused instead when `orphanToolOutputs` says so.
 */
function repairToolSequence(messages: ChatMessage[], options: ConvertToChatMessagesOptions): ChatMessage[] {
  const out: ChatMessage[] = [];
  const unanswered = new Set<string>();
  const closeTurn = () => {
    for (const id of unanswered) {
      options.onRepair?.(`tool call ${id} has no output; answered with "aborted"`);
      out.push({ role: 'tool', tool_call_id: id, content: 'aborted: no output was recorded for this call' });
    }
    unanswered.clear();
  };
  const allCalls = options.orphanToolOutputs === 'reject' ? callIdsOf(messages) : undefined;
  for (const message of messages) {
    if (message.role === 'tool') {
      if (unanswered.delete(message.tool_call_id)) {
        out.push(message);
      } else {
        if (allCalls && !allCalls.has(message.tool_call_id)) {
          throw new TranslationError(`No tool call found for function call output with call_id ${message.tool_call_id}.`, 'input');
        }
        // An answer with no call in the turn before it: keep its text as context.
        options.onRepair?.(`the output of tool call ${message.tool_call_id} follows no call of that id; sent as a user message`);
        closeTurn();
        out.push({ role: 'user', content: `Output of tool call ${message.tool_call_id}:\n${message.content}` });
      }
      continue;
    }
    closeTurn();
    out.push(message);
    if (message.role === 'assistant') for (const call of message.tool_calls ?? []) unanswered.add(call.id);
  }
  closeTurn();
  return out;
}

function callIdsOf(messages: ChatMessage[]): Set<string> {
  const ids = new Set<string>();
  for (const message of messages) if (message.role === 'assistant') for (const call of message.tool_calls ?? []) ids.add(call.id);
  return ids;
}
