import { randomUUID } from 'node:crypto';
import type { ConversationMemory } from '../state/session-store.js';
import type { ResponsesStateStore } from '../state/responses-state-store.js';
import { StoreUnavailableError } from '../storage/store-unavailable.js';
import { itemsForStorage } from '../translate/stored-items.js';
import type { ResponsesInputItem, ResponsesResponse, ResponsesStoredItem } from '../translate/types.js';

// After a /v1/responses request, what later requests may continue from or ask for: the
// previous_response_id chain and the reasoning side channel (ConversationMemory), the stored
// response for GET /v1/responses/{id} (unless the client said store:false, as Codex does), and the
// conversation it belongs to. The end of the answer (`response.completed`, a blocking 200) waits for
// these writes, so whoever sees it can continue from it at once, on any replica; a write that fails
// turns the answer into a failure the client retries (store_unavailable), since what it promises
// was not kept. The reasoning side channel only backs up what the client replays itself: losing
// its write is logged, never a failed turn.

/** A new item id, e.g. `msg_3f2a…`, as api.openai.com's look. */
export const newItemId = (prefix: string): string => `${prefix}_${randomUUID().replace(/-/g, '')}`;

export interface TurnToKeep {
  responseId: string;
  /** The conversation the turn belongs to (Codex's thread, a named conversation, or the chain's). */
  conversation: string;
  previousId?: string;
  /** A Conversations API conversation the input and output are added to. */
  conversationId?: string;
  /** False when the client said store:false. */
  store: boolean;
  /** The request's input, item references resolved. */
  input: ResponsesInputItem[];
}

export interface KeepTurnDeps {
  memory: ConversationMemory;
  state: ResponsesStateStore;
  log?: (line: string) => void;
  scrub: (text: string) => string;
}

/** Why the turn could not be kept: the message the client is told (it retries), naming the store. */
export interface TurnNotKept {
  message: string;
}

const messageOf = (error: unknown): string => (error as Error)?.message ?? String(error);

/** Resolves once every write of the turn settled: undefined when what it promises was kept. Never rejects. */
export async function keepTurn(turn: TurnToKeep, response: ResponsesResponse, deps: KeepTurnDeps): Promise<TurnNotKept | undefined> {
  const ended = response.status === 'completed' || response.status === 'incomplete';
  const { memory, state } = deps;
  let inputItems: ResponsesStoredItem[] | undefined;
  const stored = () => (inputItems ??= itemsForStorage(turn.input, newItemId));
  const output = response.output as unknown as ResponsesStoredItem[];
  const promised: Array<() => unknown> = [];
  if (turn.store) promised.push(() => state.saveResponse({ response, inputItems: stored() }));
  if (turn.store && ended) {
    promised.push(() => memory.recordResponse({ id: turn.responseId, conversation: turn.conversation, parentId: turn.previousId, items: [...turn.input, ...response.output] }));
  }
  if (ended && turn.conversationId !== undefined) {
    const conversationId = turn.conversationId;
    promised.push(() => state.appendConversationItems(conversationId, [...stored(), ...output]));
  }
  const [results, reasoningFailure] = await Promise.all([
    Promise.all(promised.map(settle)),
    ended ? settle(() => memory.rememberReasoning(turn.conversation, response.output)) : undefined,
  ]);
  if (reasoningFailure) deps.log?.(`could not keep the reasoning of ${turn.responseId}: ${deps.scrub(messageOf(reasoningFailure))}`);
  const failure = results.find((result) => result !== undefined);
  if (failure === undefined) return undefined;
  deps.log?.(`could not keep response ${turn.responseId}: ${deps.scrub(messageOf(failure))}`);
  return {
    message:
      failure instanceof StoreUnavailableError
        ? failure.message
        : `the bridge could not keep this response (${deps.scrub(messageOf(failure))}) — retry the request`,
  };
}

/** Runs a write; resolves with its error, or undefined once it landed. */
async function settle(write: () => unknown): Promise<unknown> {
  try {
    await write();
    return undefined;
  } catch (error) {
    return error ?? new Error('write failed');
  }
}
