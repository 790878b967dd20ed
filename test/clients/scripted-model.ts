// A chat "model" for the mock upstream that answers from what it is sent, so that real clients can
// run whole loops against it: it calls a tool when it has tools and the user just spoke, answers a
// tool's result, writes JSON when asked for a schema, and otherwise echoes the last user message.
import type { ChatMessage, ChatRequest } from '../../src/translate/types.js';
import type { MockTurn } from '../helpers/mock-upstream.js';

export interface ScriptOptions {
  /** Arguments for a call of this tool (default `{}`). */
  toolArguments?: Record<string, unknown>;
  /** The JSON answer when the request asks for a json_schema format. */
  json?: unknown;
  /** Reasoning sent with every answer. */
  reasoning?: string;
}

export function textOf(content: ChatMessage['content'] | undefined): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((part) => (part.type === 'text' ? part.text : `[${part.type}]`)).join('\n');
}

export const lastUserText = (request: ChatRequest) => textOf([...request.messages].reverse().find((m) => m.role === 'user')?.content);

export function scriptedModel(options: ScriptOptions = {}): (request: ChatRequest) => MockTurn {
  return (request) => {
    const last = request.messages.at(-1);
    const extra = options.reasoning ? { reasoning: options.reasoning } : {};
    if (last?.role === 'tool') return { ...extra, content: `The tool said: ${last.content}` };
    if (request.response_format?.type === 'json_schema') return { ...extra, content: JSON.stringify(options.json ?? {}) };
    const tools = request.tools ?? [];
    if (tools.length > 0 && request.tool_choice !== 'none') {
      const forced = typeof request.tool_choice === 'object' ? request.tool_choice.function.name : undefined;
      const name = forced ?? tools[0].function.name;
      return { ...extra, toolCalls: [{ name, arguments: JSON.stringify((options.toolArguments?.[name] as object | undefined) ?? {}) }] };
    }
    return { ...extra, content: `Echo: ${lastUserText(request)}` };
  };
}
