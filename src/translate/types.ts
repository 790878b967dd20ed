// Wire shapes of the two APIs, as loose as the real traffic is. Only fields the bridge reads or
// writes are named; everything else passes through `unknown`.

// ---------- Responses API (what Codex and the openai SDK speak) ----------

export interface ResponsesInputText {
  type: 'input_text' | 'output_text' | 'text' | 'summary_text' | 'reasoning_text' | 'refusal';
  text?: string;
  refusal?: string;
}

export interface ResponsesInputImage {
  type: 'input_image';
  image_url?: string | { url: string };
  detail?: string;
  file_id?: string;
}

export type ResponsesContentPart = ResponsesInputText | ResponsesInputImage | { type: string; [k: string]: unknown };

export interface ResponsesMessageItem {
  type?: 'message';
  id?: string;
  role: 'user' | 'assistant' | 'system' | 'developer';
  content: string | ResponsesContentPart[];
  status?: string;
}

export interface ResponsesReasoningItem {
  type: 'reasoning';
  id?: string;
  summary?: Array<{ type: string; text: string }>;
  content?: Array<{ type: string; text: string }> | null;
  encrypted_content?: string | null;
}

export interface ResponsesFunctionCallItem {
  type: 'function_call';
  id?: string;
  call_id: string;
  name: string;
  namespace?: string;
  arguments: string;
  status?: string;
}

export interface ResponsesFunctionCallOutputItem {
  type: 'function_call_output';
  id?: string;
  call_id: string;
  output: string | ResponsesContentPart[];
}

export interface ResponsesCustomToolCallItem {
  type: 'custom_tool_call';
  id?: string;
  call_id: string;
  name: string;
  input: string;
  status?: string;
}

export interface ResponsesCustomToolCallOutputItem {
  type: 'custom_tool_call_output';
  id?: string;
  call_id: string;
  output: string | ResponsesContentPart[];
}

export type ResponsesInputItem =
  | ResponsesMessageItem
  | ResponsesReasoningItem
  | ResponsesFunctionCallItem
  | ResponsesFunctionCallOutputItem
  | ResponsesCustomToolCallItem
  | ResponsesCustomToolCallOutputItem
  | { type: string; [k: string]: unknown };

/** An input or output item as a response or conversation keeps it: always with an id and a type. */
export type ResponsesStoredItem = { id: string; type: string } & Record<string, unknown>;

export type ResponsesOutputItem =
  | (ResponsesMessageItem & { type: 'message'; id: string; role: 'assistant'; status: string })
  | (ResponsesReasoningItem & { id: string })
  | (ResponsesFunctionCallItem & { id: string; status: string })
  | (ResponsesCustomToolCallItem & { id: string; status: string });

export interface ResponsesFunctionTool {
  type: 'function';
  name: string;
  description?: string;
  parameters?: Record<string, unknown> | null;
  strict?: boolean | null;
}

export interface ResponsesNamespaceTool {
  type: 'namespace';
  name: string;
  description?: string;
  tools: ResponsesTool[];
}

export interface ResponsesCustomTool {
  type: 'custom';
  name: string;
  description?: string;
  format?: unknown;
}

export type ResponsesTool =
  | ResponsesFunctionTool
  | ResponsesNamespaceTool
  | ResponsesCustomTool
  | { type: string; name?: string; [k: string]: unknown };

export interface ResponsesRequest {
  model?: string;
  input?: string | ResponsesInputItem[];
  instructions?: string | null;
  tools?: ResponsesTool[];
  tool_choice?: unknown;
  parallel_tool_calls?: boolean;
  reasoning?: { effort?: string | null; summary?: string | null } | null;
  text?: { format?: { type: string; name?: string; schema?: unknown; strict?: boolean; description?: string }; verbosity?: string } | null;
  max_output_tokens?: number | null;
  temperature?: number | null;
  top_p?: number | null;
  stream?: boolean;
  store?: boolean;
  previous_response_id?: string | null;
  prompt_cache_key?: string;
  user?: string;
  metadata?: unknown;
  [k: string]: unknown;
}

export interface ResponsesUsage {
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
  input_tokens_details: { cached_tokens: number };
  output_tokens_details: { reasoning_tokens: number };
}

export interface ResponsesError {
  code: string;
  message: string;
}

/**
 * The fields of a response object that say how it was asked for (response-resource-fields.ts fills
 * them from the request).
 */
export interface ResponseRequestFields {
  instructions: string | null;
  max_output_tokens: number | null;
  max_tool_calls: number | null;
  parallel_tool_calls: boolean;
  prompt_cache_key: string | null;
  reasoning: { effort: string | null; summary: string | null };
  safety_identifier: string | null;
  service_tier: string;
  store: boolean;
  temperature: number;
  text: { format: Record<string, unknown>; verbosity: string };
  tool_choice: unknown;
  tools: unknown[];
  top_logprobs: number;
  top_p: number;
  truncation: string;
  background: boolean;
  presence_penalty: number;
  frequency_penalty: number;
  user: string | null;
  metadata: Record<string, unknown>;
  /** Set only when the request named a conversation. */
  conversation?: { id: string };
}

