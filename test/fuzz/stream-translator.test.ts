// Property tests of the stream translator (Chat Completions chunks → Responses events), the part
// of the bridge whose mistakes Codex acts on: an `output_item.done` is recorded and a tool call in
// it is run. Whatever the upstream sends:
// - the events start with response.created and end with exactly one response.completed,
//   response.incomplete (finish_reason length) or response.failed, and nothing comes after it;
// - every output_item.added gets exactly one output_item.done, unless the response failed (then at
//   most one); deltas only arrive for an item between the two;
// - a function call is only ever done with the whole of its arguments (the concatenation of every
//   fragment), and never when the stream was cut before it finished;
// - usage is non-negative integers that add up; every event serialises.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ChatStreamToResponsesEvents, type ResponseContext } from '../../src/translate/chat-stream-to-responses-events.js';
import { convertToChatTools } from '../../src/translate/convert-to-chat-tools.js';
import { decodeReasoningEnvelope } from '../../src/translate/reasoning-envelope.js';
import { resolveToolName, type ToolNameMap } from '../../src/translate/tool-name-map.js';
import type { ChatChunk, ResponsesStreamEvent } from '../../src/translate/types.js';
import { codexTools, junkChunk, planToChunks, streamPlan, streamShape, type StreamPlan } from './arbitraries.js';
import { fuzzParameters, fuzzTimeout } from './fuzz-config.js';

const RESPONSE_ID = 'resp_0123456789abcdef';

function context(toolNames: ToolNameMap): ResponseContext {
  return { responseId: RESPONSE_ID, model: 'mock-model', createdAt: 1_700_000_000, toolNames, previousResponseId: null, upstreamHost: 'upstream.test' };
}

type Ending = { kind: 'end'; sawDone: boolean } | { kind: 'fail' };

/** Drives the translator the way the server does; every call must return, never throw. */
function run(toolNames: ToolNameMap, chunks: unknown[], ending: Ending): ResponsesStreamEvent[] {
  const translator = new ChatStreamToResponsesEvents(context(toolNames));
  const events = [...translator.start()];
  for (const chunk of chunks) events.push(...translator.push(chunk as ChatChunk));
  if (ending.kind === 'end') events.push(...translator.end({ sawDone: ending.sawDone }));
  else events.push(...translator.fail({ code: 'upstream_disconnected', message: 'the upstream stream broke' }));
  // Once over, it stays over.
  expect(translator.finished).toBe(true);
  expect(translator.push({ choices: [{ index: 0, delta: { content: 'late' } }] })).toEqual([]);
  expect(translator.end({ sawDone: true })).toEqual([]);
  expect(translator.fail({ code: 'x', message: 'y' })).toEqual([]);
  return events;
}

const isSafeCount = (n: unknown) => Number.isSafeInteger(n) && (n as number) >= 0;

interface Checked {
  failed: boolean;
  /** Ended in response.incomplete (the output limit cut the answer). */
  incomplete: boolean;
  /** Items that got output_item.done, in event order. */
  doneItems: Array<Record<string, any>>;
}

