import type { ChatRequest } from '../../translate/types.js';

// An upstream the quirk profiles do not know (or a model that differs from its provider's profile)
// may refuse a parameter the bridge sends. When a 400/422 names one we sent, the request is retried
// without it, and the parameter is left out of every later request of this bridge.
//
// What the refusals look like:
//   OpenAI-style  "Unrecognized request argument supplied: stream_options"
//   Mistral 422   {"detail":[{"type":"extra_forbidden","loc":["body","stream_options"],"msg":"Extra inputs are not permitted"}]}
//   Gemini        [{"error":{"message":"Invalid JSON payload received. Unknown name \"parallel_tool_calls\": Cannot find field."}}]
//   xAI           "Model grok-4 does not support parameter reasoningEffort."
//   Groq          "property 'parallel_tool_calls' is unsupported"

/** Parameters the bridge can drop and still ask the same question, most likely culprits first. */
export const DROPPABLE_PARAMETERS = [
  'stream_options',
  'parallel_tool_calls',
  'reasoning_effort',
  'strict',
  'response_format',
  'tool_choice',
  'max_tokens',
  'temperature',
  'top_p',
  'user',
  // Fields on replayed assistant messages, and on their tool calls.
  'reasoning_content',
  'reasoning',
  'reasoning_details',
  'extra_content',
] as const;

export type DroppableParameter = (typeof DROPPABLE_PARAMETERS)[number];

const MESSAGE_FIELDS = new Set<DroppableParameter>(['reasoning_content', 'reasoning', 'reasoning_details', 'extra_content']);

/** Words an upstream uses when it refuses a field (not when it refuses a value, or wants one back). */
const REFUSAL = /unrecogni[sz]ed|unknown (name|parameter|field|argument)|unsupported|not supported|does not support|not permitted|extra_forbidden|extra inputs|not allowed|cannot find field|invalid (parameter|argument|field)|is not a valid (parameter|field)/i;

function camelCase(name: string): string {
  return name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** Whether the text names `name` as a whole word (quoted, if `quoted`), snake or camel case. */
function names(text: string, name: string, quoted: boolean): boolean {
  return [name, camelCase(name)].some((n) => {
    const pattern = quoted ? `["'\`]${n}["'\`]` : `(?<![A-Za-z0-9_])${n}(?![A-Za-z0-9_])`;
    return new RegExp(pattern).test(text);
  });
}

/** Whether the request carries the parameter at all (retrying without an absent one changes nothing). */
export function requestHasParameter(request: ChatRequest, name: DroppableParameter): boolean {
  switch (name) {
    case 'strict':
      return (request.tools ?? []).some((t) => t.function.strict !== undefined) || (request.response_format?.type === 'json_schema' && request.response_format.json_schema.strict !== undefined);
    case 'reasoning_content':
    case 'reasoning':
    case 'reasoning_details':
      return request.messages.some((m) => m.role === 'assistant' && (m as Record<string, unknown>)[name] !== undefined);
    case 'extra_content':
      return request.messages.some((m) => m.role === 'assistant' && (m.tool_calls ?? []).some((call) => call.extra_content !== undefined));
    default:
      return (request as unknown as Record<string, unknown>)[name] !== undefined;
  }
}

/** The request without one parameter (a copy; the input is not touched). */
export function withoutParameter(request: ChatRequest, name: DroppableParameter): ChatRequest {
  if (!requestHasParameter(request, name)) return request;
  const out: ChatRequest = { ...request };
  switch (name) {
    case 'strict':
      if (out.tools) {
        out.tools = out.tools.map((tool) => {
          const { strict: _strict, ...fn } = tool.function;
          return { ...tool, function: fn };
        });
      }
      if (out.response_format?.type === 'json_schema') {
        const { strict: _strict, ...schema } = out.response_format.json_schema;
        out.response_format = { type: 'json_schema', json_schema: schema };
      }
      return out;
    case 'reasoning_content':
    case 'reasoning':
    case 'reasoning_details':
      out.messages = out.messages.map((m) => {
        if (m.role !== 'assistant' || !(name in m)) return m;
        const copy = { ...m };
        delete copy[name];
        return copy;
      });
      return out;
    case 'extra_content':
      out.messages = out.messages.map((m) => {
        if (m.role !== 'assistant' || !m.tool_calls?.some((call) => call.extra_content !== undefined)) return m;
        return { ...m, tool_calls: m.tool_calls.map(({ extra_content: _extra, ...call }) => call) };
      });
      return out;
    default:
      delete (out as unknown as Record<string, unknown>)[name];
      return out;
  }
}

/**
 * Which parameter a refusal is about: one the request carried, named in the body next to words of
 * refusal. Only 400 and 422 count. Message fields must be named in quotes (as in a validation path):
 * "The reasoning_content in the thinking mode must be passed back" asks for the field, not against it.
 */
export function refusedParameter(status: number, bodyText: string, request: ChatRequest): DroppableParameter | undefined {
  if (status !== 400 && status !== 422) return undefined;
  const text = bodyText.replace(/\\+"/g, '"');
  if (!REFUSAL.test(text)) return undefined;
  return DROPPABLE_PARAMETERS.find((name) => requestHasParameter(request, name) && names(text, name, MESSAGE_FIELDS.has(name)));
}

/** What one bridge has learnt its upstream refuses; lives as long as the server. */
export class ParameterFallback {
  private readonly dropped = new Set<DroppableParameter>();

  get droppedParameters(): DroppableParameter[] {
    return [...this.dropped];
  }

  remember(name: DroppableParameter): void {
    this.dropped.add(name);
  }

  /** The request without everything this upstream refused before. */
  apply(request: ChatRequest): ChatRequest {
    let out = request;
    for (const name of this.dropped) out = withoutParameter(out, name);
    return out;
  }
}
