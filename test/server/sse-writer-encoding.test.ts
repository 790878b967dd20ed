import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeEvent, SseWriter, type SseEvent } from '../../src/server/sse-writer.js';
import { deepFreeze } from '../../src/translate/deep-freeze.js';

// The SSE writer's fast paths (delta events written straight from their fields, frames of one tick
// written together) must not change a single byte of what the client reads.

/** What every frame was before the fast path: a copy with sequence_number second, stringified. */
function reference(event: SseEvent, sequence: number): string {
  const { type, sequence_number: _ignored, ...rest } = event;
  return JSON.stringify({ type, sequence_number: sequence, ...rest });
}

const DELTA_TYPES = [
  'response.output_text.delta',
  'response.reasoning_summary_text.delta',
  'response.function_call_arguments.delta',
  'response.custom_tool_call_input.delta',
];

const value = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.integer(),
  fc.double(),
  fc.constant([]),
  fc.array(fc.integer(), { maxLength: 2 }),
  fc.constant(null),
  fc.constant(undefined),
  fc.boolean(),
  fc.dictionary(fc.string({ maxLength: 3 }), fc.integer(), { maxKeys: 2 }),
);

describe('encodeEvent', () => {
  it('writes the delta events the translator makes exactly as JSON.stringify would', () => {
    const events: SseEvent[] = [
      { type: 'response.output_text.delta', item_id: 'msg_abc_1', output_index: 0, content_index: 0, delta: 'hé "quoted" \n\u2028 😀', logprobs: [] },
      { type: 'response.reasoning_summary_text.delta', item_id: 'rs_abc_0', output_index: 0, summary_index: 0, delta: '**Thinking**' },
      { type: 'response.function_call_arguments.delta', item_id: 'fc_abc_2', output_index: 1, delta: '{"cmd":"ls \\\\"}' },
      { type: 'response.custom_tool_call_input.delta', item_id: 'fc_abc_3', output_index: 2, delta: '*** Begin Patch\n' },
      { type: 'response.output_text.delta', item_id: 'msg_abc_1', output_index: 0, content_index: 0, delta: 'lone \ud800 surrogate', logprobs: [] },
    ];
    for (const [i, event] of events.entries()) expect(encodeEvent(event, i * 1000)).toBe(reference(event, i * 1000));
  });

  it('falls back to the copy for anything else, with the same text', () => {
    const odd: SseEvent[] = [
      { type: 'response.output_text.delta', item_id: 'm', output_index: 0, content_index: 0, delta: 'x', logprobs: [], extra: 1 },
      { type: 'response.output_text.delta', item_id: 'm', content_index: 0, output_index: 0, delta: 'x', logprobs: [] },
      { type: 'response.output_text.delta', item_id: 'm', output_index: 0, content_index: 0, delta: 'x', logprobs: [{ token: 'x' }] },
      { type: 'response.output_text.delta', item_id: 'm', output_index: 0.5, content_index: 0, delta: 'x', logprobs: [] },
      { type: 'response.output_text.delta', item_id: 'm', output_index: Number.NaN, content_index: 0, delta: 'x', logprobs: [] },
      { type: 'response.output_text.delta', item_id: undefined, output_index: 0, content_index: 0, delta: 'x', logprobs: [] },
      { type: 'response.function_call_arguments.delta', item_id: 'f', output_index: 0, delta: 'x', sequence_number: 7 },
      { item_id: 'f', type: 'response.function_call_arguments.delta', output_index: 0, delta: 'x' },
      { type: 'response.function_call_arguments.delta', 1: 'one', item_id: 'f', output_index: 0 },
      Object.assign(Object.create({ inherited: true }), { type: 'response.function_call_arguments.delta', item_id: 'f', output_index: 0, delta: 'x' }),
      { type: 'response.created', response: { id: 'r', output: [] } },
    ];
    for (const event of odd) expect(encodeEvent(event, 3)).toBe(reference(event, 3));
  });

  it('writes lifecycle events, whose frozen members have their JSON kept, as JSON.stringify would', () => {
    const tools = deepFreeze([{ type: 'function', name: 'exec_command', description: 'Run "it"\n', parameters: { type: 'object' }, strict: false }]);
    const response = (status: string) => ({ id: 'resp_1', status, skipped: undefined, fn: () => 1, tools, text: deepFreeze({ format: { type: 'text' } }), metadata: {}, output: [] });
    for (const [i, status] of ['in_progress', 'in_progress', 'completed'].entries()) {
      const event: SseEvent = { type: `response.${status}`, response: response(status) };
      expect(encodeEvent(event, i)).toBe(reference(event, i));
    }
    const withToJson: SseEvent = { type: 'response.created', response: { id: 'r', toJSON: () => 'custom' } };
    expect(encodeEvent(withToJson, 9)).toBe(reference(withToJson, 9));
  });

  it('agrees with JSON.stringify on arbitrary events', () => {
    const event = fc
      .tuple(
        fc.constantFrom(...DELTA_TYPES, 'response.completed', 'x'),
        fc.array(fc.tuple(fc.constantFrom('item_id', 'output_index', 'content_index', 'summary_index', 'delta', 'logprobs', 'sequence_number', 'other', '0', 'response'), fc.oneof(value, fc.dictionary(fc.string({ maxLength: 3 }), value, { maxKeys: 3 }))), {
          maxLength: 7,
        }),
      )
      .map(([type, fields]) => {
        const e: SseEvent = { type };
        for (const [key, v] of fields) (e as Record<string, unknown>)[key] = v;
        return e;
      });
    // Also the exact shapes, so the fast path itself gets random values.
    const mostly = <T,>(good: fc.Arbitrary<T>) => fc.oneof({ weight: 6, arbitrary: good }, { weight: 1, arbitrary: value });
    const delta = fc.record({
      type: fc.constant('response.output_text.delta'),
      item_id: mostly(fc.string({ unit: 'binary' })),
      output_index: mostly(fc.nat()),
      content_index: mostly(fc.integer()),
      delta: mostly(fc.string({ unit: 'binary' })),
      logprobs: mostly(fc.constant([])),
    });
    fc.assert(
      fc.property(fc.oneof(event, delta), fc.nat(), (e, sequence) => {
        expect(encodeEvent(e as SseEvent, sequence)).toBe(reference(e as SseEvent, sequence));
      }),
      { numRuns: 2000 },
    );
  });
});

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

