import type { ChatChunk, ChatResponse, ResponsesResponse } from './types.js';
import { ChatStreamToResponsesEvents, type ResponseContext } from './chat-stream-to-responses-events.js';
import { mapChatFinishReason } from './map-chat-finish-reason.js';

/**
 * A blocking chat completion → the Responses response. It is replayed through the stream state
 * machine as one chunk, so both paths build items, ids and reasoning envelopes the same way.
 */
export function convertChatResponseToResponse(chat: ChatResponse, context: ResponseContext): ResponsesResponse {
  const translator = new ChatStreamToResponsesEvents(context);
  if (!chat || typeof chat !== 'object') {
    translator.fail({ code: 'upstream_invalid_response', message: `upstream ${context.upstreamHost} answered with something that is not a chat completion` });
    return translator.response;
  }
  if (chat.error !== undefined && chat.error !== null) {
    // As one chunk: the usage it may carry is kept on the failed response.
    translator.push({ error: chat.error, usage: chat.usage });
    return translator.response;
  }
  translator.push(convertChatResponseToChunk(chat));
  translator.end({ sawDone: true });
  const response = translator.response;
  const finish = mapChatFinishReason(firstChoice(chat)?.finish_reason, context.quirks?.finishReasons);
  if (response.status === 'completed' && finish.status === 'incomplete') {
    response.status = 'incomplete';
    response.incomplete_details = { reason: finish.incompleteReason! };
  }
  return response;
}

/** A whole chat completion as the one stream chunk that would have carried it. */
export function convertChatResponseToChunk(chat: ChatResponse): ChatChunk {
  const choice = firstChoice(chat);
  const message = choice?.message ?? {};
  return {
    choices: [
      {
        index: 0,
        delta: {
          reasoning_content: message.reasoning_content ?? message.reasoning ?? undefined,
          reasoning_details: message.reasoning_details ?? undefined,
          content: message.content ?? undefined,
          refusal: message.refusal ?? undefined,
          tool_calls: (message.tool_calls ?? []).map((call, index) => ({
            index,
            id: call?.id,
            type: 'function' as const,
            function: { name: call?.function?.name, arguments: call?.function?.arguments ?? '' },
            ...(call?.extra_content !== undefined && { extra_content: call.extra_content }),
          })),
        },
        finish_reason: choice?.finish_reason ?? 'stop',
      },
    ],
    usage: chat.usage,
  };
}

function firstChoice(chat: ChatResponse) {
  return Array.isArray(chat.choices) ? chat.choices.find((c) => (c?.index ?? 0) === 0) : undefined;
}
