// The recorded provider traffic in test/fixtures/providers/<dir>/ (see its README): found, translated
// the way the server translates it, and replayed as history in the request that would come next.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { parseSseBytes } from '../../src/server/upstream-client.js';
import { ChatStreamToResponsesEvents } from '../../src/translate/chat-stream-to-responses-events.js';
import { convertChatResponseToResponse } from '../../src/translate/convert-chat-response-to-response.js';
import { convertToChatRequest } from '../../src/translate/convert-to-chat-request.js';
import { convertToChatTools } from '../../src/translate/convert-to-chat-tools.js';
import type { ProviderQuirks } from '../../src/translate/provider-quirks.js';
import type { ChatRequest, ChatResponse, ResponsesRequest, ResponsesResponse, ResponsesStreamEvent } from '../../src/translate/types.js';

export const FIXTURES_DIR = new URL('../fixtures/providers/', import.meta.url);

/** Upstreams no profile describes (gateways, hosts serving a model without its reasoning parser): translated with the defaults. */
export const NO_PROFILE_DIR = 'other';

export interface RecordedFixture {
  /** `<dir>/<behaviour>`: dir is a provider id, or `other`. */
  name: string;
  /** A raw SSE body (`.chunks.txt`), or a whole chat completion (`.json`). */
  kind: 'stream' | 'whole';
}

export function recordedFixtures(): RecordedFixture[] {
  return readdirSync(FIXTURES_DIR, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((d) =>
      readdirSync(new URL(`${d.name}/`, FIXTURES_DIR)).flatMap((file): RecordedFixture[] => {
        if (file.endsWith('.chunks.txt')) return [{ name: `${d.name}/${file.slice(0, -'.chunks.txt'.length)}`, kind: 'stream' }];
        if (file.endsWith('.json') && !file.endsWith('.accepted-replay.json')) return [{ name: `${d.name}/${file.slice(0, -'.json'.length)}`, kind: 'whole' }];
        return [];
      }),
    );
}

export interface Translated {
  /** The Responses events (a whole answer has none: it is one JSON response). */
  events: ResponsesStreamEvent[];
  response: ResponsesResponse;
}

/**
 * A stream's recorded bytes, cut into odd-sized pieces as a network would, through the real SSE
 * parser and the translator; a whole answer as the server converts a blocking reply.
 */
export async function translateFixture(fixture: RecordedFixture, quirks: ProviderQuirks, tools: ResponsesRequest['tools']): Promise<Translated> {
  const { toolNames } = convertToChatTools(tools);
  const context = { responseId: 'resp_fixture', model: 'm', createdAt: 1764000000, toolNames, upstreamHost: 'provider.example', quirks };
  if (fixture.kind === 'whole') {
    const body = JSON.parse(readFileSync(new URL(`${fixture.name}.json`, FIXTURES_DIR), 'utf8')) as ChatResponse;
    return { events: [], response: convertChatResponseToResponse(body, context) };
  }
  const bytes = readFileSync(new URL(`${fixture.name}.chunks.txt`, FIXTURES_DIR));
  async function* pieces() {
    for (let i = 0, size = 1; i < bytes.length; i += size, size = (size * 7) % 61 + 1) yield bytes.subarray(i, i + size);
  }
  const translator = new ChatStreamToResponsesEvents(context);
  const events = [...translator.start()];
  let sawDone = false;
  for await (const event of parseSseBytes(pieces())) {
    if (event.type === 'done') {
      sawDone = true;
      break;
    }
    if (event.type === 'chunk') events.push(...translator.push(event.chunk));
  }
  events.push(...translator.end({ sawDone }));
  return { events, response: (events.at(-1) as unknown as { response: ResponsesResponse }).response };
}

/**
 * The chat request Codex's next turn becomes: the answer replayed verbatim as history, each of
 * its calls answered (or, after a text answer, the user speaking again).
 */
export function nextRequestAfter(output: ResponsesResponse['output'], quirks: ProviderQuirks, tools: ResponsesRequest['tools']): ChatRequest {
  const calls = output.filter((item) => item.type === 'function_call' || item.type === 'custom_tool_call') as Array<{ type: string; call_id: string }>;
  const input = [
    { type: 'message', role: 'user', content: 'What is the weather in Florence?' },
    ...output,
    ...calls.map((call) => ({ type: call.type === 'custom_tool_call' ? 'custom_tool_call_output' : 'function_call_output', call_id: call.call_id, output: '40 C' })),
    ...(calls.length === 0 ? [{ type: 'message', role: 'user', content: 'Thanks.' }] : []),
  ];
  return convertToChatRequest({ model: 'm', stream: true, tools, input: input as ResponsesRequest['input'] }, { model: 'up', quirks }).request;
}

/** The assistant message the provider accepted in the recorded request that followed, if it was recorded. */
export function acceptedReplay(name: string): Record<string, any> | undefined {
  const file = new URL(`${name}.accepted-replay.json`, FIXTURES_DIR);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, any>) : undefined;
}
