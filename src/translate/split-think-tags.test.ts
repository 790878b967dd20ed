import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ThinkTagSplitter, type ThinkSegment } from './split-think-tags.js';

/** Feeds `pieces` one by one, then flushes; returns every segment in order. */
function feed(pieces: string[]): ThinkSegment[] {
  const splitter = new ThinkTagSplitter();
  const out = pieces.flatMap((p) => splitter.push(p));
  out.push(...splitter.flush());
  return out;
}

function joined(segments: ThinkSegment[]) {
  return {
    reasoning: segments.filter((s) => s.kind === 'reasoning').map((s) => s.text).join(''),
    content: segments.filter((s) => s.kind === 'content').map((s) => s.text).join(''),
  };
}

/** What the whole text means, decided at once: the reference the streaming splitter must match. */
function reference(text: string): { reasoning: string; content: string } {
  const trimmed = text.trimStart();
  if (!trimmed.startsWith('<think>')) return { reasoning: '', content: text };
  const inner = trimmed.slice('<think>'.length);
  const close = inner.indexOf('</think>');
  if (close < 0) return { reasoning: inner.trim(), content: '' };
  return { reasoning: inner.slice(0, close).trim(), content: inner.slice(close + '</think>'.length).trimStart() };
}

/** Every way to cut `text` into two pieces, and into single characters. */
function allSplits(text: string): string[][] {
  const splits: string[][] = [[text], Array.from(text)];
  for (let i = 1; i < text.length; i++) splits.push([text.slice(0, i), text.slice(i)]);
  return splits;
}

describe('ThinkTagSplitter', () => {
  it('separates a leading <think> block from the answer', () => {
    expect(feed(['<think>\nLet me check.\n</think>\n\nThe answer.'])).toEqual([
      { kind: 'reasoning', text: 'Let me check.' },
      { kind: 'content', text: 'The answer.' },
    ]);
  });

  it('handles the tags split across deltas, however they are split', () => {
    const text = '<think>plan: ls</think>Done.';
    for (const pieces of allSplits(text)) {
      expect(joined(feed(pieces)), JSON.stringify(pieces)).toEqual({ reasoning: 'plan: ls', content: 'Done.' });
    }
  });

  it('streams reasoning as it comes, holding back only what could be a closing tag', () => {
    const splitter = new ThinkTagSplitter();
    expect(splitter.push('<th')).toEqual([]);
    expect(splitter.push('ink>I am')).toEqual([{ kind: 'reasoning', text: 'I am' }]);
    expect(splitter.inReasoning).toBe(true);
    expect(splitter.push(' thinking</thi')).toEqual([{ kind: 'reasoning', text: ' thinking' }]);
    expect(splitter.push('nk>ok')).toEqual([{ kind: 'content', text: 'ok' }]);
    expect(splitter.inReasoning).toBe(false);
    expect(splitter.push(' more')).toEqual([{ kind: 'content', text: ' more' }]);
    expect(splitter.flush()).toEqual([]);
  });

  it('leaves content that does not open with <think> alone, including a later literal tag', () => {
    expect(joined(feed(['Use <think> tags ', 'like </think> this.']))).toEqual({ reasoning: '', content: 'Use <think> tags like </think> this.' });
    expect(feed(['<thinking>not ours</thinking>'])).toEqual([{ kind: 'content', text: '<thinking>not ours</thinking>' }]);
    expect(feed(['<', 'b>bold</b>'])).toEqual([{ kind: 'content', text: '<b>bold</b>' }]);
  });

  it('keeps leading whitespace of plain content, drops it around a think block', () => {
    expect(feed(['\n', '  hello'])).toEqual([{ kind: 'content', text: '\n  hello' }]);
    expect(feed(['\n', '<think>', '\n', 'x', '\n', '</think>', '\n\n', 'y'])).toEqual([
      { kind: 'reasoning', text: 'x' },
      { kind: 'content', text: 'y' },
    ]);
  });

  it('treats an empty think block (a non-thinking turn) as no reasoning at all', () => {
    expect(feed(['<think>\n\n</think>\n\n', 'Hi'])).toEqual([{ kind: 'content', text: 'Hi' }]);
  });

  it('flushes what it held when the stream ends early', () => {
    expect(feed(['<thi'])).toEqual([{ kind: 'content', text: '<thi' }]);
    expect(feed(['   '])).toEqual([{ kind: 'content', text: '   ' }]);
    expect(joined(feed(['<think>unfinished thought</th']))).toEqual({ reasoning: 'unfinished thought</th', content: '' });
    expect(feed(['<think>a\n\n'])).toEqual([{ kind: 'reasoning', text: 'a' }]);
    expect(feed([])).toEqual([]);
  });

  it('keeps a false closing-tag start inside the reasoning', () => {
    expect(joined(feed(['<think>a </th', 'b c</think>d']))).toEqual({ reasoning: 'a </thb c', content: 'd' });
  });

  it('never emits empty segments, and all reasoning comes before any content', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('<think>', '</think>', '<th', 'ink>', '</t', 'hink>', ' ', '\n', 'a', 'b<', '>'), { maxLength: 12 }), (tokens) => {
        const segments = feed(tokens);
        expect(segments.every((s) => s.text !== '')).toBe(true);
        const firstContent = segments.findIndex((s) => s.kind === 'content');
        if (firstContent >= 0) expect(segments.slice(firstContent).every((s) => s.kind === 'content')).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('gives the same result as reading the whole text at once, for every way of splitting it', () => {
    const token = fc.constantFrom('<think>', '</think>', '<', '/', 't', 'h', 'i', 'n', 'k', '>', ' ', '\n', 'x', 'é', '😀');
    fc.assert(
      fc.property(fc.array(token, { maxLength: 14 }), fc.array(fc.nat(), { maxLength: 6 }), (tokens, cuts) => {
        const text = tokens.join('');
        const points = [...new Set(cuts.map((c) => (text.length === 0 ? 0 : c % (text.length + 1))))].sort((a, b) => a - b);
        const pieces: string[] = [];
        let from = 0;
        for (const point of points) {
          pieces.push(text.slice(from, point));
          from = point;
        }
        pieces.push(text.slice(from));
        expect(joined(feed(pieces))).toEqual(reference(text));
      }),
      { numRuns: 3000 },
    );
  });

  it('matches the reference for every two-piece cut of realistic model output', () => {
    const samples = [
      '<think>\nThe user wants a list.\nI will run ls.\n</think>\n\nRunning ls now.',
      '  <think>short</think>answer',
      '<think></think>',
      '<think>never closed',
      'plain answer with </think> inside',
      '<think>nested <think> is text</think> and </think> after is text too',
    ];
    for (const sample of samples) {
      for (const pieces of allSplits(sample)) expect(joined(feed(pieces)), `${JSON.stringify(pieces)}`).toEqual(reference(sample));
    }
  });
});
