// fast-check arbitraries for the property tests: Responses request bodies the way Codex 0.169 builds
// them (every input item type of codex-protocol.md §3, namespaced and freeform tools), the same with
// junk mixed in, and Chat Completions chunk streams, whole or fragmented.
import fc from 'fast-check';
import { encodeReasoningEnvelope } from '../../src/translate/reasoning-envelope.js';
import type { ChatChunk, ResponsesInputItem, ResponsesRequest, ResponsesTool } from '../../src/translate/types.js';

// ---------------------------------------------------------------- text

/** Any text, sometimes outside ASCII (emoji, CJK, lone surrogates), sometimes empty. */
export const anyText = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 24 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 12 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }) },
  { weight: 1, arbitrary: fc.constantFrom('', ' ', '\n', '"', '\\', '{', '}"]', 'data: [DONE]', '\u2028', '</think>') },
);
/** Text a real client would send as a prompt: not empty. */
export const someText = anyText.filter((text) => text.length > 0);

/** JSON junk of bounded size, for any field. */
export const junk = fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constantFrom(undefined, null, '', 0, -1, 1.5, true, [], {}, 'null', Number.NaN));

/** A tiny PNG as a data URL: Codex sends view_image results like this. */
const IMAGE = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';

// ---------------------------------------------------------------- tools

export interface Callable {
  name: string;
  namespace?: string;
  kind: 'function' | 'custom';
}

const FUNCTIONS = ['exec_command', 'write_stdin', 'view_image', 'request_user_input', 'update_goal'];

const schema = fc.oneof(
  fc.constant({ type: 'object', properties: { cmd: { type: 'string' }, workdir: { type: 'string' } }, required: ['cmd'] }),
  fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 4 }).map((properties) => ({ type: 'object', properties })),
  fc.constant(undefined),
);

/** Codex's tool list: flat functions, maybe apply_patch (freeform), MCP and multi-agent namespaces, web_search. */
export const codexTools = fc
  .record({
    functions: fc.subarray(FUNCTIONS, { minLength: 1 }),
    parameters: schema,
    applyPatch: fc.boolean(),
    mcp: fc.boolean(),
    multiAgent: fc.boolean(),
    webSearch: fc.boolean(),
  })
  .map(({ functions, parameters, applyPatch, mcp, multiAgent, webSearch }) => {
    const tools: ResponsesTool[] = [];
    const callables: Callable[] = [];
    for (const name of functions) {
      tools.push({ type: 'function', name, description: `the ${name} tool`, strict: false, parameters: parameters ?? null });
      callables.push({ name, kind: 'function' });
    }
    if (applyPatch) {
      tools.push({ type: 'custom', name: 'apply_patch', description: 'patch files', format: { type: 'grammar', syntax: 'lark', definition: 'start: "*** Begin Patch"' } });
      callables.push({ name: 'apply_patch', kind: 'custom' });
    }
    if (mcp) {
      // "read.page" is not a valid chat function name: it gets flattened with a hash.
      tools.push({ type: 'namespace', name: 'mcp__docs', tools: [{ type: 'function', name: 'search' }, { type: 'function', name: 'read.page', parameters: { type: 'object' } }] } as ResponsesTool);
      callables.push({ name: 'search', namespace: 'mcp__docs', kind: 'function' }, { name: 'read.page', namespace: 'mcp__docs', kind: 'function' });
    }
    if (multiAgent) {
      tools.push({ type: 'namespace', name: 'multi_agent_v1', tools: [{ type: 'function', name: 'spawn_agent' }] } as ResponsesTool);
      callables.push({ name: 'spawn_agent', namespace: 'multi_agent_v1', kind: 'function' });
    }
    if (webSearch) tools.push({ type: 'web_search' });
    return { tools, callables };
  });

// ---------------------------------------------------------------- Codex-like input

const inputText = someText.map((text) => ({ type: 'input_text', text }));
const userContent = fc.oneof(
  someText,
  fc.array(inputText, { minLength: 1, maxLength: 3 }),
  fc.tuple(inputText, fc.constantFrom('auto', 'low', 'high')).map(([text, detail]) => [text, { type: 'input_image', image_url: IMAGE, detail }]),
);
const toolOutput = fc.oneof(
  anyText,
  fc.array(fc.oneof(anyText.map((text) => ({ type: 'input_text', text })), fc.constant({ type: 'input_image', image_url: IMAGE })), { maxLength: 3 }),
);