/** The invariants every event sequence must meet. */
function checkEvents(events: ResponsesStreamEvent[]): Checked {
  for (const event of events) expect(() => JSON.stringify(event)).not.toThrow();
  expect(events[0].type).toBe('response.created');
  expect(events[1].type).toBe('response.in_progress');
  const terminalAt = events.findIndex((e) => e.type === 'response.completed' || e.type === 'response.incomplete' || e.type === 'response.failed');
  expect(terminalAt).toBe(events.length - 1);
  const terminal = events[terminalAt];
  const failed = terminal.type === 'response.failed';
  const incomplete = terminal.type === 'response.incomplete';
  const response = terminal.response as Record<string, any>;
  expect(response.id).toBe(RESPONSE_ID);
  expect(response.status).toBe(failed ? 'failed' : incomplete ? 'incomplete' : 'completed');
  expect(response.incomplete_details).toEqual(incomplete ? { reason: 'max_output_tokens' } : null);
  if (failed) {
    expect(typeof response.error?.code).toBe('string');
    expect(response.error.message).toMatch(/\S/);
  } else {
    expect(response.error).toBeNull();
  }

  const usage = response.usage;
  for (const n of [usage.input_tokens, usage.output_tokens, usage.total_tokens, usage.input_tokens_details.cached_tokens, usage.output_tokens_details.reasoning_tokens]) {
    expect(isSafeCount(n), `usage ${JSON.stringify(usage)}`).toBe(true);
  }
  expect(usage.input_tokens_details.cached_tokens).toBeLessThanOrEqual(usage.input_tokens);
  expect(usage.output_tokens_details.reasoning_tokens).toBeLessThanOrEqual(usage.output_tokens);

  const added = new Map<string, { outputIndex: number; type: string }>();
  const done = new Map<string, Record<string, any>>();
  const deltas = new Map<string, string>();
  const doneItems: Array<Record<string, any>> = [];
  const outputIndexes = new Set<number>();
  for (const event of events.slice(0, -1)) {
    expect(event.type).not.toMatch(/^response\.(completed|failed|incomplete)$|^error$/);
    if ('response' in event) expect((event.response as { id: string }).id).toBe(RESPONSE_ID);
    if (event.type === 'response.output_item.added') {
      const item = event.item as Record<string, any>;
      expect(typeof item.id).toBe('string');
      expect(added.has(item.id)).toBe(false);
      expect(outputIndexes.has(event.output_index as number)).toBe(false);
      outputIndexes.add(event.output_index as number);
      added.set(item.id, { outputIndex: event.output_index as number, type: item.type });
      continue;
    }
    if (event.type === 'response.output_item.done') {
      const item = event.item as Record<string, any>;
      expect(added.get(item.id)).toEqual({ outputIndex: event.output_index, type: item.type });
      expect(done.has(item.id)).toBe(false);
      done.set(item.id, item);
      doneItems.push(item);
      const streamed = deltas.get(item.id) ?? '';
      if (item.type === 'function_call') {
        // The whole arguments, exactly what was streamed ("{}" for nothing, which Codex can parse).
        expect(item.arguments).toBe(streamed.trim() === '' ? '{}' : streamed);
        expect(item.call_id).toMatch(/\S/);
        expect(item.name).toMatch(/\S/);
      } else if (item.type === 'message') {
        expect(item.content[0].text).toBe(streamed);
      } else if (item.type === 'reasoning' && item.summary.length === 0) {
        // Replay state only: shows nothing, carries reasoning_details or tool-call extras.
        const envelope = decodeReasoningEnvelope(item.encrypted_content);
        expect(envelope?.text).toBe('');
        expect(envelope?.details ?? envelope?.toolCallExtras).toBeDefined();
      } else if (item.type === 'reasoning') {
        expect(item.summary[0].text).toBe(streamed);
        expect(decodeReasoningEnvelope(item.encrypted_content)?.text).toBe(streamed);
      } else if (item.type === 'custom_tool_call') {
        expect(item.input).toBe(streamed);
        expect(item.call_id).toMatch(/\S/);
      } else {
        throw new Error(`unexpected item type ${item.type}`);
      }
      continue;
    }
    if (typeof event.item_id === 'string') {
      // Any other item event: only between added and done.
      expect(added.has(event.item_id), event.type).toBe(true);
      expect(done.has(event.item_id), event.type).toBe(false);
      if (typeof event.delta === 'string' && event.type.endsWith('.delta')) {
        deltas.set(event.item_id, (deltas.get(event.item_id) ?? '') + event.delta);
      }
    }
  }
  if (!failed) {
    expect([...added.keys()].filter((id) => !done.has(id))).toEqual([]);
    const sorted = [...done.values()].sort((a, b) => added.get(a.id)!.outputIndex - added.get(b.id)!.outputIndex);
    expect(response.output).toEqual(sorted);
    expect(response.output_text).toBe(sorted.filter((i) => i.type === 'message').map((i) => i.content[0].text).join(''));
  }
  return { failed, incomplete, doneItems };
}

const isJson = (text: string) => {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
};

/** Tools as Codex offers them, and a plan for what the model streams back. */
const toolsAndPlan = codexTools.chain(({ tools }) => {
  const { toolNames } = convertToChatTools(tools);
  return fc.record({ toolNames: fc.constant(toolNames), plan: streamPlan([...toolNames.keys()]), shape: streamShape });
});

/** Gives every planned call a distinct id (a provider never repeats one within a response). */
function distinctIds(plan: StreamPlan): StreamPlan {
  return { ...plan, calls: plan.calls.map((call, i) => ({ ...call, id: call.id === undefined ? undefined : `${call.id}_${i}` })) };
}

