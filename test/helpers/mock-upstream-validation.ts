// What the mock upstream refuses, as real providers do: every request is validated before the
// script runs. The running mock and checkChatRequest share these.
import type { MockRules } from './mock-upstream-types.js';
import { missingThinkingBlock, missingThoughtSignature, templateRefusal, type Refusal } from './mock-replay-rules.js';

const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

export class Rejection extends Error {
  constructor(
    message: string,
    readonly status = 400,
    readonly code: string | null = null,
    /** The response body, when the provider's error shape is not OpenAI's. */
    readonly body?: unknown,
  ) {
    super(message);
  }
}

/** A refused field, reported the way the configured provider reports it. */
function fieldRejection(rules: MockRules, loc: Array<string | number>, input: unknown): Rejection {
  const field = String(loc.at(-1));
  switch (rules.rejectionStyle) {
    case 'mistral': {
      const detail = [{ type: 'extra_forbidden', loc: ['body', ...loc], msg: 'Extra inputs are not permitted', input }];
      return new Rejection(`Extra inputs are not permitted: ${loc.join('.')}`, 422, null, { object: 'error', message: { detail }, type: 'invalid_request_error', param: null, code: null });
    }
    case 'gemini': {
      const message = `Invalid JSON payload received. Unknown name "${field}": Cannot find field.`;
      return new Rejection(message, 400, null, [{ error: { code: 400, message, status: 'INVALID_ARGUMENT' } }]);
    }
    default:
      return new Rejection(`Unrecognized request argument supplied: ${field}`);
  }
}

export function openAiError(message: string, type: string, code: string | null): unknown {
  return { error: { message, type, param: null, code } };
}

// ---------------------------------------------------------------- validation

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function checkParts(content: unknown, where: string, rules: MockRules = {}): void {
  if (typeof content === 'string') {
    if (content.length === 0) throw new Rejection(`${where}: content must not be empty.`);
    return;
  }
  if (!Array.isArray(content)) throw new Rejection(`${where}: content must be a string or an array of content parts.`);
  if (content.length === 0) throw new Rejection(`${where}: content must not be an empty array.`);
  content.forEach((p, j) => {
    if (!isObj(p)) throw new Rejection(`${where}.content[${j}]: must be an object.`);
    if (p.type === 'text') {
      if (typeof p.text !== 'string') throw new Rejection(`${where}.content[${j}]: text part needs a string 'text'.`);
    } else if (p.type === 'image_url') {
      if (!isObj(p.image_url) || typeof p.image_url.url !== 'string' || p.image_url.url.length === 0) {
        throw new Rejection(`${where}.content[${j}]: image_url part needs image_url.url.`);
      }
    } else if (p.type === 'file' && rules.acceptFiles) {
      if (!isObj(p.file) || typeof p.file.file_data !== 'string' || p.file.file_data.length === 0) {
        throw new Rejection(`${where}.content[${j}]: file part needs file.file_data.`);
      }
    } else {
      throw new Rejection(`${where}.content[${j}]: invalid content part type ${JSON.stringify(p.type)} (expected 'text' or 'image_url').`);
    }
  });
}

