import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HttpError } from './send-json.js';
import { MAX_JSON_DEPTH, parseJsonBody, ReusedValues, scanJsonBody } from './parse-json-body.js';
import { isDeepFrozen } from '../translate/deep-freeze.js';
import { FUZZ_RUNS } from '../../test/fuzz/fuzz-config.js';

const FIXTURES = new URL('../../test/fixtures/codex-0.169/', import.meta.url);
/** Every request body Codex 0.169 was captured sending. */
const codexBodies: unknown[] = readdirSync(FIXTURES)
  .filter((name) => name.endsWith('.json') && name !== 'model-catalog-minimal.json')
  .flatMap((name) => (JSON.parse(readFileSync(new URL(name, FIXTURES), 'utf8')) as Array<{ body?: unknown }>).map((request) => request.body))
  .filter((body) => body && typeof body === 'object');

function failure(text: string): HttpError {
  try {
    parseJsonBody(Buffer.from(text));
  } catch (error) {
    expect(error).toBeInstanceOf(HttpError);
    return error as HttpError;
  }
  throw new Error(`parsed ${text.slice(0, 40)}`);
}

const big = (label: string) => ({ type: 'function', name: label, description: `${label} ${'does things — carefully. '.repeat(80)}` });

describe('parseJsonBody', () => {
  it('parses JSON', () => {
    expect(parseJsonBody(Buffer.from('{"a":[1,2]}'))).toEqual({ a: [1, 2] });
  });

  it.each([
    ['', /body is empty/],
    ['  \n', /body is empty/],
    ['{"a":', /request body is not valid JSON: /],
    ['nope', /request body is not valid JSON: /],
  ])('answers 400 for %j', (text, message) => {
    const error = failure(text);
    expect(error.status).toBe(400);
    expect(error.code).toBe('invalid_json');
    expect(error.message).toMatch(message);
  });

  it(`refuses bodies nested deeper than ${MAX_JSON_DEPTH} levels, brackets inside strings aside`, () => {
    const deep = `{"input":${'['.repeat(MAX_JSON_DEPTH)}${']'.repeat(MAX_JSON_DEPTH)}}`;
    expect(failure(deep).code).toBe('json_too_deep');
    const shallow = `{"input":${'['.repeat(MAX_JSON_DEPTH - 1)}${']'.repeat(MAX_JSON_DEPTH - 1)},"text":"${'['.repeat(5000)}\\"["}`;
    expect(parseJsonBody(Buffer.from(shallow))).toEqual(JSON.parse(shallow));
  });

  it('gives every captured Codex request back as JSON.parse does, the second time from the parts it kept', () => {
    expect(codexBodies.length).toBeGreaterThan(5);
    for (const body of codexBodies) {
      const bytes = Buffer.from(JSON.stringify(body));
      const first = parseJsonBody(bytes) as { tools?: unknown[]; input?: unknown[] };
      const second = parseJsonBody(Buffer.from(bytes)) as { tools?: unknown[]; input?: unknown[] };
      expect(first).toEqual(body);
      expect(second).toEqual(body);
      if (Array.isArray(second.tools) && JSON.stringify(second.tools).length >= 1024) {
        // The same value, not a copy, and frozen: no request can change it under the next.
        expect(second.tools).toBe(first.tools);
        expect(isDeepFrozen(second.tools)).toBe(true);
        expect(() => (second.tools as unknown[]).push(1)).toThrow(TypeError);
      }
      expect(Object.isFrozen(second)).toBe(false);
    }
  });

  it('reuses large input items by their bytes, wherever they sit in the array', () => {
    const instructions = { type: 'message', role: 'developer', content: [{ type: 'input_text', text: 'Be terse — always. '.repeat(200) }] };
    const one = parseJsonBody(Buffer.from(JSON.stringify({ input: [instructions, { type: 'message', role: 'user', content: 'hi' }] }))) as { input: unknown[] };
    const two = parseJsonBody(Buffer.from(JSON.stringify({ model: 'm', input: [{ type: 'message', role: 'user', content: 'first' }, instructions] }))) as {
      input: unknown[];
    };
    expect(two.input[1]).toBe(one.input[0]);
    expect(two.input[0]).toEqual({ type: 'message', role: 'user', content: 'first' });
    expect(isDeepFrozen(one.input[1] as object)).toBe(false); // small items are parsed as usual
  });

  it('lets JSON.parse decide when a member appears twice or a key is escaped', () => {
    const tools = JSON.stringify([big('a'), big('b')]);
    for (const text of [
      `{"tools":${tools},"tools":null}`,
      `{"tools":null,"tools":${tools}}`,
      `{"tools":${tools},"tool\\u0073":[1]}`,
      `{"input":[${JSON.stringify(big('c'))}],"input":"x"}`,
      `{"tools": \n ${tools} , "n": 1, "input" : [ 1 , ${JSON.stringify(big('d'))} ] }`,
    ]) {
      expect(parseJsonBody(Buffer.from(text))).toEqual(JSON.parse(text));
    }
  });

  it('reports a body that breaks inside or around a kept part in JSON.parse’s words', () => {
    const tools = JSON.stringify([big('e')]);
    parseJsonBody(Buffer.from(`{"tools":${tools}}`)); // now kept
    for (const text of [`{"tools":${tools},}`, `{"tools":${tools}`, `{"tools":${tools.slice(0, -3)}}`, `{"tools":${tools} "x":1}`]) {
      let expected = '';
      try {
        JSON.parse(text);
      } catch (error) {
        expected = (error as Error).message;
      }
      expect(expected).not.toBe('');
      expect(failure(text).message).toBe(`request body is not valid JSON: ${expected}`);
    }
  });

  it('finds only top-level tools and the object items of top-level input', () => {
    const text = `{"x":{"tools":[1]},"tools":[2],"input":[{"a":"]"},"s",[3],{"b":{}}],"y":"\\"tools\\""}`;
    const spans = scanJsonBody(Buffer.from(text), 10).spans.map((span) => [span.member, span.index, text.slice(span.start, span.end)]);
    expect(spans).toEqual([
      ['tools', undefined, '[2]'],
      ['input', 0, '{"a":"]"}'],
      ['input', 2, '[3]'],
      ['input', 3, '{"b":{}}'],
    ]);
  });

  it('agrees with JSON.parse on any JSON, reformatted or broken', () => {
    const item = fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.constant(big('f')), fc.constant(big('g')));
    const body = fc.record(
      { model: fc.string(), tools: fc.array(item, { maxLength: 4 }), input: fc.oneof(fc.string(), fc.array(item, { maxLength: 5 })), other: fc.jsonValue({ maxDepth: 3 }) },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(body, fc.constantFrom(undefined, 1, '\t'), fc.option(fc.tuple(fc.nat(), fc.nat(255)), { nil: undefined }), (value, space, corruption) => {
        const bytes = Buffer.from(JSON.stringify(value, null, space));
        if (corruption) bytes[corruption[0] % bytes.length] = corruption[1];
        let expected: unknown;
        let expectedError = false;
        try {
          expected = JSON.parse(bytes.toString('utf8'));
        } catch {
          expectedError = true;
        }
        // Twice: the second time from whatever the first one kept.
        for (let round = 0; round < 2; round++) {
          if (expectedError) expect(() => parseJsonBody(bytes)).toThrow(HttpError);
          else expect(parseJsonBody(bytes)).toEqual(expected);
        }
      }),
      { numRuns: FUZZ_RUNS },
    );
  });
});