describe('stream translator, any chunks', () => {
  it(
    'arbitrary chunk sequences: the invariants hold, nothing throws',
    () => {
      fc.assert(
        fc.property(
          codexTools,
          fc.array(junkChunk, { maxLength: 12 }),
          fc.oneof(fc.record({ kind: fc.constant('end' as const), sawDone: fc.boolean() }), fc.constant({ kind: 'fail' as const })),
          ({ tools }, chunks, ending) => {
            checkEvents(run(convertToChatTools(tools).toolNames, chunks, ending));
          },
        ),
        fuzzParameters(2),
      );
    },
    fuzzTimeout(15, 2),
  );

  it(
    'real streams with junk chunks spliced in: the invariants hold',
    () => {
      fc.assert(
        fc.property(toolsAndPlan, fc.array(fc.tuple(fc.nat(), junkChunk), { maxLength: 4 }), fc.boolean(), ({ toolNames, plan, shape }, splices, sawDone) => {
          const chunks: unknown[] = planToChunks(distinctIds(plan), shape);
          for (const [at, chunk] of splices) chunks.splice(at % (chunks.length + 1), 0, chunk);
          checkEvents(run(toolNames, chunks, { kind: 'end', sawDone }));
        }),
        fuzzParameters(),
      );
    },
    fuzzTimeout(15),
  );
});

