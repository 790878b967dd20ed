// OpenRouter (and MiniMax, Kimi through some hosts, Vercel's AI Gateway) send structured reasoning
// as `reasoning_details`: an array of blocks
//   {type: "reasoning.text", text, signature?, format, index}   thinking text, signed by Anthropic
//   {type: "reasoning.summary", summary, format, index}         a summary of it
//   {type: "reasoning.encrypted", data, id?, format, index}     opaque (Gemini, OpenAI o-series)
// A stream sends each block in pieces: text fragments first, the signature in a later delta of its
// own. Pieces of one block share `type` and `index`; a text block and an encrypted block may share an
// index. The merged blocks must go back unchanged on the assistant message, or Anthropic refuses the
// next request ("Expected `thinking` or `redacted_thinking`, but found `tool_use`").

type Block = Record<string, unknown>;

/** Fields whose pieces are concatenated; every other field takes its last non-empty value. */
const CONCATENATED = new Set(['text', 'summary', 'data']);

const isBlock = (value: unknown): value is Block => typeof value === 'object' && value !== null && !Array.isArray(value) && typeof (value as Block).type === 'string';

/** The text a block shows the user: thinking text or its summary; nothing for encrypted blocks. */
function visibleText(block: Block): string {
  if (block.type === 'reasoning.text' && typeof block.text === 'string') return block.text;
  if (block.type === 'reasoning.summary' && typeof block.summary === 'string') return block.summary;
  return '';
}

function keyOf(block: Block): string | undefined {
  if (typeof block.index === 'number') return `${String(block.type)}@${block.index}`;
  if (typeof block.id === 'string' && block.id !== '') return `${String(block.type)}#${block.id}`;
  return undefined;
}

export class ReasoningDetailsAccumulator {
  private readonly blocks: Block[] = [];
  private readonly byKey = new Map<string, Block>();
  /** The last block without index or id, and the push that created it: a later push continues it. */
  private unkeyed?: { block: Block; push: number };
  private pushes = 0;

  /** One delta's (or one whole message's) `reasoning_details`; returns the text they add for display. */
  push(details: unknown): string {
    if (!Array.isArray(details)) return '';
    const push = ++this.pushes;
    let shown = '';
    for (const piece of details) {
      if (!isBlock(piece)) continue;
      shown += visibleText(piece);
      const key = keyOf(piece);
      const previous = key !== undefined ? this.byKey.get(key) : this.unkeyed && this.unkeyed.push < push && this.unkeyed.block.type === piece.type ? this.unkeyed.block : undefined;
      if (previous) {
        merge(previous, piece);
        continue;
      }
      const block: Block = { ...piece };
      this.blocks.push(block);
      if (key !== undefined) this.byKey.set(key, block);
      else this.unkeyed = { block, push };
    }
    return shown;
  }

  /** Every block so far, merged, in the order they first appeared. */
  get merged(): Block[] {
    return this.blocks.map((block) => ({ ...block }));
  }

  get isEmpty(): boolean {
    return this.blocks.length === 0;
  }
}

function merge(into: Block, piece: Block): void {
  for (const [field, value] of Object.entries(piece)) {
    if (CONCATENATED.has(field) && typeof value === 'string') {
      into[field] = typeof into[field] === 'string' ? (into[field] as string) + value : value;
    } else if (value !== undefined && value !== null && value !== '') {
      into[field] = value;
    } else if (!(field in into)) {
      into[field] = value;
    }
  }
}
