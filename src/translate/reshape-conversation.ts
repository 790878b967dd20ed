import type { ChatContentPart, ChatMessage } from './types.js';

// Chat templates (Jinja in vLLM, LM Studio, llama.cpp, TGI) that accept only some conversation
// shapes, and how to bend a conversation into each. Each keeps every word; only where it sits
// changes. All return a new array and leave their input alone.

type SystemLike = Extract<ChatMessage, { role: 'system' | 'developer' }>;

const isSystemLike = (message: ChatMessage): message is SystemLike => message.role === 'system' || message.role === 'developer';

const textOf = (content: unknown): string => (typeof content === 'string' ? content : '');

/** Every system and developer message merged into one leading system message (Qwen: "System message must be at the beginning."). */
export function mergeSystemMessages(messages: ChatMessage[]): ChatMessage[] {
  const systems = messages.filter(isSystemLike);
  if (systems.length === 0 || (systems.length === 1 && messages[0] === systems[0])) return messages;
  const merged: ChatMessage = { role: 'system', content: systems.map((m) => textOf(m.content)).join('\n\n') };
  return [merged, ...messages.filter((m) => !isSystemLike(m))];
}

/** The system text moved into the first user message (Gemma, Mistral v0.1: "System role not supported"). */
export function foldSystemIntoFirstUser(messages: ChatMessage[]): ChatMessage[] {
  const systems = messages.filter(isSystemLike);
  if (systems.length === 0) return messages;
  const system = systems.map((m) => textOf(m.content)).join('\n\n');
  const rest = messages.filter((m) => !isSystemLike(m));
  const first = rest.findIndex((m) => m.role === 'user');
  if (first < 0) return [{ role: 'user', content: system }, ...rest];
  const user = rest[first] as Extract<ChatMessage, { role: 'user' }>;
  const content: ChatMessage['content'] =
    typeof user.content === 'string' ? `${system}\n\n${user.content}` : [{ type: 'text', text: system }, ...(user.content as ChatContentPart[])];
  return [...rest.slice(0, first), { role: 'user', content }, ...rest.slice(first + 1)];
}

/**
 * Consecutive user messages merged into one, so roles alternate (Mistral, Llama 2, Gemma: "Conversation
 * roles must alternate user/assistant/user/assistant/..."). Codex sends its environment context and
 * the prompt as two user messages.
 */
export function mergeConsecutiveUserMessages(messages: ChatMessage[]): ChatMessage[] {
  const out: ChatMessage[] = [];
  let changed = false;
  for (const message of messages) {
    const previous = out.at(-1);
    if (message.role !== 'user' || previous?.role !== 'user') {
      out.push(message);
      continue;
    }
    changed = true;
    out[out.length - 1] = { role: 'user', content: joinUserContent(previous.content, message.content) };
  }
  return changed ? out : messages;
}

function joinUserContent(a: string | ChatContentPart[], b: string | ChatContentPart[]): string | ChatContentPart[] {
  if (typeof a === 'string' && typeof b === 'string') return `${a}\n\n${b}`;
  const parts = (content: string | ChatContentPart[]): ChatContentPart[] => (typeof content === 'string' ? [{ type: 'text', text: content }] : content);
  return [...parts(a), ...parts(b)];
}