/** Items Codex may send that carry nothing for a chat upstream (tolerated, skipped). */
const ignorableItem = fc.constantFrom<ResponsesInputItem>(
  { type: 'web_search_call', id: 'ws_1', status: 'completed', action: { type: 'search', query: 'x' } },
  { type: 'local_shell_call', id: 'lsh_1', call_id: 'lsh_1', status: 'completed', action: { type: 'exec', command: ['ls'] } },
  { type: 'compaction', id: 'cmp_1', encrypted_content: 'opaque' },
  { type: 'ghost_snapshot', ghost_commit: { id: 'abc' } },
  { type: 'reasoning', id: 'rs_foreign', summary: [], encrypted_content: 'gAAAAB-real-openai-ciphertext' },
);

interface Step {
  reasoning?: { text: string; form: 'envelope' | 'raw-content' | 'summary-only' };
  preface?: string;
  calls: Array<{ callable: number; args: unknown; patch: string; output: unknown; answered: boolean; rank: number }>;
  final?: string;
  ignorable?: ResponsesInputItem;
}

const step = (callableCount: number) =>
  fc.record<Step>(
    {
      reasoning: fc.record({ text: someText, form: fc.constantFrom('envelope' as const, 'raw-content' as const, 'summary-only' as const) }),
      preface: someText,
      calls: fc.array(
        fc.record({
          callable: fc.nat({ max: Math.max(0, callableCount - 1) }),
          args: fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
          patch: anyText.map((t) => `*** Begin Patch\n*** Add File: a.txt\n+${t}\n*** End Patch\n`),
          output: toolOutput,
          answered: fc.oneof({ weight: 9, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
          rank: fc.nat({ max: 5 }),
        }),
        { maxLength: callableCount === 0 ? 0 : 3 },
      ),
      final: someText,
      ignorable: ignorableItem,
    },
    { requiredKeys: ['calls'] },
  );

const turn = (callableCount: number) =>
  fc.record({
    developer: fc.option(someText, { nil: undefined }),
    user: userContent,
    steps: fc.array(step(callableCount), { minLength: 0, maxLength: 3 }),
    compaction: fc.oneof({ weight: 9, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
  });

export interface CodexBody {
  body: ResponsesRequest;
  /** Every assistant turn that made tool calls carries reasoning text (DeepSeek's rule can hold). */
  reasoningOnEveryCallTurn: boolean;
}

/** A Responses body as Codex 0.169 builds it: valid, so it must translate into a request providers accept. */
export const codexBody: fc.Arbitrary<CodexBody> = codexTools.chain(({ tools, callables }) =>
  fc
    .record({
      turns: fc.array(turn(callables.length), { minLength: 1, maxLength: 4 }),
      stream: fc.boolean(),
      effort: fc.constantFrom(undefined, 'none', 'minimal', 'low', 'medium', 'high', 'xhigh'),
      format: fc.constantFrom(undefined, 'schema', 'verbosity'),
      toolChoice: fc.constantFrom<unknown>('auto', 'none', 'required', undefined),
      parallel: fc.boolean(),
      instructions: fc.option(anyText, { nil: undefined }),
      maxOutputTokens: fc.option(fc.integer({ min: 1, max: 100_000 }), { nil: undefined }),
    })
    .map(({ turns, stream, effort, format, toolChoice, parallel, instructions, maxOutputTokens }) => {
      const input: ResponsesInputItem[] = [];
      let callCounter = 0;
      let reasoningOnEveryCallTurn = true;
      input.push({ type: 'message', role: 'developer', content: [{ type: 'input_text', text: 'You are Codex, a coding agent.' }] });
      for (const t of turns) {
        if (t.developer !== undefined) input.push({ type: 'message', role: 'developer', content: [{ type: 'input_text', text: t.developer }] });
        input.push({ type: 'message', role: 'user', id: `msg_${input.length}`, content: t.user as never });
        for (const s of t.steps) {
          if (s.ignorable) input.push(s.ignorable);
          const hasReasoningText = s.reasoning !== undefined && s.reasoning.form !== 'summary-only';
          if (s.calls.length > 0 && !hasReasoningText) reasoningOnEveryCallTurn = false;
          if (s.reasoning) {
            const { text, form } = s.reasoning;
            input.push(
              form === 'envelope'
                ? { type: 'reasoning', id: `rs_${input.length}`, summary: [{ type: 'summary_text', text }], encrypted_content: encodeReasoningEnvelope({ text, responseId: 'resp_x' }) }
                : form === 'raw-content'
                  ? { type: 'reasoning', id: `rs_${input.length}`, summary: [], content: [{ type: 'reasoning_text', text }], encrypted_content: null }
                  : { type: 'reasoning', id: `rs_${input.length}`, summary: [{ type: 'summary_text', text }], encrypted_content: null },
            );
          }
          if (s.preface !== undefined) input.push({ type: 'message', role: 'assistant', id: `msg_${input.length}`, content: [{ type: 'output_text', text: s.preface }] });
          const calls = s.calls.map((c) => ({ ...c, callId: `call_${++callCounter}`, tool: callables[c.callable] }));
          for (const c of calls) {
            input.push(
              c.tool.kind === 'custom'
                ? { type: 'custom_tool_call', id: `ctc_${c.callId}`, call_id: c.callId, name: c.tool.name, input: c.patch, status: 'completed' }
                : { type: 'function_call', id: `fc_${c.callId}`, call_id: c.callId, name: c.tool.name, ...(c.tool.namespace && { namespace: c.tool.namespace }), arguments: JSON.stringify(c.args) },
            );
          }
          for (const c of [...calls].sort((a, b) => a.rank - b.rank)) {
            if (!c.answered) continue;
            input.push({ type: c.tool.kind === 'custom' ? 'custom_tool_call_output' : 'function_call_output', call_id: c.callId, output: c.output as never });
          }
          if (s.final !== undefined) input.push({ type: 'message', role: 'assistant', id: `msg_${input.length}`, content: [{ type: 'output_text', text: s.final }] });
        }
        if (t.compaction) input.push({ type: 'compaction_trigger' } as ResponsesInputItem);
      }
      const body: ResponsesRequest = {
        model: 'mock-model',
        ...(instructions !== undefined && { instructions }),
        input,
        tools,
        ...(toolChoice !== undefined && { tool_choice: toolChoice }),
        parallel_tool_calls: parallel,
        reasoning: effort === undefined ? { summary: 'auto' } : { effort, summary: 'detailed' },
        store: false,
        stream,
        include: ['reasoning.encrypted_content'],
        prompt_cache_key: '019a-thread',
        client_metadata: { originator: 'codex_exec' },
        ...(format === 'schema' && { text: { format: { type: 'json_schema', name: 'out', strict: true, schema: { type: 'object', properties: { a: { type: 'string' } } } } } }),
        ...(format === 'verbosity' && { text: { verbosity: 'low' } }),
        ...(maxOutputTokens !== undefined && { max_output_tokens: maxOutputTokens }),
      };
      return { body, reasoningOnEveryCallTurn };
    }),
);

// ---------------------------------------------------------------- junk

const ITEM_TYPES = [
  'message', 'reasoning', 'function_call', 'function_call_output', 'custom_tool_call', 'custom_tool_call_output',
  'tool_search_call', 'tool_search_output', 'local_shell_call', 'web_search_call', 'compaction', 'compaction_trigger',
  'additional_tools', 'item_reference', 'input_file', 'bogus',
];

/** An item with the right field names and any values. */
const looseItem = fc.record(
  {
    type: fc.oneof(fc.constantFrom(...ITEM_TYPES), junk),
    role: fc.oneof(fc.constantFrom('user', 'assistant', 'developer', 'system', 'tool', 'critic'), junk),
    content: fc.oneof(anyText, fc.array(fc.oneof(fc.record({ type: fc.oneof(fc.constantFrom('input_text', 'output_text', 'input_image', 'input_file', 'refusal'), junk), text: fc.oneof(anyText, junk), image_url: fc.oneof(fc.constant(IMAGE), junk), refusal: anyText }, { requiredKeys: [] }), junk), { maxLength: 3 }), junk),
    call_id: fc.oneof(fc.constantFrom('call_1', 'call_2'), junk),
    name: fc.oneof(fc.constantFrom('exec_command', 'apply_patch', 'search', 'read.page', '', 'x'.repeat(80)), junk),
    namespace: fc.oneof(fc.constantFrom('mcp__docs', 'multi_agent_v1', ''), junk),
    arguments: fc.oneof(fc.constantFrom('{}', '', '{"cmd":"ls"}', '{"cmd":', 'null'), junk),
    input: fc.oneof(anyText, junk),
    output: fc.oneof(toolOutput, junk),
    summary: fc.oneof(fc.constant([{ type: 'summary_text', text: 'why' }]), junk),
    encrypted_content: fc.oneof(fc.constantFrom(encodeReasoningEnvelope({ text: 'thought' }), 'cbr1.', 'cbr1.!!!', 'cbr1.e30', 'gAAAA'), junk),
    id: fc.oneof(fc.string({ maxLength: 8 }), junk),
  },
  { requiredKeys: [] },
);

const looseTool = fc.oneof(
  fc.record(
    {
      type: fc.oneof(fc.constantFrom('function', 'custom', 'namespace', 'web_search', 'mcp'), junk),
      name: fc.oneof(fc.constantFrom('exec_command', 'apply_patch', 'mcp__docs', 'read.page', ''), junk),
      tools: fc.oneof(fc.array(fc.record({ type: fc.constantFrom('function', 'custom'), name: fc.oneof(someText, junk) }, { requiredKeys: [] }), { maxLength: 2 }), junk),
      parameters: fc.oneof(schema, junk),
      description: fc.oneof(anyText, junk),
      strict: fc.oneof(fc.boolean(), junk),
      format: junk,
    },
    { requiredKeys: [] },
  ),
  junk,
);

/** A body with the right keys and any values. */
const looseBody = fc.record(
  {
    model: fc.oneof(fc.constantFrom('mock-model', ''), junk),
    input: fc.oneof(anyText, fc.array(fc.oneof({ weight: 3, arbitrary: looseItem }, { weight: 1, arbitrary: junk }), { maxLength: 6 }), junk),
    instructions: fc.oneof(anyText, junk),
    tools: fc.oneof(fc.array(looseTool, { maxLength: 4 }), junk),
    tool_choice: fc.oneof(fc.constantFrom('auto', 'none', 'required', 'any', { type: 'function', name: 'exec_command' }, { type: 'allowed_tools', mode: 'required' }, { type: 'web_search' }), junk),
    parallel_tool_calls: fc.oneof(fc.boolean(), junk),
    reasoning: fc.oneof(fc.record({ effort: fc.oneof(fc.constantFrom('low', 'xhigh', 'none'), junk), summary: junk }, { requiredKeys: [] }), junk),
    text: fc.oneof(fc.record({ format: fc.oneof(fc.record({ type: fc.oneof(fc.constantFrom('json_schema', 'json_object', 'text'), junk), name: junk, schema: junk, strict: junk }, { requiredKeys: [] }), junk) }, { requiredKeys: [] }), junk),
    max_output_tokens: fc.oneof(fc.nat(), fc.double(), junk),
    temperature: fc.oneof(fc.double(), junk),
    top_p: fc.oneof(fc.double(), junk),
    stream: fc.oneof(fc.boolean(), junk),
    previous_response_id: junk,
    prompt_cache_key: junk,
  },
  { requiredKeys: [] },
);

/** A valid Codex body with one field or one item swapped for junk. */
const mutatedCodexBody = fc.tuple(codexBody, fc.nat(), fc.oneof(junk, looseItem)).map(([{ body }, at, value]) => {
  const copy: Record<string, unknown> = structuredClone(body);
  const input = copy.input as unknown[];
  if (at % 2 === 0 && input.length > 0) {
    input[at % input.length] = value;
  } else {
    const keys = Object.keys(copy);
    copy[keys[at % keys.length]] = value;
  }
  return copy;
});

/** Anything a client could send as a JSON body: valid, nearly valid, or nonsense. */
export const anyBody: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 2, arbitrary: codexBody.map((b) => b.body) },
  { weight: 3, arbitrary: mutatedCodexBody },
  { weight: 3, arbitrary: looseBody },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 4 }) },
);