async function body(onRequest: (sse: SseWriter) => Promise<void> | void): Promise<string> {
  server = createServer((_req, res) => void onRequest(new SseWriter(res)));
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const res = await new Promise<IncomingMessage>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/', agent: false }, resolve);
    req.on('error', reject);
    req.end();
  });
  res.setEncoding('utf8');
  let text = '';
  for await (const piece of res) text += piece;
  return text;
}

describe('SseWriter batching', () => {
  it('keeps every frame, in order, whether sent in one tick, across ticks or past the write-now size', async () => {
    const big = 'y'.repeat(40_000);
    const text = await body(async (sse) => {
      void sse.send({ type: 'a', n: 1 });
      void sse.comment('between');
      void sse.send({ type: 'response.output_text.delta', item_id: 'm', output_index: 0, content_index: 0, delta: 'hi', logprobs: [] });
      await sse.send({ type: 'big', blob: big });
      await new Promise((resolve) => setTimeout(resolve, 5));
      void sse.send({ type: 'b', n: 2 });
      await new Promise((resolve) => setImmediate(resolve));
      void sse.send({ type: 'c', n: 3 });
      sse.end();
      void sse.send({ type: 'after end' });
    });
    expect(text).toBe(
      'event: a\ndata: {"type":"a","sequence_number":0,"n":1}\n\n' +
        ': between\n\n' +
        'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","sequence_number":1,"item_id":"m","output_index":0,"content_index":0,"delta":"hi","logprobs":[]}\n\n' +
        `event: big\ndata: {"type":"big","sequence_number":2,"blob":"${big}"}\n\n` +
        'event: b\ndata: {"type":"b","sequence_number":3,"n":2}\n\n' +
        'event: c\ndata: {"type":"c","sequence_number":4,"n":3}\n\n',
    );
  });
});
