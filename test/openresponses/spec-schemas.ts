// The Open Responses specification's response object and streaming events (openresponses/
// openresponses, public/openapi/openapi.json, version 2026-04-24; `user` from the ResponseResource
// source schema), written out as zod schemas: every field the spec requires, with its type. The
// spec's files are not copied here (the repository carries no licence file); these schemas restate
// the rules they set. Objects accept extra fields, as the spec's do.
import { z } from 'zod';

const int = z.number().int();
const nullable = <T extends z.ZodType>(schema: T) => schema.nullable();

const logProb = z.object({ token: z.string(), logprob: z.number(), bytes: z.array(int), top_logprobs: z.array(z.object({ token: z.string(), logprob: z.number(), bytes: z.array(int) })) });
const annotation = z.object({ type: z.literal('url_citation'), url: z.string(), start_index: int, end_index: int, title: z.string() });

const inputText = z.object({ type: z.literal('input_text'), text: z.string() });
const outputText = z.object({ type: z.literal('output_text'), text: z.string(), annotations: z.array(annotation), logprobs: z.array(logProb).optional() });
const inputImage = z.object({ type: z.literal('input_image'), image_url: nullable(z.string()), detail: z.enum(['low', 'high', 'auto']) });
const inputFile = z.object({ type: z.literal('input_file'), filename: z.string().optional(), file_url: z.string().optional() });

/** A content part of an item, or of a content_part / reasoning_summary_part event. */
const contentPart = z.discriminatedUnion('type', [
  inputText,
  outputText,
  z.object({ type: z.literal('text'), text: z.string() }),
  z.object({ type: z.literal('summary_text'), text: z.string() }),
  z.object({ type: z.literal('reasoning_text'), text: z.string() }),
  z.object({ type: z.literal('refusal'), refusal: z.string() }),
  inputImage,
  inputFile,
]);
const messageContentPart = z.union([contentPart, z.object({ type: z.literal('input_video'), video_url: z.string() })]);

const itemStatus = z.enum(['in_progress', 'completed', 'incomplete']);

export const itemField = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('message'),
    id: z.string(),
    status: itemStatus,
    role: z.enum(['user', 'assistant', 'system', 'developer']),
    content: z.array(messageContentPart),
    phase: z.enum(['commentary', 'final_answer']).optional(),
  }),
  z.object({ type: z.literal('function_call'), id: z.string(), call_id: z.string(), name: z.string(), arguments: z.string(), status: itemStatus }),
  z.object({
    type: z.literal('function_call_output'),
    id: z.string(),
    call_id: z.string(),
    output: z.union([z.string(), z.array(z.discriminatedUnion('type', [inputText, inputImage, inputFile]))]),
    status: itemStatus,
  }),
  z.object({ type: z.literal('reasoning'), id: z.string(), summary: z.array(contentPart), content: z.array(contentPart).optional(), encrypted_content: z.string().optional() }),
  z.object({ type: z.literal('compaction'), id: z.string(), encrypted_content: z.string(), created_by: z.string().optional() }),
]);

const functionToolChoice = z.object({ type: z.literal('function'), name: z.string().optional() });
const toolChoiceMode = z.enum(['none', 'auto', 'required']);

/** The format of a response's `text`; its json_schema `schema` is an object or null, as the spec's source says. */
const textFormat = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text') }),
  z.object({ type: z.literal('json_object') }),
  z.object({ type: z.literal('json_schema'), name: z.string(), description: nullable(z.string()), schema: nullable(z.record(z.string(), z.unknown())), strict: z.boolean() }),
]);

const usage = z.object({
  input_tokens: int,
  output_tokens: int,
  total_tokens: int,
  input_tokens_details: z.object({ cached_tokens: int }),
  output_tokens_details: z.object({ reasoning_tokens: int }),
});

/** A key that must be present, whatever its value (the spec's `metadata` has no type). */
const present = z.custom<unknown>((value) => value !== undefined, 'Required');