// ---------------------------------------------------------------- chat streams

export interface PlannedCall {
  id?: string;
  name: string;
  /** The full arguments text, split into fragments when streamed. */
  args: string;
}

export interface StreamPlan {
  reasoning: string;
  reasoningField: 'reasoning_content' | 'reasoning';
  text: string;
  calls: PlannedCall[];
  finish: string | null;
  usage: ChatChunk['usage'];
  sawDone: boolean;
}

/** Usage the way providers report it, and the way broken ones do. */
export const anyUsage = fc.oneof(
  fc.record(
    {
      prompt_tokens: fc.nat({ max: 200_000 }),
      completion_tokens: fc.nat({ max: 50_000 }),
      total_tokens: fc.nat({ max: 250_000 }),
      prompt_tokens_details: fc.oneof(fc.record({ cached_tokens: fc.nat({ max: 200_000 }) }), fc.constant(null)),
      completion_tokens_details: fc.oneof(fc.record({ reasoning_tokens: fc.nat({ max: 50_000 }) }), fc.constant(null)),
      prompt_cache_hit_tokens: fc.nat({ max: 200_000 }),
    },
    { requiredKeys: ['prompt_tokens', 'completion_tokens'] },
  ),
  fc.record({ prompt_tokens: fc.oneof(fc.double(), junk), completion_tokens: fc.oneof(fc.double(), junk), total_tokens: fc.oneof(fc.double(), junk) }, { requiredKeys: [] }),
  fc.constantFrom(undefined, null),
) as fc.Arbitrary<ChatChunk['usage']>;

