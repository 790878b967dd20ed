export interface MappedFinishReason {
  status: 'completed' | 'incomplete';
  incompleteReason?: 'max_output_tokens' | 'content_filter';
}

/**
 * Chat finish_reason → Responses status. Only blocking responses report `incomplete`: Codex treats a
 * streamed `incomplete` as a hard failure or loops on it, so streams always complete.
 */
export function mapChatFinishReason(reason: string | null | undefined): MappedFinishReason {
  switch (reason) {
    case 'length':
    case 'max_tokens':
      return { status: 'incomplete', incompleteReason: 'max_output_tokens' };
    case 'content_filter':
    case 'sensitive':
      return { status: 'incomplete', incompleteReason: 'content_filter' };
    default:
      // stop, tool_calls, function_call, eos, null, and whatever else providers invent.
      return { status: 'completed' };
  }
}
