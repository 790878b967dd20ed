import type { ChatFunctionTool, ChatRequest, ResponsesRequest, ResponsesTool } from './types.js';
import { flattenToolName, type ToolNameMap } from './tool-name-map.js';
import { TranslationError } from './translation-error.js';
import { deepFreeze, isDeepFrozen } from './deep-freeze.js';

export interface ConvertedTools {
  tools: ChatFunctionTool[];
  toolNames: ToolNameMap;
}

/** The single string argument a freeform (custom) tool is exposed with upstream. */
export const CUSTOM_TOOL_ARGUMENT = 'input';

const EMPTY_PARAMETERS = { type: 'object', properties: {} };

function customToolParameters(tool: { format?: unknown }): Record<string, unknown> {
  const format = tool.format as { type?: string; definition?: string; syntax?: string } | undefined;
  const grammar =
    format?.type === 'grammar' && typeof format.definition === 'string'
      ? ` It must follow this ${format.syntax ?? ''} grammar:\n${format.definition}`
      : '';
  return {
    type: 'object',
    properties: {
      [CUSTOM_TOOL_ARGUMENT]: { type: 'string', description: `The raw text input, not JSON-encoded.${grammar}` },
    },
    required: [CUSTOM_TOOL_ARGUMENT],
    additionalProperties: false,
  };
}

/**
 * Responses tools → chat functions. Namespaces are flattened, freeform custom tools (apply_patch)
 * become one-string-argument functions, hosted tools (web_search, file_search, …) are dropped:
 * chat providers reject them and cannot run them.
 */
export function convertToChatTools(tools: ResponsesTool[] | undefined): ConvertedTools {
  // The same (frozen) tools every turn make the same (frozen) functions: converted once.
  const frozen = Array.isArray(tools) && isDeepFrozen(tools);
  const known = frozen ? convertedTools.get(tools) : undefined;
  if (known) return { tools: known.tools, toolNames: new Map(known.toolNames) };
  const converted = convert(tools);
  if (frozen) convertedTools.set(tools, { tools: deepFreeze(converted.tools), toolNames: new Map(converted.toolNames) });
  return converted;
}

const convertedTools = new WeakMap<object, ConvertedTools>();

function convert(tools: ResponsesTool[] | undefined): ConvertedTools {
  const out: ChatFunctionTool[] = [];
  const toolNames: ToolNameMap = new Map();
  if (tools === undefined || tools === null) return { tools: out, toolNames };
  if (!Array.isArray(tools)) throw new TranslationError('tools must be an array', 'tools');

  const add = (tool: ResponsesTool, namespace: string | undefined, path: string) => {
    if (!tool || typeof tool !== 'object') throw new TranslationError(`${path} must be an object`, path);
    if (tool.type === 'namespace') {
      const ns = tool as { name?: unknown; tools?: unknown };
      if (typeof ns.name !== 'string' || !Array.isArray(ns.tools)) {
        throw new TranslationError(`${path}: a namespace needs a string name and a tools array`, path);
      }
      ns.tools.forEach((inner, i) => add(inner as ResponsesTool, ns.name as string, `${path}.tools[${i}]`));
      return;
    }
    if (tool.type !== 'function' && tool.type !== 'custom') return; // hosted tool: dropped
    const name = (tool as { name?: unknown }).name;
    if (typeof name !== 'string' || name.length === 0) {
      throw new TranslationError(`${path}.name must be a non-empty string`, `${path}.name`);
    }
    const flat = flattenToolName(name, namespace);
    if (toolNames.has(flat)) return; // the same tool offered twice; the first one wins
    const description = typeof tool.description === 'string' ? tool.description : undefined;
    if (tool.type === 'custom') {
      toolNames.set(flat, { name, namespace, kind: 'custom' });
      out.push({ type: 'function', function: { name: flat, description, parameters: customToolParameters(tool as { format?: unknown }) } });
      return;
    }
    const parameters = (tool as { parameters?: unknown }).parameters;
    const strict = (tool as { strict?: unknown }).strict;
    toolNames.set(flat, { name, namespace, kind: 'function' });
    out.push({
      type: 'function',
      function: {
        name: flat,
        ...(description !== undefined && { description }),
        parameters: parameters && typeof parameters === 'object' ? (parameters as Record<string, unknown>) : EMPTY_PARAMETERS,
        ...(strict === true && { strict: true }),
      },
    });
  };

  tools.forEach((tool, i) => add(tool, undefined, `tools[${i}]`));
  return { tools: out, toolNames };
}

/** Responses tool_choice → chat tool_choice, with names flattened like the tools. */
export function convertToChatToolChoice(choice: ResponsesRequest['tool_choice']): ChatRequest['tool_choice'] {
  if (choice === undefined || choice === null) return undefined;
  if (choice === 'auto' || choice === 'none' || choice === 'required') return choice;
  if (typeof choice === 'object') {
    const c = choice as { type?: string; name?: string; namespace?: string; mode?: string };
    if ((c.type === 'function' || c.type === 'custom') && typeof c.name === 'string') {
      return { type: 'function', function: { name: flattenToolName(c.name, c.namespace) } };
    }
    // allowed_tools keeps its mode; hosted-tool choices have no chat equivalent.
    if (c.type === 'allowed_tools' && c.mode === 'required') return 'required';
    return 'auto';
  }
  throw new TranslationError(`tool_choice ${JSON.stringify(choice)} is not supported`, 'tool_choice');
}
