import type { ChatContentPart, ChatFunctionTool, ChatMessage, ChatRequest, ChatToolCall } from './types.js';
import type { ProviderQuirks } from './provider-quirks.js';
import { toAlnum9ToolCallId } from './rewrite-tool-call-id.js';
import { shortenToolName, type ToolNameMap } from './tool-name-map.js';
import { mergeSystemMessages } from './reshape-conversation.js';
import { deepFreeze, isDeepFrozen } from './deep-freeze.js';

// The request-side quirks, as one pure pass over a finished chat request: the translators build the
// request every provider would get, and this bends it for one provider. With DEFAULT_QUIRKS it
// returns an equal request.

export interface QuirkedChatRequest {
  request: ChatRequest;
  /** The tool-name map, re-keyed if names were shortened. */
  toolNames: ToolNameMap;
  /** Upstream tool-call id → the id Codex knows, for every id this pass rewrote. */
  toolCallIds: Map<string, string>;
}

/** Stands in for an image when the provider takes none (the model is told something was there). */
export const IMAGE_OMITTED_NOTE = '[image omitted: this model does not accept images]';

type AssistantMessage = Extract<ChatMessage, { role: 'assistant' }>;

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return content === null || content === undefined ? '' : String(content);
  return content
    .map((part: { type?: unknown; text?: unknown }) => (typeof part?.text === 'string' ? part.text : part?.type === 'image_url' ? IMAGE_OMITTED_NOTE : ''))
    .filter((text) => text !== '')
    .join('\n');
}

/** Codex's id → the upstream's, consistently within one request and (deterministically) across requests. */
function makeIdRewriter(toolCallIds: Map<string, string>) {
  const byOriginal = new Map<string, string>();
  const taken = new Map<string, string>(); // rewritten → original
  return (id: string): string => {
    const known = byOriginal.get(id);
    if (known !== undefined) return known;
    let candidate = toAlnum9ToolCallId(id);
    for (let salt = 1; taken.has(candidate) && taken.get(candidate) !== id; salt++) candidate = toAlnum9ToolCallId(id, salt);
    byOriginal.set(id, candidate);
    taken.set(candidate, id);
    if (candidate !== id) toolCallIds.set(candidate, id);
    return candidate;
  };
}

export function applyRequestQuirks(request: ChatRequest, toolNames: ToolNameMap, quirks: ProviderQuirks): QuirkedChatRequest {
  const toolCallIds = new Map<string, string>();
  const rewriteId = quirks.toolCallIdFormat === 'alnum9' ? makeIdRewriter(toolCallIds) : (id: string) => id;
  const maxName = quirks.toolNameMaxLength;
  const rename = (name: string) => shortenToolName(name, maxName);

  let messages: ChatMessage[] = request.messages.map((message): ChatMessage => {
    switch (message.role) {
      case 'system':
      case 'developer':
      case 'tool':
        // Always strings on these roles, whatever the provider: many refuse content arrays there.
        return { ...message, content: textOf(message.content), ...(message.role === 'tool' && { tool_call_id: rewriteId(message.tool_call_id) }) } as ChatMessage;
      case 'user': {
        if (quirks.imageInput || typeof message.content === 'string') return { ...message };
        const parts = message.content as ChatContentPart[];
        // Files stay (they only come as parts for a provider that reads them); images become notes.
        if (parts.some((part) => part.type === 'file')) {
          return { role: 'user', content: parts.map((part) => (part.type === 'image_url' ? { type: 'text', text: IMAGE_OMITTED_NOTE } : part)) };
        }
        const text = textOf(parts);
        return { role: 'user', content: text === '' ? IMAGE_OMITTED_NOTE : text };
      }
      case 'assistant':
        return replayAssistant(message, quirks, rewriteId, rename);
    }
  });

  if (quirks.singleSystemMessage) messages = mergeSystemMessages(messages);

  const out: ChatRequest = { ...request, messages };
  let renamedTools = new Map<string, string>();
  if (request.tools) {
    const quirked = quirkTools(request.tools, quirks, rename);
    out.tools = quirked.tools;
    renamedTools = quirked.renamed;
  }
  if (out.tool_choice && typeof out.tool_choice === 'object') {
    out.tool_choice = { type: 'function', function: { name: rename(out.tool_choice.function.name) } };
  }
  if (!quirks.strictTools && out.response_format?.type === 'json_schema') {
    const { strict: _strict, ...schema } = out.response_format.json_schema;
    out.response_format = { type: 'json_schema', json_schema: schema };
  }
  if (!quirks.parallelToolCalls) delete out.parallel_tool_calls;
  if (!quirks.streamOptions) delete out.stream_options;

  let names = toolNames;
  if (renamedTools.size > 0) {
    names = new Map();
    for (const [flat, identity] of toolNames) names.set(renamedTools.get(flat) ?? flat, identity);
  }
  return { request: out, toolNames: names, toolCallIds };
}

interface QuirkedTools {
  tools: ChatFunctionTool[];
  /** Original name → shortened name, for the names that changed. */
  renamed: Map<string, string>;
}

/** (frozen tools → quirks → result): the same tools every turn are bent once per provider. */
const quirkedTools = new WeakMap<object, WeakMap<ProviderQuirks, QuirkedTools>>();

function quirkTools(tools: ChatFunctionTool[], quirks: ProviderQuirks, rename: (name: string) => string): QuirkedTools {
  const frozen = isDeepFrozen(tools);
  const known = frozen ? quirkedTools.get(tools)?.get(quirks) : undefined;
  if (known) return known;
  const renamed = new Map<string, string>();
  const out = tools.map((tool): ChatFunctionTool => {
    const name = rename(tool.function.name);
    if (name !== tool.function.name) renamed.set(tool.function.name, name);
    const fn = { ...tool.function, name };
    if (!quirks.strictTools) delete fn.strict;
    return { ...tool, function: fn };
  });
  const result = { tools: out, renamed };
  if (frozen) {
    deepFreeze(out);
    let byQuirks = quirkedTools.get(tools);
    if (!byQuirks) quirkedTools.set(tools, (byQuirks = new WeakMap()));
    byQuirks.set(quirks, result);
  }
  return result;
}

function replayAssistant(
  message: AssistantMessage,
  quirks: ProviderQuirks,
  rewriteId: (id: string) => string,
  rename: (name: string) => string,
): AssistantMessage {
  const { reasoning_content: reasoningContent, reasoning, ...rest } = message;
  const out: AssistantMessage = { ...rest, content: message.content === null ? null : textOf(message.content) };
  if (message.tool_calls) {
    out.tool_calls = message.tool_calls.map(
      (call): ChatToolCall => ({ ...call, id: rewriteId(call.id), function: { ...call.function, name: rename(call.function.name) } }),
    );
  }
  const text = reasoningContent ?? reasoning;
  const replay = quirks.reasoningReplay === 'all' || (quirks.reasoningReplay === 'tool-calls' && (message.tool_calls?.length ?? 0) > 0);
  if (text !== undefined && replay) {
    if (quirks.reasoningField === 'reasoning') out.reasoning = text;
    else out.reasoning_content = text;
  }
  // reasoning_details are reasoning too: replayed (unchanged) wherever the reasoning is.
  if (!replay) delete out.reasoning_details;
  return out;
}