export const responseResource = z.object({
  id: z.string(),
  object: z.literal('response'),
  created_at: int,
  completed_at: nullable(int),
  status: z.string(),
  incomplete_details: nullable(z.object({ reason: z.string() })),
  model: z.string(),
  previous_response_id: nullable(z.string()),
  instructions: nullable(z.string()),
  output: z.array(itemField),
  error: nullable(z.object({ code: z.string(), message: z.string() })),
  tools: z.array(
    z.object({
      type: z.literal('function'),
      name: z.string(),
      description: nullable(z.string()),
      parameters: nullable(z.record(z.string(), z.unknown())),
      strict: nullable(z.boolean()),
    }),
  ),
  tool_choice: z.union([functionToolChoice, toolChoiceMode, z.object({ type: z.literal('allowed_tools'), tools: z.array(functionToolChoice), mode: toolChoiceMode })]),
  truncation: z.enum(['auto', 'disabled']),
  parallel_tool_calls: z.boolean(),
  text: z.object({ format: textFormat, verbosity: z.enum(['low', 'medium', 'high']).optional() }),
  top_p: z.number(),
  presence_penalty: z.number(),
  frequency_penalty: z.number(),
  top_logprobs: int,
  temperature: z.number(),
  reasoning: nullable(
    z.object({
      effort: nullable(z.enum(['none', 'low', 'medium', 'high', 'xhigh'])),
      summary: nullable(z.enum(['concise', 'detailed', 'auto'])),
    }),
  ),
  user: nullable(z.string()),
  usage: nullable(usage),
  max_output_tokens: nullable(int),
  max_tool_calls: nullable(int),
  store: z.boolean(),
  background: z.boolean(),
  service_tier: z.string(),
  metadata: present,
  safety_identifier: nullable(z.string()),
  prompt_cache_key: nullable(z.string()),
});

const event = <T extends string, S extends z.ZodRawShape>(type: T, shape: S) => z.object({ type: z.literal(type), sequence_number: int, ...shape });
const onItem = { item_id: z.string(), output_index: int };

export const streamingEvent = z.discriminatedUnion('type', [
  event('response.created', { response: responseResource }),
  event('response.queued', { response: responseResource }),
  event('response.in_progress', { response: responseResource }),
  event('response.completed', { response: responseResource }),
  event('response.failed', { response: responseResource }),
  event('response.incomplete', { response: responseResource }),
  event('response.output_item.added', { output_index: int, item: nullable(itemField) }),
  event('response.output_item.done', { output_index: int, item: nullable(itemField) }),
  event('response.reasoning_summary_part.added', { ...onItem, summary_index: int, part: contentPart }),
  event('response.reasoning_summary_part.done', { ...onItem, summary_index: int, part: contentPart }),
  event('response.content_part.added', { ...onItem, content_index: int, part: contentPart }),
  event('response.content_part.done', { ...onItem, content_index: int, part: contentPart }),
  event('response.output_text.delta', { ...onItem, content_index: int, delta: z.string(), logprobs: z.array(logProb).optional(), obfuscation: z.string().optional() }),
  event('response.output_text.done', { ...onItem, content_index: int, text: z.string(), logprobs: z.array(logProb).optional() }),
  event('response.refusal.delta', { ...onItem, content_index: int, delta: z.string() }),
  event('response.refusal.done', { ...onItem, content_index: int, refusal: z.string() }),
  event('response.reasoning.delta', { ...onItem, content_index: int, delta: z.string(), obfuscation: z.string().optional() }),
  event('response.reasoning.done', { ...onItem, content_index: int, text: z.string() }),
  event('response.reasoning_summary_text.delta', { ...onItem, summary_index: int, delta: z.string(), obfuscation: z.string().optional() }),
  event('response.reasoning_summary_text.done', { ...onItem, summary_index: int, text: z.string() }),
  event('response.output_text.annotation.added', { ...onItem, content_index: int, annotation_index: int, annotation: nullable(annotation) }),
  event('response.function_call_arguments.delta', { ...onItem, delta: z.string(), obfuscation: z.string().optional() }),
  event('response.function_call_arguments.done', { ...onItem, arguments: z.string() }),
  event('error', { error: z.object({ type: z.string(), code: nullable(z.string()), message: z.string(), param: nullable(z.string()), headers: z.record(z.string(), z.string()).optional() }) }),
]);

/** "path: message" for each way `value` breaks `schema`; empty if it conforms. */
export function violations(schema: z.ZodType, value: unknown): string[] {
  const result = schema.safeParse(value);
  return result.success ? [] : result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}
