import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ChatChunkDecoder, classifyChunkData } from './chat-chunk-decoder.js';
import { FUZZ_RUNS } from '../../test/fuzz/fuzz-config.js';

const PROVIDERS = new URL('../../test/fixtures/providers/', import.meta.url);
/** The data of every event of every recorded provider stream, per stream. */
const recorded: Array<[string, string[]]> = readdirSync(PROVIDERS, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .flatMap((dir) =>
    readdirSync(new URL(`${dir.name}/`, PROVIDERS))
      .filter((name) => name.endsWith('.chunks.txt'))
      .map((name): [string, string[]] => [
        `${dir.name}/${name}`,
        readFileSync(new URL(`${dir.name}/${name}`, PROVIDERS), 'utf8')
          .split(/\r?\n/)
          .filter((line) => line.startsWith('data:'))
          .map((line) => line.slice(5).replace(/^ /, '')),
      ]),
  );

const openAiChunk = (delta: Record<string, unknown>, finish: string | null = null) =>
  JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] });

function decodeAll(datas: string[]) {
  const decoder = new ChatChunkDecoder();
  return { events: datas.map((data) => decoder.decode(data)), decoder };
}

describe('ChatChunkDecoder', () => {
  it('decodes every recorded provider stream exactly as JSON.parse does', () => {
    expect(recorded.length).toBeGreaterThan(10);
    let fast = 0;
    for (const [name, datas] of recorded) {
      const { events, decoder } = decodeAll(datas);
      expect(events, name).toEqual(datas.map(classifyChunkData));
      fast += decoder.fastDecodes;
    }
    expect(fast).toBeGreaterThan(0);
  });

  it('builds the chunks of a text stream from the first one, without parsing them', () => {
    const datas = [openAiChunk({ role: 'assistant', content: '' }), ...['Hel', 'lo', ', "world"', ' \\ ✓ \u2028', '\n'].map((text) => openAiChunk({ content: text })), openAiChunk({}, 'stop')];
    const { events, decoder } = decodeAll(datas);
    expect(events).toEqual(datas.map(classifyChunkData));
    expect(decoder.fastDecodes).toBeGreaterThanOrEqual(2);
  });

  it('parses a chunk whose literal is not one plain string, and a text that is a key elsewhere', () => {
    const base = openAiChunk({ content: 'x' });
    const [prefix, suffix] = base.split('"x"');
    const datas = [base, base, `${prefix}"a\\"b"${suffix}`, `${prefix}"a","content":"b"${suffix}`, `${prefix}"raw\ncontrol"${suffix}`, `${prefix}"ok"${suffix}`, `${prefix}"\\ud83c\\udf89"${suffix}`];
    expect(decodeAll(datas).events).toEqual(datas.map(classifyChunkData));
    const tricky = [JSON.stringify({ 'a"content': 'x', choices: [{ index: 0, delta: { content: 'y' } }] })];
    expect(decodeAll([...tricky, ...tricky]).events).toEqual([...tricky, ...tricky].map(classifyChunkData));
  });

  it('agrees with JSON.parse on any stream of chunks', () => {
    const text = fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.constantFrom('"', '\\', '\\"', '\n', '\u0000', 'content', '"content":"'));
    const delta = fc.oneof(
      text.map((t) => ({ content: t })),
      text.map((t) => ({ reasoning_content: t })),
      fc.tuple(text, text).map(([a, b]) => ({ content: a, reasoning_content: b })),
      fc.constant({ tool_calls: [{ index: 0, function: { arguments: '{"a":' } }] }),
    );
    const data = fc.oneof(
      { weight: 8, arbitrary: fc.tuple(delta, fc.constantFrom(null, 'stop')).map(([d, finish]) => openAiChunk(d, finish)) },
      { weight: 1, arbitrary: fc.constantFrom('[DONE]', '{not json', ' 42', 'null') },
      { weight: 1, arbitrary: fc.tuple(text, fc.nat(60)).map(([t, cut]) => openAiChunk({ content: t }).slice(0, cut)) },
    );
    fc.assert(
      fc.property(fc.array(data, { maxLength: 30 }), (datas) => {
        expect(decodeAll(datas).events).toEqual(datas.map(classifyChunkData));
      }),
      { numRuns: FUZZ_RUNS },
    );
  });
});
