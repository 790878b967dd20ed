import type { ChatMessage, ChatRequest, ResponsesInputItem, ResponsesRequest } from './types.js';
import { convertToChatMessages, type ReasoningLookup } from './convert-to-chat-messages.js';
import { convertToChatToolChoice, convertToChatTools } from './convert-to-chat-tools.js';
import type { ToolNameMap } from './tool-name-map.js';
import { TranslationError } from './translation-error.js';
import { applyRequestQuirks } from './apply-request-quirks.js';
import { clampReasoningEffort } from './clamp-reasoning-effort.js';
import { DEFAULT_QUIRKS, type ProviderQuirks } from './provider-quirks.js';

export interface ConvertToChatRequestOptions {
  /** The model to ask the upstream for. */
  model: string;
  /** The request's input as items, when the caller has them already (else read from the body). */
  input?: ResponsesInputItem[];
  /** Items of earlier turns, rebuilt from previous_response_id; they precede `input`. */
  history?: ResponsesInputItem[];
  reasoningLookup?: ReasoningLookup;
  /** How the upstream bends Chat Completions; without it, the request every provider would get. */
  quirks?: ProviderQuirks;
  /** The text of each PDF in the input, extracted by the server (for providers that take no files). */
  pdfText?: (fileData: string) => string | undefined;
  /** What a tool output without its call gets (convertToChatMessages); default repair. */
  orphanToolOutputs?: 'repair' | 'reject';
  /** Told about every repair of the tool-call sequence. */
  onRepair?: (note: string) => void;
}

export interface ConvertedChatRequest {
  request: ChatRequest;
  toolNames: ToolNameMap;
  /** This request's own input as items (a string input becomes one user message). */
  inputItems: ResponsesInputItem[];
  /** Upstream tool-call id → Codex's, for ids rewritten for the provider (empty if none were). */
  toolCallIds: Map<string, string>;
}

/** Chat providers know low/medium/high; Codex also sends minimal, none, xhigh and beyond. */
export function mapReasoningEffort(effort: unknown): string | undefined {
  return clampReasoningEffort(effort, DEFAULT_QUIRKS.reasoningEffortValues);
}

export function normalizeInput(input: ResponsesRequest['input']): ResponsesInputItem[] {
  if (input === undefined || input === null) return [];
  if (typeof input === 'string') return [{ type: 'message', role: 'user', content: input }];
  if (!Array.isArray(input)) throw new TranslationError('input must be a string or an array of items', 'input');
  return input;
}

function optionalNumber(body: ResponsesRequest, key: 'max_output_tokens' | 'temperature' | 'top_p' | 'presence_penalty' | 'frequency_penalty'): number | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new TranslationError(`${key} must be a number`, key);
  return value;
}

/** A Responses request (any JSON the client sent) → the Chat Completions request for the upstream. */
export function convertToChatRequest(body: ResponsesRequest, options: ConvertToChatRequestOptions): ConvertedChatRequest {
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    throw new TranslationError('the request body must be a JSON object');
  }
  const inputItems = options.input ?? normalizeInput(body.input);
  const { tools, toolNames } = convertToChatTools(body.tools);

  const messages: ChatMessage[] = [];
  if (body.instructions !== undefined && body.instructions !== null) {
    if (typeof body.instructions !== 'string') throw new TranslationError('instructions must be a string', 'instructions');
    if (body.instructions !== '') messages.push({ role: 'system', content: body.instructions });
  }
  messages.push(
    ...convertToChatMessages([...(options.history ?? []), ...inputItems], {
      reasoningLookup: options.reasoningLookup,
      developerRole: options.quirks?.developerRole,
      files: { mode: (options.quirks ?? DEFAULT_QUIRKS).fileInput, pdfText: options.pdfText },
      orphanToolOutputs: options.orphanToolOutputs,
      onRepair: options.onRepair,
    }),
  );
  if (!messages.some((m) => m.role !== 'system')) {
    throw new TranslationError('input has no message to answer: send at least one user message', 'input');
  }

  const stream = body.stream === true;
  const request: ChatRequest = { model: options.model, messages, stream };
  if (stream) request.stream_options = { include_usage: true };
  if (tools.length > 0) {
    request.tools = tools;
    const toolChoice = convertToChatToolChoice(body.tool_choice);
    if (toolChoice !== undefined) request.tool_choice = toolChoice;
    if (typeof body.parallel_tool_calls === 'boolean') request.parallel_tool_calls = body.parallel_tool_calls;
  }
  const effort = clampReasoningEffort(body.reasoning?.effort, (options.quirks ?? DEFAULT_QUIRKS).reasoningEffortValues);
  if (effort) request.reasoning_effort = effort;

  const format = body.text?.format;
  if (format?.type === 'json_schema') {
    request.response_format = {
      type: 'json_schema',
      json_schema: {
        name: format.name ?? 'response',
        schema: format.schema,
        ...(typeof format.strict === 'boolean' && { strict: format.strict }),
        ...(format.description !== undefined && { description: format.description }),
      },
    };
  } else if (format?.type === 'json_object') {
    request.response_format = { type: 'json_object' };
  }

  const maxTokens = optionalNumber(body, 'max_output_tokens');
  if (maxTokens !== undefined) request.max_tokens = maxTokens;
  const temperature = optionalNumber(body, 'temperature');
  if (temperature !== undefined) request.temperature = temperature;
  const topP = optionalNumber(body, 'top_p');
  if (topP !== undefined) request.top_p = topP;
  for (const key of ['presence_penalty', 'frequency_penalty'] as const) {
    const penalty = optionalNumber(body, key);
    if (penalty !== undefined) request[key] = penalty;
  }

  if (!options.quirks) return { request, toolNames, inputItems, toolCallIds: new Map() };
  return { ...applyRequestQuirks(request, toolNames, options.quirks), inputItems };
}