describe('ReusedValues', () => {
  const value = (n: number) => Buffer.from(`[${String(n).padStart(198, '0')}]`);

  it('finds a kept value where its bytes start, telling apart values with the same start', () => {
    const cache = new ReusedValues();
    expect(cache.keep(value(1), 0, 200, 'one')).toBe(true);
    cache.keep(Buffer.concat([value(2), Buffer.from('tail')]), 0, 200, 'two');
    expect(cache.findAt(value(2), 0)?.value).toBe('two');
    expect(cache.findAt(Buffer.concat([Buffer.from('xx'), value(1), Buffer.from(',')]), 2)).toMatchObject({ value: 'one', length: 200, depth: 1 });
    expect(cache.findAt(value(3), 0)).toBeUndefined();
    expect(cache.findAt(value(1).subarray(0, 199), 0)).toBeUndefined(); // cut short
  });

  it('knows how deep a kept value nests, and the scan still refuses a body that nests too deep through it', () => {
    const deepItem = `{"type":"message","content":${'['.repeat(900)}"${'x'.repeat(1100)}"${']'.repeat(900)}}`;
    const body = Buffer.from(`{"input":[${deepItem}]}`);
    const reused = new ReusedValues();
    const first = parseJsonBody(body, reused);
    expect(reused.findAt(Buffer.from(deepItem), 0)?.depth).toBe(901);
    expect(parseJsonBody(body, reused)).toEqual(first); // skipped over, within the limit
    const scan = scanJsonBody(body, 500, reused.findAt);
    expect(scan.tooDeep).toBe(true);
    expect(scanJsonBody(body, 903, reused.findAt)).toMatchObject({ tooDeep: false, depth: 903 });
  });
});

describe('parseJsonBody keeping values', () => {
  it('keeps a value parsed with the rest of the body, frozen, for the next request', () => {
    const reused = new ReusedValues();
    const item = { type: 'function_call_output', call_id: 'call_1', output: 'line\n'.repeat(300) };
    const text = JSON.stringify({ input: [item, { type: 'message', role: 'user', content: 'go on' }] });
    const first = parseJsonBody(Buffer.from(text), reused) as { input: object[] };
    expect(isDeepFrozen(first.input[0])).toBe(true);
    expect(Object.isFrozen(first.input)).toBe(false);
    const second = parseJsonBody(Buffer.from(text), reused) as { input: object[] };
    expect(second.input[0]).toBe(first.input[0]);
    expect(second).toEqual(JSON.parse(text));
  });

  it('leaves values unfrozen when it has no room to keep them', () => {
    const item = { type: 'function_call_output', call_id: 'call_2', output: 'x'.repeat(2000) };
    const parsed = parseJsonBody(Buffer.from(JSON.stringify({ input: [item] })), new ReusedValues(0)) as { input: object[] };
    expect(isDeepFrozen(parsed.input[0])).toBe(false);
    expect(parsed.input[0]).toEqual(item);
  });
});