describe('stream translator, real streams fragmented anywhere', () => {
  it(
    'a finished stream gives back exactly what the model sent: texts, calls and their whole arguments',
    () => {
      fc.assert(
        fc.property(toolsAndPlan, ({ toolNames, plan: rawPlan, shape }) => {
          const plan = distinctIds(rawPlan);
          // Finished: a finish_reason, or [DONE] without one.
          const sawDone = plan.finish === null ? true : plan.sawDone;
          const chunks = planToChunks(plan, shape);
          const { failed, incomplete, doneItems } = checkEvents(run(toolNames, chunks, { kind: 'end', sawDone }));

          const maybeTruncated = plan.finish === 'length' || plan.finish === null;
          const badArguments = plan.calls.some((call) => !isJson(call.args || '{}'));
          expect(failed).toBe(maybeTruncated && badArguments);
          expect(incomplete).toBe(!failed && plan.finish === 'length');
          if (failed) {
            // Cut short by a length limit in the middle of the arguments: no call is handed over.
            expect(doneItems.filter((i) => i.type === 'function_call' || i.type === 'custom_tool_call')).toEqual([]);
            return;
          }

          const expected: Array<Record<string, unknown>> = [];
          if (plan.reasoning !== '') expected.push({ type: 'reasoning', text: plan.reasoning });
          if (plan.text !== '') expected.push({ type: 'message', text: plan.text });
          // Calls come back in the order they started arriving (parallel calls may start out of order).
          const firstFragments = chunks.flatMap((c) => (c.choices?.[0]?.delta?.tool_calls ?? []).filter((t) => t.function?.name !== undefined));
          const arrival = firstFragments.map((t) => plan.calls.findIndex((_, i) => (plan.calls[i].id ?? `call_fuzz_${i}`) === t.id));
          expect([...arrival].sort()).toEqual(plan.calls.map((_, i) => i));
          arrival.forEach((index) => {
            const call = plan.calls[index];
            const identity = resolveToolName(toolNames, call.name);
            const id = call.id ?? `call_fuzz_${index}`;
            if (identity.kind === 'custom') {
              const parsed = (() => {
                try {
                  return JSON.parse(call.args) as unknown;
                } catch {
                  return undefined;
                }
              })();
              const input =
                parsed && typeof parsed === 'object' && typeof (parsed as { input?: unknown }).input === 'string'
                  ? (parsed as { input: string }).input
                  : typeof parsed === 'string'
                    ? parsed
                    : call.args;
              expected.push({ type: 'custom_tool_call', name: identity.name, call_id: id, input });
            } else {
              expected.push({
                type: 'function_call',
                name: identity.name,
                ...(identity.namespace !== undefined && { namespace: identity.namespace }),
                call_id: id,
                arguments: call.args.trim() === '' ? '{}' : call.args,
              });
            }
          });
          const got = doneItems.map((item) =>
            item.type === 'reasoning'
              ? { type: 'reasoning', text: item.summary[0].text }
              : item.type === 'message'
                ? { type: 'message', text: item.content[0].text }
                : item.type === 'custom_tool_call'
                  ? { type: item.type, name: item.name, call_id: item.call_id, input: item.input }
                  : { type: item.type, name: item.name, ...(item.namespace !== undefined && { namespace: item.namespace }), call_id: item.call_id, arguments: item.arguments },
          );
          expect(got).toEqual(expected);
        }),
        fuzzParameters(2),
      );
    },
    fuzzTimeout(15, 2),
  );

  it(
    'a stream cut anywhere before it finished fails, and no tool call of it is ever done',
    () => {
      fc.assert(
        fc.property(toolsAndPlan, fc.double({ min: 0, max: 1, noNaN: true }), fc.boolean(), ({ toolNames, plan, shape }, where, viaError) => {
          const chunks = planToChunks(distinctIds(plan), shape);
          // Everything before the finish_reason chunk can be the last thing to arrive.
          const finishAt = chunks.findIndex((c) => c.choices?.[0]?.finish_reason !== undefined && c.choices?.[0]?.finish_reason !== null);
          const cutAt = Math.floor(where * (finishAt === -1 ? chunks.length : finishAt));
          const prefix: unknown[] = chunks.slice(0, cutAt);
          // The cut is the connection dropping (no [DONE]), or an error object in the stream.
          if (viaError) prefix.push({ error: { message: 'Internal error, please retry', code: 500 } });
          const { failed, doneItems } = checkEvents(run(toolNames, prefix, { kind: 'end', sawDone: false }));
          expect(failed).toBe(true);
          expect(doneItems.filter((i) => i.type === 'function_call' || i.type === 'custom_tool_call')).toEqual([]);
        }),
        fuzzParameters(),
      );
    },
    fuzzTimeout(15),
  );

  it(
    'the arguments of a call split at every possible point come back whole',
    () => {
      fc.assert(
        fc.property(fc.dictionary(fc.string({ maxLength: 5 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }), (value) => {
          const args = JSON.stringify(value);
          const toolNames: ToolNameMap = new Map([['exec_command', { name: 'exec_command', kind: 'function' }]]);
          for (let at = 0; at <= args.length; at++) {
            const chunks: ChatChunk[] = [
              { choices: [{ index: 0, delta: { tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'exec_command', arguments: args.slice(0, at) } }] } }] },
              { choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: args.slice(at) } }] } }] },
              { choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls' }] },
            ];
            const events = run(toolNames, chunks, { kind: 'end', sawDone: true });
            // The full invariants for a few split points; for the rest, just the call (fast).
            if (at % 16 === 0) checkEvents(events);
            const done = events.filter((e) => e.type === 'response.output_item.done').map((e) => e.item as Record<string, unknown>);
            if (events.at(-1)!.type !== 'response.completed' || done.length !== 1 || done[0].arguments !== args || done[0].call_id !== 'call_1') {
              throw new Error(`split at ${at}: ${JSON.stringify(done)}`);
            }
          }
        }),
        fuzzParameters(0.2),
      );
    },
    fuzzTimeout(60, 0.2),
  );

  it('usage from a broken upstream (1e21, 1e308, 2^64) still reaches Codex as safe integers, never "1e+21"', () => {
    const usage = { prompt_tokens: 1e21, completion_tokens: 1e308, total_tokens: 2 ** 64, prompt_tokens_details: { cached_tokens: 1e300 } };
    const events = run(new Map(), [{ choices: [{ index: 0, delta: { content: 'hi' }, finish_reason: 'stop' }], usage }], { kind: 'end', sawDone: true });
    checkEvents(events);
    expect(JSON.stringify(events.at(-1))).not.toMatch(/e\+\d/);
  });

  describe('servers that reuse index 0 for every parallel call (found by the properties above)', () => {
    const fragment = (toolCall: Record<string, unknown>, finish: string | null = null) => ({ choices: [{ index: 0, delta: { tool_calls: [toolCall] }, finish_reason: finish }] });
    const calls = (events: ResponsesStreamEvent[]) =>
      checkEvents(events).doneItems.filter((i) => i.type === 'function_call').map((i) => [i.call_id, i.name, i.arguments]);

    it('a second call\'s fragments continue the second call, not the first', () => {
      const events = run(new Map(), [
        fragment({ index: 0, id: 'a', function: { name: 'exec_command', arguments: '{"cmd":' } }),
        fragment({ index: 0, function: { arguments: '"ls"}' } }),
        fragment({ index: 0, id: 'b', function: { name: 'write_stdin', arguments: '{"chars":' } }),
        fragment({ index: 0, function: { arguments: '"y"}' } }, 'tool_calls'),
      ], { kind: 'end', sawDone: true });
      expect(calls(events)).toEqual([['a', 'exec_command', '{"cmd":"ls"}'], ['b', 'write_stdin', '{"chars":"y"}']]);
    });

    it('a call without arguments is not merged with the next one', () => {
      const events = run(new Map(), [
        fragment({ index: 0, id: 'a', function: { name: 'get_goal', arguments: '' } }),
        fragment({ index: 0, id: 'b', function: { name: 'exec_command', arguments: '{"cmd":"ls"}' } }, 'tool_calls'),
      ], { kind: 'end', sawDone: true });
      expect(calls(events)).toEqual([['a', 'get_goal', '{}'], ['b', 'exec_command', '{"cmd":"ls"}']]);
    });
  });
});
