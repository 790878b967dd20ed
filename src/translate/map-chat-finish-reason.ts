import type { CanonicalFinishReason } from './provider-quirks.js';

export interface MappedFinishReason {
  status: 'completed' | 'incomplete';
  incompleteReason?: 'max_output_tokens' | 'content_filter';
}

/** finish_reason values every provider shares, or that are unambiguous where they appear. */
const COMMON: Record<string, CanonicalFinishReason> = {
  stop: 'stop',
  eos: 'stop',
  tool_calls: 'tool_calls',
  function_call: 'tool_calls',
  length: 'length',
  max_tokens: 'length',
  content_filter: 'content_filter',
  sensitive: 'content_filter', // GLM
};

/**
 * A provider's finish_reason → what it means. `extra` is the provider's own vocabulary (e.g.
 * Mistral's model_length, DeepSeek's insufficient_system_resource) and wins over the common table.
 * Unknown values mean a normal stop, as they always did; a missing one stays missing.
 */
export function normalizeFinishReason(
  reason: string | null | undefined,
  extra: Readonly<Record<string, CanonicalFinishReason>> = {},
): CanonicalFinishReason | undefined {
  if (typeof reason !== 'string' || reason === '') return undefined;
  return (Object.hasOwn(extra, reason) ? extra[reason] : undefined) ?? (Object.hasOwn(COMMON, reason) ? COMMON[reason] : undefined) ?? 'stop';
}

/**
 * Chat finish_reason → Responses status. Only blocking responses report `incomplete`: Codex treats a
 * streamed `incomplete` as a hard failure or loops on it, so streams always complete.
 */
export function mapChatFinishReason(reason: string | null | undefined, extra: Readonly<Record<string, CanonicalFinishReason>> = {}): MappedFinishReason {
  switch (normalizeFinishReason(reason, extra)) {
    case 'length':
      return { status: 'incomplete', incompleteReason: 'max_output_tokens' };
    case 'content_filter':
      return { status: 'incomplete', incompleteReason: 'content_filter' };
    default:
      // stop, tool_calls, null, and whatever else providers invent.
      return { status: 'completed' };
  }
}