export function validate(body: unknown, rules: MockRules): void {
  if (!isObj(body)) throw new Rejection('We could not parse the JSON body of your request: expected a JSON object.');
  if (typeof body.model !== 'string' || body.model.length === 0) throw new Rejection("Missing required parameter: 'model'.");
  if (!Array.isArray(body.messages)) throw new Rejection("Missing required parameter: 'messages'.");
  if (body.messages.length === 0) throw new Rejection("Invalid 'messages': empty array. Expected an array with minimum length 1.");
  if (body.stream !== undefined && typeof body.stream !== 'boolean') throw new Rejection("Invalid type for 'stream': expected a boolean.");
  if (body.stream_options !== undefined && body.stream !== true) {
    throw new Rejection("The 'stream_options' parameter is only allowed when 'stream' is enabled.");
  }
  if (body.stream_options !== undefined && !isObj(body.stream_options)) throw new Rejection("Invalid type for 'stream_options': expected an object.");
  for (const f of rules.rejectFields ?? []) {
    if (body[f] !== undefined) throw fieldRejection(rules, [f], body[f]);
  }
  if (rules.allowedReasoningEfforts && body.reasoning_effort !== undefined && !rules.allowedReasoningEfforts.includes(body.reasoning_effort as string)) {
    throw new Rejection(`Invalid reasoning_effort: ${String(body.reasoning_effort)}. Valid values are: ${rules.allowedReasoningEfforts.join(', ')}`);
  }
  if (rules.rejectStrict) {
    const tools = Array.isArray(body.tools) ? body.tools : [];
    const strictTool = tools.findIndex((t) => isObj(t) && isObj(t.function) && t.function.strict !== undefined);
    if (strictTool >= 0) throw fieldRejection(rules, ['tools', strictTool, 'function', 'strict'], true);
    const format = body.response_format;
    if (isObj(format) && isObj(format.json_schema) && format.json_schema.strict !== undefined) throw fieldRejection(rules, ['response_format', 'json_schema', 'strict'], true);
  }

  // tools
  const toolNames = new Set<string>();
  if (body.tools !== undefined) {
    if (!Array.isArray(body.tools)) throw new Rejection("Invalid type for 'tools': expected an array.");
    if (body.tools.length === 0) throw new Rejection("Invalid 'tools': empty array. Expected an array with minimum length 1, but got an empty array instead.");
    body.tools.forEach((t, i) => {
      if (!isObj(t) || t.type !== 'function') {
        throw new Rejection(`Invalid value for 'tools[${i}].type': ${JSON.stringify(isObj(t) ? t.type : t)}. Supported values are: 'function'.`);
      }
      const fn = t.function;
      if (!isObj(fn) || typeof fn.name !== 'string' || !TOOL_NAME.test(fn.name)) {
        throw new Rejection(`Invalid 'tools[${i}].function.name': string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$' (1-64 chars), got ${JSON.stringify(isObj(fn) ? fn.name : undefined)}.`);
      }
      if (toolNames.has(fn.name)) throw new Rejection(`Invalid 'tools': duplicate function name '${fn.name}'.`);
      toolNames.add(fn.name);
      if (fn.parameters !== undefined && !isObj(fn.parameters)) throw new Rejection(`Invalid 'tools[${i}].function.parameters': expected an object.`);
    });
  }
  if (body.tool_choice !== undefined) {
    if (toolNames.size === 0) throw new Rejection("Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools' are specified.");
    const tc = body.tool_choice;
    if (typeof tc === 'string') {
      if (!['auto', 'none', 'required'].includes(tc)) throw new Rejection(`Invalid value for 'tool_choice': ${JSON.stringify(tc)}.`);
    } else if (!isObj(tc) || tc.type !== 'function' || !isObj(tc.function) || typeof tc.function.name !== 'string' || !toolNames.has(tc.function.name)) {
      throw new Rejection(`Invalid value for 'tool_choice': ${JSON.stringify(tc)} does not name one of the tools.`);
    }
  }
  if (body.parallel_tool_calls !== undefined && toolNames.size === 0) {
    throw new Rejection("Invalid value for 'parallel_tool_calls': 'parallel_tool_calls' is only allowed when 'tools' are specified.");
  }

  // messages
  let pending: string[] = []; // tool_call ids of the last assistant message not yet answered
  let answerable = new Set<string>(); // ids a tool message may answer right now
  body.messages.forEach((m, i) => {
    const where = `messages[${i}]`;
    if (!isObj(m)) throw new Rejection(`Invalid '${where}': expected an object.`);
    const role = m.role;
    const developer = role === 'developer' && rules.developerRole === 'accept';
    if (role !== 'system' && role !== 'user' && role !== 'assistant' && role !== 'tool' && !developer) {
      throw new Rejection(`Invalid value: ${JSON.stringify(role)}. Supported values are: 'system', 'assistant', 'user' and 'tool'. (${where}.role)`);
    }
    if (role !== 'tool' && pending.length > 0) {
      throw new Rejection(`An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: ${pending.join(', ')} (before ${where}, role '${role}')`);
    }
    if (role !== 'tool') answerable = new Set();

    if (role === 'system' || role === 'user' || developer) {
      checkParts(m.content, where, rules);
      if (Array.isArray(m.content) && (rules.rejectContentArraysOn ?? []).includes(role as 'system' | 'user')) {
        throw new Rejection(`Invalid '${where}.content': ${String(role)} content must be a string.`);
      }
      if (rules.rejectImages && Array.isArray(m.content)) {
        const image = m.content.findIndex((p) => isObj(p) && p.type === 'image_url');
        if (image >= 0) {
          throw new Rejection(`Failed to deserialize the JSON body into the target type: messages[${i}]: unknown variant \`image_url\`, expected \`text\``, 422);
        }
      }
      if (role === 'system' && rules.singleLeadingSystem && i !== 0) {
        throw new Rejection(`System message must be at the beginning (${where}).`);
      }
      return;
    }

    if (role === 'assistant') {
      if (m.content !== undefined && m.content !== null && typeof m.content !== 'string') {
        throw new Rejection(`Invalid '${where}.content': assistant content must be a string or null.`);
      }
      for (const f of ['reasoning_content', 'reasoning'] as const) {
        if (m[f] !== undefined && m[f] !== null && typeof m[f] !== 'string') throw new Rejection(`Invalid '${where}.${f}': expected a string.`);
      }
      for (const f of rules.rejectMessageFields ?? []) {
        if (m[f] !== undefined) throw fieldRejection(rules, ['messages', i, 'assistant', f], m[f]);
      }
      const calls = m.tool_calls;
      if (calls === undefined || calls === null) {
        if (typeof m.content !== 'string' || m.content.length === 0) {
          throw new Rejection(`Invalid '${where}': an assistant message must have non-empty content or tool_calls.`);
        }
        return;
      }
      if (!Array.isArray(calls) || calls.length === 0) throw new Rejection(`Invalid '${where}.tool_calls': expected a non-empty array.`);
      const ids: string[] = [];
      calls.forEach((c, j) => {
        const w = `${where}.tool_calls[${j}]`;
        if (!isObj(c)) throw new Rejection(`Invalid '${w}': expected an object.`);
        if (typeof c.id !== 'string' || c.id.length === 0) throw new Rejection(`Missing required parameter: '${w}.id'.`);
        if (rules.requireToolCallIdPattern && !rules.requireToolCallIdPattern.test(c.id)) throw toolCallIdRejection(c.id, rules.requireToolCallIdPattern);
        if (ids.includes(c.id)) throw new Rejection(`Invalid '${w}.id': duplicate tool call id '${c.id}'.`);
        if (c.type !== 'function') throw new Rejection(`Invalid value for '${w}.type': ${JSON.stringify(c.type)}. Supported values are: 'function'.`);
        const fn = c.function;
        if (!isObj(fn) || typeof fn.name !== 'string' || !TOOL_NAME.test(fn.name)) {
          throw new Rejection(`Invalid '${w}.function.name': string does not match pattern '^[a-zA-Z0-9_-]{1,64}$', got ${JSON.stringify(isObj(fn) ? fn.name : undefined)}.`);
        }
        if (typeof fn.arguments !== 'string') throw new Rejection(`Invalid type for '${w}.function.arguments': expected a string.`);
        let parsed: unknown;
        try {
          parsed = JSON.parse(fn.arguments);
        } catch {
          throw new Rejection(`Invalid '${w}.function.arguments': not valid JSON: ${JSON.stringify(fn.arguments.slice(0, 200))}.`);
        }
        if (!isObj(parsed)) throw new Rejection(`Invalid '${w}.function.arguments': expected a JSON object, got ${JSON.stringify(fn.arguments.slice(0, 200))}.`);
        ids.push(c.id);
      });
      pending = [...ids];
      answerable = new Set(ids);
      return;
    }

    // tool
    const id = m.tool_call_id;
    if (rules.requireToolCallIdPattern && typeof id === 'string' && !rules.requireToolCallIdPattern.test(id)) throw toolCallIdRejection(id, rules.requireToolCallIdPattern);
    if (typeof id !== 'string' || !answerable.has(id)) {
      throw new Rejection(`Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'. (${where}, tool_call_id ${JSON.stringify(id)})`);
    }
    if (!pending.includes(id)) throw new Rejection(`Invalid '${where}': tool_call_id '${id}' was already answered.`);
    pending = pending.filter((p) => p !== id);
    if (typeof m.content !== 'string') throw new Rejection(`Invalid '${where}.content': tool content must be a string.`);
    if (m.content.length === 0 && !rules.allowEmptyToolContent) throw new Rejection(`Invalid '${where}.content': content must not be empty.`);
  });
  if (pending.length > 0) {
    throw new Rejection(`An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: ${pending.join(', ')}`);
  }
}