/** What a model might send back, given the tool names the request offered upstream. */
export const streamPlan = (flatToolNames: string[]): fc.Arbitrary<StreamPlan> =>
  fc.record({
    reasoning: fc.oneof(fc.constant(''), someText),
    reasoningField: fc.constantFrom('reasoning_content' as const, 'reasoning' as const),
    text: fc.oneof(fc.constant(''), someText),
    calls: fc.array(
      fc.record({
        id: fc.option(fc.string({ minLength: 1, maxLength: 10 }).map((s) => `call_${s}`), { nil: undefined }),
        name: fc.oneof(fc.constantFrom(...(flatToolNames.length > 0 ? flatToolNames : ['exec_command'])), fc.constant('unknown_tool')),
        args: fc.oneof(
          { weight: 4, arbitrary: fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }).map((o) => JSON.stringify(o)) },
          { weight: 1, arbitrary: fc.constantFrom('', ' ', '{}') },
          { weight: 1, arbitrary: anyText.map((t) => JSON.stringify({ input: `*** Begin Patch\n${t}\n*** End Patch\n` })) },
        ),
      }),
      { maxLength: 3 },
    ),
    finish: fc.constantFrom('stop', 'tool_calls', 'length', 'content_filter', null),
    usage: anyUsage,
    sawDone: fc.boolean(),
  });

