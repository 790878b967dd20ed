import type { ChatRequest } from '../../translate/types.js';
import { foldSystemIntoFirstUser, mergeConsecutiveUserMessages, mergeSystemMessages } from '../../translate/reshape-conversation.js';
import { fillMissingThoughtSignatures } from '../../translate/fill-thought-signatures.js';

// An upstream with no profile (a local server rendering the model's own chat template) may refuse
// the shape of Codex's conversation: several system messages, one mid-history, a system role at
// all, or two user messages in a row. When its error names such a rule, the conversation is
// reshaped, retried, and sent that way for the rest of the bridge's life, as refused parameters are.
//
// What the servers answer (each is a test case):
//   vLLM, Qwen template     400 {"object":"error","message":"System message must be at the beginning.","type":"BadRequestError",…}
//   vLLM, Mistral/Gemma     400 {"object":"error","message":"Conversation roles must alternate user/assistant/user/assistant/...",…}
//   vLLM, Mistral v0.3      400 "After the optional system message, conversation roles must alternate user/assistant/user/assistant/..."
//   LM Studio               400 {"error":"Error rendering prompt with jinja template: \"System message must be at the beginning.\"…"}
//   llama.cpp (--jinja)     500 {"error":{"code":500,"message":"…Error: Jinja Exception: After the optional system message, conversation roles must alternate user and assistant roles except for tool calls and results.","type":"server_error"}}
//   TGI                     422 {"error":"Template error: syntax error: Conversation roles must alternate user/assistant/user/assistant/","error_type":"template_error"}
//   Gemma 2 template        "System role not supported"
//   Mistral v0.1 template   "Only user and assistant roles are supported!"
//   Ministral 3 template    "Only user, assistant and tool roles are supported, got system."
//
// Gemini 3 refuses a tool-call turn without a thought signature ("Function call is missing a
// thought_signature in functionCall parts"): a history it did not sign (another model's, or one
// whose replay state a client dropped) gets Gemini's documented placeholder from then on.

/** The shapes a conversation can be bent into, gentlest first. */
export type MessageShapeRule = 'single-system' | 'alternating-roles' | 'no-system' | 'signed-tool-calls';

const NO_SYSTEM = /system role (is )?not supported|only user(,)? (and )?assistant( and tool)? roles are supported|roles are supported, got system|system (role|messages?) (is |are )?not (allowed|supported)/i;
const SYSTEM_FIRST = /system message(s)? must be (at the beginning|first)|only one system message|multiple system messages|more than one system message/i;
const ALTERNATE = /roles must alternate/i;
const UNSIGNED_CALL = /missing a `?thought_signature/i;

/** Statuses a template refusal comes with: 400/422 (vLLM, LM Studio, TGI), 424 (LoRAX), 500 (llama.cpp). */
const STATUSES = new Set([400, 422, 424, 500]);

/**
 * The rule a refusal names that the bridge has not applied yet, or undefined. "Roles must
 * alternate" is first answered with one leading system message (a second system message breaks
 * alternation too), then, if refused again, by merging consecutive user messages.
 */
export function refusedMessageShape(status: number, bodyText: string, learned: ReadonlySet<MessageShapeRule>): MessageShapeRule | undefined {
  if (!STATUSES.has(status)) return undefined;
  const text = bodyText.replace(/\\+"/g, '"');
  const candidates: MessageShapeRule[] = [];
  if (NO_SYSTEM.test(text)) candidates.push('no-system');
  if (SYSTEM_FIRST.test(text)) candidates.push('single-system');
  if (ALTERNATE.test(text)) candidates.push('single-system', 'alternating-roles');
  if (UNSIGNED_CALL.test(text)) candidates.push('signed-tool-calls');
  return candidates.find((rule) => !learned.has(rule));
}

/** The request with the conversation bent into every learnt shape (a copy; the input is not touched). */
export function reshapeRequest(request: ChatRequest, rules: ReadonlySet<MessageShapeRule>): ChatRequest {
  if (rules.size === 0) return request;
  let messages = request.messages;
  if (rules.has('single-system') || rules.has('no-system')) messages = mergeSystemMessages(messages);
  if (rules.has('no-system')) messages = foldSystemIntoFirstUser(messages);
  if (rules.has('alternating-roles') || rules.has('no-system')) messages = mergeConsecutiveUserMessages(messages);
  if (rules.has('signed-tool-calls')) messages = fillMissingThoughtSignatures(messages);
  return messages === request.messages ? request : { ...request, messages };
}

/** What one bridge has learnt about the shape its upstream accepts; lives as long as the server. */
export class MessageShapeFallback {
  private readonly rules = new Set<MessageShapeRule>();

  get learned(): ReadonlySet<MessageShapeRule> {
    return this.rules;
  }

  remember(rule: MessageShapeRule): void {
    this.rules.add(rule);
  }

  apply(request: ChatRequest): ChatRequest {
    return reshapeRequest(request, this.rules);
  }
}
