// Reasoning models served without a reasoning parser (vLLM without --reasoning-parser, LM Studio,
// Groq with reasoning_format "raw", DeepSeek-R1 distills on Together or Hugging Face) put their
// thinking in `content` as `<think>…</think>` before the answer. Any upstream may do it, so every
// answer goes through this splitter. Token streams split the tags anywhere ("<th" + "ink>"), so it
// holds back just enough text to decide, and hands out reasoning and content in order.
//
// Only a `<think>` that opens the content counts (after optional whitespace): a literal "<think>"
// later in an answer, say in code that talks about tags, stays text. After `</think>` everything is
// content; the whitespace that separates the two is dropped, as is the whitespace at the edges of
// the reasoning.

export interface ThinkSegment {
  kind: 'reasoning' | 'content';
  text: string;
}

const OPEN = '<think>';
const CLOSE = '</think>';

type State = 'start' | 'reasoning-start' | 'reasoning' | 'after' | 'content';

/** Length of the longest suffix of `text` that is a proper prefix of `tag`. */
function partialTagLength(text: string, tag: string): number {
  for (let n = Math.min(tag.length - 1, text.length); n > 0; n--) {
    if (text.endsWith(tag.slice(0, n))) return n;
  }
  return 0;
}

export class ThinkTagSplitter {
  private state: State = 'start';
  private held = '';

  /** True once the answer has shown it is plain text: every later piece is content as it stands. */
  get settledAsContent(): boolean {
    return this.state === 'content' && this.held === '';
  }

  /** True while inside the opening <think> block. */
  get inReasoning(): boolean {
    return this.state === 'reasoning-start' || this.state === 'reasoning';
  }

  push(text: string): ThinkSegment[] {
    const out: ThinkSegment[] = [];
    let rest = this.held + text;
    this.held = '';
    // Each pass either finishes `rest` or moves to a later state, so this ends.
    while (rest !== '') {
      switch (this.state) {
        case 'start': {
          const trimmed = rest.trimStart();
          if (trimmed === '' || (trimmed.length < OPEN.length && OPEN.startsWith(trimmed))) {
            this.held = rest; // only whitespace, or the start of "<think>": wait for more
            return merge(out);
          }
          if (trimmed.startsWith(OPEN)) {
            this.state = 'reasoning-start';
            rest = trimmed.slice(OPEN.length);
          } else {
            this.state = 'content';
          }
          break;
        }
        case 'reasoning-start': {
          rest = rest.trimStart();
          if (rest !== '') this.state = 'reasoning';
          break;
        }
        case 'reasoning': {
          const close = rest.indexOf(CLOSE);
          if (close >= 0) {
            const reasoning = rest.slice(0, close).trimEnd();
            if (reasoning !== '') out.push({ kind: 'reasoning', text: reasoning });
            rest = rest.slice(close + CLOSE.length);
            this.state = 'after';
            break;
          }
          // Hold a partial "</thi" and the whitespace before it: both may belong to the close.
          let keep = partialTagLength(rest, CLOSE);
          while (keep < rest.length && /\s/.test(rest[rest.length - keep - 1])) keep++;
          const emit = rest.slice(0, rest.length - keep);
          if (emit !== '') out.push({ kind: 'reasoning', text: emit });
          this.held = rest.slice(rest.length - keep);
          return merge(out);
        }
        case 'after': {
          rest = rest.trimStart();
          if (rest !== '') this.state = 'content';
          break;
        }
        case 'content': {
          out.push({ kind: 'content', text: rest });
          rest = '';
          break;
        }
      }
    }
    return merge(out);
  }

  /** The stream ended: whatever was held back, as what it was going to be. */
  flush(): ThinkSegment[] {
    const held = this.held;
    this.held = '';
    if (held === '') return [];
    if (this.state === 'start') return [{ kind: 'content', text: held }];
    if (this.state === 'reasoning') {
      const text = held.trimEnd();
      return text === '' ? [] : [{ kind: 'reasoning', text }];
    }
    return [];
  }
}

function merge(segments: ThinkSegment[]): ThinkSegment[] {
  const out: ThinkSegment[] = [];
  for (const segment of segments) {
    const previous = out.at(-1);
    if (previous && previous.kind === segment.kind) previous.text += segment.text;
    else out.push({ ...segment });
  }
  return out;
}
