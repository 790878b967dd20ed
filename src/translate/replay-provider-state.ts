import type { ChatMessage } from './types.js';
import type { ReasoningEnvelope } from './reasoning-envelope.js';

// The replay half of what a provider needs back verbatim (the stream translator writes it into a
// reasoning envelope): `reasoning_details` go back on the assistant message of the turn they came
// from, a tool call's `extra_content` (Gemini's thought signature) on that same call, found by id.

type AssistantMessage = Extract<ChatMessage, { role: 'assistant' }>;

export class ProviderStateReplay {
  private readonly toolCallExtras = new Map<string, Record<string, unknown>>();

  /** Takes the tool-call extras of one envelope; returns its reasoning_details, for the caller's turn. */
  read(envelope: ReasoningEnvelope): unknown[] | undefined {
    for (const [callId, extra] of Object.entries(envelope.toolCallExtras ?? {})) {
      if (extra && typeof extra === 'object' && !Array.isArray(extra)) this.toolCallExtras.set(callId, extra as Record<string, unknown>);
    }
    return envelope.details && envelope.details.length > 0 ? envelope.details : undefined;
  }

  /** Gives every tool call whose id was seen its extra_content back. */
  restoreToolCallExtras(messages: ChatMessage[]): void {
    if (this.toolCallExtras.size === 0) return;
    for (const message of messages) {
      if (message.role !== 'assistant' || !message.tool_calls) continue;
      for (const call of message.tool_calls) {
        const extra = this.toolCallExtras.get(call.id);
        if (extra) call.extra_content = extra;
      }
    }
  }
}

/** reasoning_details of one more envelope, after those the message already carries. */
export function appendReasoningDetails(message: AssistantMessage, details: unknown[]): void {
  message.reasoning_details = [...(message.reasoning_details ?? []), ...details];
}