/** A response object: what came back, then (ResponseRequestFields) how it was asked for. */
export interface ResponsesResponse extends Partial<ResponseRequestFields> {
  id: string;
  object: 'response';
  created_at: number;
  /** Unix seconds when it completed, failed or was cut short; null while in progress. */
  completed_at?: number | null;
  status: 'in_progress' | 'completed' | 'failed' | 'incomplete';
  model: string;
  output: ResponsesOutputItem[];
  output_text?: string;
  usage: ResponsesUsage | null;
  error: ResponsesError | null;
  incomplete_details: { reason: string } | null;
  previous_response_id: string | null;
}

/** One server-sent event of a streamed Responses answer; `type` doubles as the SSE event name. */
export type ResponsesStreamEvent = { type: string; sequence_number?: number; [k: string]: unknown };

// ---------- Chat Completions (what the upstreams speak) ----------

export type ChatContentPart =
  | { type: 'text'; text: string }
  | { type: 'image_url'; image_url: { url: string; detail?: string } }
  /** Only for providers that read files (the fileInput quirk `file`): a data URL, or a URL. */
  | { type: 'file'; file: { filename?: string; file_data: string } };

export interface ChatToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
  /** Provider state that must come back on this call, verbatim: Gemini's `{google: {thought_signature}}`. */
  extra_content?: Record<string, unknown>;
}

export type ChatMessage =
  | { role: 'system'; content: string }
  /** Only with the developerRole quirk; by default developer messages become system messages. */
  | { role: 'developer'; content: string }
  | { role: 'user'; content: string | ChatContentPart[] }
  | {
      role: 'assistant';
      content: string | null;
      tool_calls?: ChatToolCall[];
      reasoning_content?: string;
      /** The same reasoning, for providers that name the field `reasoning` (OpenRouter, Ollama). */
      reasoning?: string;
      /** OpenRouter's structured reasoning blocks, sent back exactly as they came. */
      reasoning_details?: unknown[];
    }
  | { role: 'tool'; tool_call_id: string; content: string };

export interface ChatFunctionTool {
  type: 'function';
  function: { name: string; description?: string; parameters?: Record<string, unknown>; strict?: boolean };
}

export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  stream: boolean;
  stream_options?: { include_usage: boolean };
  tools?: ChatFunctionTool[];
  tool_choice?: 'auto' | 'none' | 'required' | { type: 'function'; function: { name: string } };
  parallel_tool_calls?: boolean;
  reasoning_effort?: string;
  response_format?: { type: 'json_schema'; json_schema: { name: string; schema?: unknown; strict?: boolean; description?: string } } | { type: 'json_object' };
  max_tokens?: number;
  max_completion_tokens?: number;
  temperature?: number;
  top_p?: number;
  presence_penalty?: number;
  frequency_penalty?: number;
  user?: string;
}

export interface ChatUsage {
  prompt_tokens?: number;
  completion_tokens?: number;
  total_tokens?: number;
  prompt_tokens_details?: { cached_tokens?: number } | null;
  completion_tokens_details?: { reasoning_tokens?: number } | null;
  /** DeepSeek reports cache hits here instead of prompt_tokens_details. */
  prompt_cache_hit_tokens?: number;
}

export interface ChatToolCallDelta {
  index?: number;
  id?: string;
  type?: 'function';
  function?: { name?: string; arguments?: string };
  /** Gemini: `{google: {thought_signature}}`, to be sent back on the same call. */
  extra_content?: unknown;
}

/** A part of a content array in an answer: Magistral streams its thinking this way. */
export interface ChatAnswerContentPart {
  type?: string;
  text?: string;
  /** `{"type":"thinking","thinking":[{"type":"text","text":"…"}]}` */
  thinking?: Array<{ type?: string; text?: string }> | string;
}

export interface ChatChunkDelta {
  role?: string;
  content?: string | ChatAnswerContentPart[] | null;
  reasoning_content?: string | null;
  reasoning?: string | null;
  /** OpenRouter: pieces of structured reasoning blocks, merged by type and index. */
  reasoning_details?: unknown;
  tool_calls?: ChatToolCallDelta[] | null;
  refusal?: string | null;
}

export interface ChatChunk {
  id?: string;
  object?: string;
  created?: number;
  model?: string;
  /** Kimi puts stream usage inside the finishing choice. */
  choices?: Array<{ index?: number; delta?: ChatChunkDelta; finish_reason?: string | null; usage?: ChatUsage | null }>;
  usage?: ChatUsage | null;
  /** Groq puts usage here, on the last chunk. */
  x_groq?: { usage?: ChatUsage | null } | null;
  error?: { message?: string; code?: string | number; type?: string } | string;
}

export interface ChatResponse {
  id?: string;
  model?: string;
  choices?: Array<{
    index?: number;
    message?: {
      role?: string;
      content?: string | ChatAnswerContentPart[] | null;
      reasoning_content?: string | null;
      reasoning?: string | null;
      reasoning_details?: unknown;
      tool_calls?: Array<{ id?: string; type?: string; function?: { name?: string; arguments?: string }; extra_content?: unknown }> | null;
      refusal?: string | null;
    };
    finish_reason?: string | null;
  }>;
  usage?: ChatUsage | null;
  error?: { message?: string; code?: string | number; type?: string } | string;
}