function toolCallIdRejection(id: string, pattern: RegExp): Rejection {
  // Mistral's wording, for its pattern; a generic one otherwise.
  const rule = pattern.source === '^[a-zA-Z0-9]{9}$' ? 'a-z, A-Z, 0-9, with a length of 9' : `match ${pattern}`;
  return new Rejection(`Tool call id was ${id} but must be ${rule}.`, 400, '3280');
}

const rejection = (refusal: Refusal | undefined): Rejection | undefined => refusal && new Rejection(refusal.message, refusal.status, null, refusal.body);

export function checkReasoningRule(body: unknown, rules: MockRules): void {
  if (!isObj(body) || !Array.isArray(body.messages)) return;
  const refused =
    rejection(templateRefusal(body.messages, rules)) ??
    rejection(rules.thoughtSignatures ? missingThoughtSignature(body.messages) : undefined) ??
    rejection(rules.reasoning === 'anthropic' ? missingThinkingBlock(body.messages) : undefined);
  if (refused) throw refused;
  const rule = rules.reasoning ?? 'none';
  if (rule === 'none' || rule === 'anthropic') return;
  const field = rules.reasoningField === 'reasoning' ? 'reasoning' : 'reasoning_content';
  body.messages.forEach((m: unknown, i: number) => {
    if (!isObj(m) || m.role !== 'assistant') return;
    const has = typeof m[field] === 'string' && (m[field] as string).length > 0;
    if (has) return;
    const hasCalls = Array.isArray(m.tool_calls) && m.tool_calls.length > 0;
    if (rule === 'deepseek' && hasCalls) {
      throw new Rejection('The reasoning_content in the thinking mode must be passed back to the API.');
    }
    if (rule === 'kimi') throw new Rejection(`reasoning_content is missing in assistant tool call message at index ${i}`);
  });
}
