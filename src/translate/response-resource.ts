import type { ResponseRequestFields, ResponsesRequest, ResponsesResponse } from './types.js';

// The response object (Open Responses `ResponseResource`), which must carry every one of its fields
// on the blocking response and on every lifecycle event: what came back, and how it was asked for.
// The second kind comes from the request, else from the defaults api.openai.com reports; where the
// bridge cannot do what was asked (background, service tiers, truncation, logprobs, a tool-call
// limit), it reports what it did instead.

const stringOr = <T>(value: unknown, fallback: T): string | T => (typeof value === 'string' ? value : fallback);
const numberOr = <T>(value: unknown, fallback: T): number | T => (typeof value === 'number' && Number.isFinite(value) ? value : fallback);
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** A function tool as a response lists it: description, parameters and strict always present. */
function echoTool(tool: unknown): unknown {
  if (!isObject(tool) || tool.type !== 'function') return tool;
  const complete =
    (typeof tool.description === 'string' || tool.description === null) &&
    (isObject(tool.parameters) || tool.parameters === null) &&
    (typeof tool.strict === 'boolean' || tool.strict === null);
  if (complete) return tool;
  return {
    ...tool,
    description: stringOr(tool.description, null),
    parameters: isObject(tool.parameters) ? tool.parameters : null,
    // The Responses API makes function tools strict unless told otherwise.
    strict: typeof tool.strict === 'boolean' ? tool.strict : true,
  };
}

/** The request's own array when no tool needs completing: Codex's, kept frozen between turns, whose JSON is then kept too. */
function echoTools(tools: unknown): unknown[] {
  if (!Array.isArray(tools)) return [];
  const echoed = tools.map(echoTool);
  return echoed.every((tool, i) => tool === tools[i]) ? tools : echoed;
}

function echoFormat(format: unknown): Record<string, unknown> {
  if (!isObject(format) || typeof format.type !== 'string') return { type: 'text' };
  if (format.type !== 'json_schema') return format;
  return {
    ...format,
    name: stringOr(format.name, 'response'),
    description: stringOr(format.description, null),
    schema: isObject(format.schema) ? format.schema : null,
    strict: typeof format.strict === 'boolean' ? format.strict : false,
  };
}

/** The id a `conversation` parameter names (a string, or `{id}`), undefined if none. */
export function conversationIdOf(value: unknown): string | undefined {
  if (typeof value === 'string' && value !== '') return value;
  if (isObject(value) && typeof value.id === 'string' && value.id !== '') return value.id;
  return undefined;
}

/** What a response reports about its request. `request` is any JSON object a client sent. */
export function responseRequestFields(request: ResponsesRequest): ResponseRequestFields {
  const reasoning = isObject(request.reasoning) ? request.reasoning : {};
  const text = isObject(request.text) ? request.text : {};
  const conversation = conversationIdOf(request.conversation);
  return {
    instructions: stringOr(request.instructions, null),
    max_output_tokens: numberOr(request.max_output_tokens, null),
    // Not enforced on a chat upstream: no limit applied.
    max_tool_calls: null,
    parallel_tool_calls: typeof request.parallel_tool_calls === 'boolean' ? request.parallel_tool_calls : true,
    prompt_cache_key: stringOr(request.prompt_cache_key, null),
    reasoning: { effort: stringOr(reasoning.effort, null), summary: stringOr(reasoning.summary, null) },
    safety_identifier: stringOr(request.safety_identifier, null),
    // The tier that served it: the upstream's own, whatever was asked for.
    service_tier: 'default',
    store: request.store !== false,
    temperature: numberOr(request.temperature, 1),
    text: { format: echoFormat(text.format), verbosity: stringOr(text.verbosity, 'medium') },
    tool_choice: typeof request.tool_choice === 'string' || isObject(request.tool_choice) ? request.tool_choice : 'auto',
    tools: echoTools(request.tools),
    // Log probabilities are not passed on.
    top_logprobs: 0,
    top_p: numberOr(request.top_p, 1),
    // The bridge never truncates the input: a conversation too long for the model is the upstream's 400.
    truncation: 'disabled',
    // Every response runs while its request waits, background or not.
    background: false,
    presence_penalty: numberOr(request.presence_penalty, 0),
    frequency_penalty: numberOr(request.frequency_penalty, 0),
    user: stringOr(request.user, null),
    metadata: isObject(request.metadata) ? request.metadata : {},
    ...(conversation !== undefined && { conversation: { id: conversation } }),
  };
}

/** What came back, as the stream translator knows it. */
export interface ResponseOutcome {
  id: string;
  createdAt: number;
  status: ResponsesResponse['status'];
  completedAt: number | null;
  error: ResponsesResponse['error'];
  incompleteDetails: ResponsesResponse['incomplete_details'];
  model: string;
  output: ResponsesResponse['output'];
  previousResponseId: string | null;
  usage: ResponsesResponse['usage'];
}

const EMPTY_REQUEST_FIELDS = responseRequestFields({});

/** The text of the output's messages: the SDKs' `output_text`. */
function outputTextOf(output: ResponsesResponse['output']): string {
  let text = '';
  for (const item of output) {
    if (item.type !== 'message') continue;
    for (const part of item.content as Array<{ text?: string }>) text += part.text ?? '';
  }
  return text;
}

/** The whole response object, its fields in the order api.openai.com sends them. */
export function buildResponseResource(outcome: ResponseOutcome, fields: ResponseRequestFields = EMPTY_REQUEST_FIELDS): ResponsesResponse {
  return {
    id: outcome.id,
    object: 'response',
    created_at: outcome.createdAt,
    status: outcome.status,
    background: fields.background,
    completed_at: outcome.completedAt,
    error: outcome.error,
    incomplete_details: outcome.incompleteDetails,
    instructions: fields.instructions,
    max_output_tokens: fields.max_output_tokens,
    max_tool_calls: fields.max_tool_calls,
    model: outcome.model,
    output: outcome.output,
    output_text: outputTextOf(outcome.output),
    parallel_tool_calls: fields.parallel_tool_calls,
    previous_response_id: outcome.previousResponseId,
    prompt_cache_key: fields.prompt_cache_key,
    reasoning: fields.reasoning,
    safety_identifier: fields.safety_identifier,
    service_tier: fields.service_tier,
    store: fields.store,
    temperature: fields.temperature,
    text: fields.text,
    tool_choice: fields.tool_choice,
    tools: fields.tools,
    top_logprobs: fields.top_logprobs,
    top_p: fields.top_p,
    presence_penalty: fields.presence_penalty,
    frequency_penalty: fields.frequency_penalty,
    truncation: fields.truncation,
    usage: outcome.usage,
    user: fields.user,
    metadata: fields.metadata,
    ...(fields.conversation && { conversation: fields.conversation }),
  };
}