/** Splits `text` at the given cut points (fractions of its length), by UTF-16 code unit. */
export function splitAt(text: string, cuts: number[]): string[] {
  const points = [...new Set(cuts.map((c) => Math.floor(c * text.length)))].filter((p) => p > 0 && p < text.length).sort((a, b) => a - b);
  const out: string[] = [];
  let last = 0;
  for (const p of points) {
    out.push(text.slice(last, p));
    last = p;
  }
  out.push(text.slice(last));
  return out.filter((piece) => piece !== '');
}

export interface StreamShape {
  /** Fractions where each text and each call's arguments are cut into fragments. */
  cuts: number[][];
  /** Picks which call's next fragment comes next (parallel calls may interleave). */
  picks: number[];
  /** Repeat the call id and type on every fragment, as some servers do. */
  repeatIds: boolean;
  /** Indexes as OpenAI sends them, none after the first fragment (match by id / last call), or 0 for every call (some servers). */
  indexMode: 'normal' | 'without' | 'all-zero';
}

export const streamShape: fc.Arbitrary<StreamShape> = fc.record({
  cuts: fc.array(fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 6 }), { minLength: 5, maxLength: 5 }),
  picks: fc.array(fc.nat({ max: 2 }), { maxLength: 40 }),
  repeatIds: fc.boolean(),
  indexMode: fc.constantFrom('normal' as const, 'without' as const, 'all-zero' as const),
});

const chunkOf = (delta: Record<string, unknown>, finish: string | null = null): ChatChunk => ({
  id: 'chatcmpl-fuzz',
  object: 'chat.completion.chunk',
  choices: [{ index: 0, delta: delta as never, finish_reason: finish }],
});

/** The plan as the chunks a provider would stream, fragmented as `shape` says. */
export function planToChunks(plan: StreamPlan, shape: StreamShape): ChatChunk[] {
  const chunks: ChatChunk[] = [chunkOf({ role: 'assistant', content: '' })];
  for (const piece of splitAt(plan.reasoning, shape.cuts[0])) chunks.push(chunkOf({ [plan.reasoningField]: piece }));
  for (const piece of splitAt(plan.text, shape.cuts[1])) chunks.push(chunkOf({ content: piece }));
  // Per call: a first fragment with id, type and name, then argument fragments.
  const queues = plan.calls.map((call, index) => {
    const id = call.id ?? `call_fuzz_${index}`;
    const pieces = splitAt(call.args, shape.cuts[2 + (index % 3)]);
    const streamIndex = shape.indexMode === 'all-zero' ? 0 : index;
    const fragments: Array<Record<string, unknown>> = [{ index: streamIndex, id, type: 'function', function: { name: call.name, arguments: pieces[0] ?? '' } }];
    for (const piece of pieces.slice(1)) {
      const withId = shape.repeatIds || shape.indexMode === 'without';
      fragments.push({ ...(shape.indexMode === 'without' ? {} : { index: streamIndex }), ...(withId ? { id, type: 'function' } : {}), function: { arguments: piece } });
    }
    return fragments;
  });
  let pick = 0;
  while (queues.some((q) => q.length > 0)) {
    const open = queues.filter((q) => q.length > 0);
    // Without distinct indexes, calls can only be told apart when each call's run is contiguous.
    const queue = shape.indexMode === 'normal' ? open[(shape.picks[pick++] ?? 0) % open.length] : open[0];
    chunks.push(chunkOf({ tool_calls: [queue.shift()] }));
  }
  chunks.push(chunkOf({}, plan.finish));
  if (plan.usage !== undefined) chunks.push({ id: 'chatcmpl-fuzz', object: 'chat.completion.chunk', choices: [], usage: plan.usage });
  return chunks;
}

/** A chunk-shaped value with any content, or no chunk at all. */
export const junkChunk: fc.Arbitrary<unknown> = fc.oneof(
  junk,
  fc.record(
    {
      choices: fc.oneof(
        fc.array(
          fc.record(
            {
              index: fc.oneof(fc.constantFrom(0, 1), junk),
              delta: fc.oneof(
                fc.record(
                  {
                    content: fc.oneof(anyText, junk),
                    reasoning_content: fc.oneof(anyText, junk),
                    reasoning: fc.oneof(anyText, junk),
                    refusal: fc.oneof(anyText, junk),
                    tool_calls: fc.oneof(
                      fc.array(
                        fc.oneof(
                          fc.record(
                            {
                              index: fc.oneof(fc.nat({ max: 3 }), junk),
                              id: fc.oneof(fc.constantFrom('call_a', 'call_b'), junk),
                              type: fc.constant('function'),
                              function: fc.oneof(fc.record({ name: fc.oneof(fc.constantFrom('exec_command', 'apply_patch', 'mcp__docs__search'), junk), arguments: fc.oneof(anyText, junk) }, { requiredKeys: [] }), junk),
                            },
                            { requiredKeys: [] },
                          ),
                          junk,
                        ),
                        { maxLength: 2 },
                      ),
                      junk,
                    ),
                  },
                  { requiredKeys: [] },
                ),
                junk,
              ),
              finish_reason: fc.oneof(fc.constantFrom('stop', 'tool_calls', 'length', null), junk),
            },
            { requiredKeys: [] },
          ),
          { maxLength: 2 },
        ),
        junk,
      ),
      usage: anyUsage,
      error: fc.oneof({ weight: 8, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.oneof(fc.record({ message: anyText, code: fc.oneof(fc.constantFrom(400, 429, 500, 'context_length_exceeded'), junk) }, { requiredKeys: [] }), anyText, junk) }),
    },
    { requiredKeys: [] },
  ),
);
