import OpenAI from 'openai';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ChatChunk, ChatMessage, ChatRequest } from '../../src/translate/types.js';
import { sseFrame, startMockUpstream, type MockUpstream, type MockUpstreamOptions } from './mock-upstream.js';

let mock: MockUpstream | undefined;
afterEach(async () => {
  await mock?.close();
  mock = undefined;
});

async function start(o: MockUpstreamOptions): Promise<MockUpstream> {
  mock = await startMockUpstream(o);
  return mock;
}

function client(m: MockUpstream, apiKey = 'sk-test'): OpenAI {
  return new OpenAI({ baseURL: m.url, apiKey, maxRetries: 0, timeout: 10_000 });
}

async function post(m: MockUpstream, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${m.url}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-test', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** Raw SSE → parsed chunks (+ whether [DONE] arrived). */
async function readSse(res: Response): Promise<{ chunks: ChatChunk[]; done: boolean; text: string }> {
  const text = await res.text();
  const chunks: ChatChunk[] = [];
  let done = false;
  for (const block of text.split('\n\n')) {
    const line = block.trim();
    if (!line.startsWith('data: ')) continue;
    const data = line.slice(6);
    if (data === '[DONE]') done = true;
    else chunks.push(JSON.parse(data) as ChatChunk);
  }
  return { chunks, done, text };
}

const user = (content: string): ChatMessage => ({ role: 'user', content });
const tools: ChatRequest['tools'] = [
  { type: 'function', function: { name: 'exec_command', parameters: { type: 'object', properties: { cmd: { type: 'string' } } } } },
  { type: 'function', function: { name: 'read_file', parameters: { type: 'object', properties: { path: { type: 'string' } } } } },
];
const assistantCall = (id: string, extra: Record<string, unknown> = {}): ChatMessage =>
  ({ role: 'assistant', content: null, tool_calls: [{ id, type: 'function', function: { name: 'exec_command', arguments: '{"cmd":"ls"}' } }], ...extra }) as ChatMessage;
const toolResult = (id: string, content = 'a.txt\nb.txt'): ChatMessage => ({ role: 'tool', tool_call_id: id, content });

describe('mock upstream: streaming', () => {
  it('streams scripted text in several deltas that reassemble exactly (openai SDK)', async () => {
    const content = 'Hello from the mock upstream — with ünïcödé and emoji 🚀 intact.';
    const m = await start({ turns: [{ content }] });
    const stream = await client(m).chat.completions.create({ model: 'm1', messages: [{ role: 'user', content: 'hi' }], stream: true });
    let text = '';
    let deltas = 0;
    let first: unknown;
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      first ??= chunk;
      const c = chunk.choices[0];
      if (c?.delta.content) {
        text += c.delta.content;
        deltas++;
      }
      if (c?.finish_reason) finish = c.finish_reason;
      expect(chunk.usage ?? undefined).toBeUndefined(); // no include_usage → no usage
    }
    expect(text).toBe(content);
    expect(deltas).toBeGreaterThanOrEqual(3);
    expect(finish).toBe('stop');
    expect(first).toMatchObject({ object: 'chat.completion.chunk', model: 'm1', choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] });
    expect(m.requests).toHaveLength(1);
    expect(m.requests[0]).toMatchObject({ status: 200, turnIndex: 0, body: { model: 'm1', stream: true } });
    expect(m.requests[0].rejection).toBeUndefined();
  });

  it('reassembles parallel tool calls from fragmented argument deltas', async () => {
    const a = '{"cmd":"ls -la /tmp","workdir":"/home/user"}';
    const b = '{"path":"src/index.ts"}';
    const m = await start({ turns: [{ reasoning: 'I should look around.', toolCalls: [{ name: 'exec_command', arguments: a }, { name: 'read_file', arguments: b }] }] });
    const res = await post(m, { model: 'm', stream: true, messages: [user('go')], tools });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const { chunks, done } = await readSse(res);
    expect(done).toBe(true);

    const calls: Array<{ id?: string; name?: string; args: string; fragments: number }> = [];
    let reasoning = '';
    let finish: string | null | undefined;
    for (const ch of chunks) {
      const d = ch.choices?.[0]?.delta;
      if (ch.choices?.[0]?.finish_reason) finish = ch.choices[0].finish_reason;
      if (d?.reasoning_content) reasoning += d.reasoning_content;
      for (const tc of d?.tool_calls ?? []) {
        const i = tc.index!;
        if (tc.id !== undefined) {
          // The id, type and name only on the first delta of each call.
          expect(calls[i]).toBeUndefined();
          expect(tc.type).toBe('function');
          expect(tc.function?.arguments).toBe('');
          calls[i] = { id: tc.id, name: tc.function?.name, args: '', fragments: 0 };
        } else {
          expect(tc.function?.name).toBeUndefined();
          calls[i].args += tc.function?.arguments ?? '';
          calls[i].fragments++;
        }
      }
    }
    expect(reasoning).toBe('I should look around.');
    expect(finish).toBe('tool_calls');
    expect(calls.map((c) => [c.name, c.args])).toEqual([['exec_command', a], ['read_file', b]]);
    expect(calls.every((c) => c.fragments >= 2)).toBe(true);
    expect(new Set(calls.map((c) => c.id)).size).toBe(2);
    for (const c of calls) expect(c.id).toMatch(/^call_\d+$/);
  });

  it('the openai SDK assembles the parallel calls too (non-streaming)', async () => {
    const m = await start({ turns: [{ toolCalls: [{ id: 'call_x', name: 'exec_command', arguments: '{"cmd":"pwd"}' }, { name: 'read_file', arguments: '{"path":"a"}' }] }] });
    const r = await client(m).chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'go' }], tools: tools as never });
    expect(r.object).toBe('chat.completion');
    expect(r.choices[0].finish_reason).toBe('tool_calls');
    const tc = r.choices[0].message.tool_calls!.map((c) => (c.type === 'function' ? [c.id, c.function.name, c.function.arguments] : []));
    expect(tc[0]).toEqual(['call_x', 'exec_command', '{"cmd":"pwd"}']);
    expect(tc[1]).toEqual([expect.stringMatching(/^call_\d+$/), 'read_file', '{"path":"a"}']);
    expect(r.usage).toMatchObject({ prompt_tokens: 100, completion_tokens: 20, total_tokens: 120 });
  });

  it('include_usage adds a final choices:[] chunk with full usage before [DONE]', async () => {
    const m = await start({ turns: [{ content: 'ok', usage: { prompt_tokens: 1234, completion_tokens: 56, cached_tokens: 1000, reasoning_tokens: 7 } }] });
    const stream = await client(m).chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }], stream: true, stream_options: { include_usage: true } });
    const usages = [];
    let last: OpenAI.ChatCompletionChunk | undefined;
    for await (const chunk of stream) {
      last = chunk;
      if (chunk.usage) usages.push({ usage: chunk.usage, choices: chunk.choices.length });
    }
    expect(usages).toEqual([
      {
        choices: 0,
        usage: { prompt_tokens: 1234, completion_tokens: 56, total_tokens: 1290, prompt_tokens_details: { cached_tokens: 1000 }, completion_tokens_details: { reasoning_tokens: 7 } },
      },
    ]);
    expect(last?.usage).toBeTruthy();

    // Default usage is deterministic and non-zero.
    const res = await post(m, { model: 'm', stream: true, stream_options: { include_usage: true }, messages: [user('x')] });
    const { chunks } = await readSse(res);
    expect(chunks.at(-1)?.usage).toMatchObject({ prompt_tokens: 1234 }); // last turn repeats
  });

  it('default usage when none is scripted', async () => {
    const m = await start({ turns: [{ content: 'ok' }] });
    const { chunks } = await readSse(await post(m, { model: 'm', stream: true, stream_options: { include_usage: true }, messages: [user('x')] }));
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: 100, completion_tokens: 20, total_tokens: 120 } });
  });

  it("think-tags: reasoning leaks into content as <think>…</think>, the tags split across deltas", async () => {
    const m = await start({ turns: [{ reasoning: 'Let me think about it.', content: 'Answer.' }], rules: { reasoningField: 'think-tags' } });
    const { chunks } = await readSse(await post(m, { model: 'm', stream: true, messages: [user('q')] }));
    const contents = chunks.map((c) => c.choices?.[0]?.delta?.content).filter((c): c is string => typeof c === 'string' && c.length > 0);
    expect(contents.join('')).toBe('<think>Let me think about it.</think>Answer.');
    expect(contents).not.toContain('<think>');
    expect(contents).not.toContain('</think>');
    expect(contents.some((c) => c.startsWith('<') && !c.includes('>'))).toBe(true);
    expect(chunks.some((c) => c.choices?.[0]?.delta?.reasoning_content !== undefined)).toBe(false);

    const r = await client(m).chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'q' }] });
    expect(r.choices[0].message.content).toBe('<think>Let me think about it.</think>Answer.');
  });

  it("reasoningField 'reasoning' streams and returns the `reasoning` field", async () => {
    const m = await start({ turns: [{ reasoning: 'abcdef', content: 'x' }], rules: { reasoningField: 'reasoning' } });
    const { chunks } = await readSse(await post(m, { model: 'm', stream: true, messages: [user('q')] }));
    const pieces = chunks.map((c) => c.choices?.[0]?.delta?.reasoning).filter(Boolean);
    expect(pieces.length).toBeGreaterThanOrEqual(2);
    expect(pieces.join('')).toBe('abcdef');
    const json = (await (await post(m, { model: 'm', messages: [user('q')] })).json()) as { choices: Array<{ message: Record<string, unknown> }> };
    expect(json.choices[0].message).toMatchObject({ role: 'assistant', content: 'x', reasoning: 'abcdef' });
    expect(json.choices[0].message.reasoning_content).toBeUndefined();
  });
});

describe('mock upstream: reasoning rules', () => {
  const history = (extra: Record<string, unknown>): ChatMessage[] => [user('list files'), assistantCall('call_1', extra), toolResult('call_1'), user('thanks')];

  it("'deepseek' rejects an assistant tool-call message without reasoning_content, accepts it with", async () => {
    const m = await start({ turns: [{ content: 'ok' }], rules: { reasoning: 'deepseek' } });
    const oai = client(m);
    const err = await oai.chat.completions.create({ model: 'm', messages: history({}) as never, tools: tools as never }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as InstanceType<typeof OpenAI.BadRequestError>).message).toContain('The reasoning_content in the thinking mode must be passed back to the API.');
    expect(m.requests[0]).toMatchObject({ status: 400, rejection: 'The reasoning_content in the thinking mode must be passed back to the API.' });
    expect(m.requests[0].turnIndex).toBeUndefined();

    const ok = await oai.chat.completions.create({ model: 'm', messages: history({ reasoning_content: 'need ls' }) as never, tools: tools as never });
    expect(ok.choices[0].message.content).toBe('ok');
    expect(m.requests[1]).toMatchObject({ status: 200, turnIndex: 0 });

    // A plain assistant text message needs none under the DeepSeek rule.
    const res = await post(m, { model: 'm', messages: [user('a'), { role: 'assistant', content: 'b' }, user('c')] });
    expect(res.status).toBe(200);
  });

  it("'kimi' rejects ANY assistant message without reasoning_content, naming its index", async () => {
    const m = await start({ turns: [{ content: 'ok' }], rules: { reasoning: 'kimi' } });
    const plain = await post(m, { model: 'm', messages: [user('a'), { role: 'assistant', content: 'b' }, user('c')] });
    expect(plain.status).toBe(400);
    expect(await plain.json()).toEqual({ error: { message: 'reasoning_content is missing in assistant tool call message at index 1', type: 'invalid_request_error', param: null, code: null } });

    const calls = await post(m, { model: 'm', messages: [user('a'), { role: 'assistant', content: 'b', reasoning_content: 'r' }, ...history({})], tools });
    expect(calls.status).toBe(400);
    expect(m.requests[1].rejection).toBe('reasoning_content is missing in assistant tool call message at index 3');

    const ok = await post(m, { model: 'm', messages: [user('a'), { role: 'assistant', content: 'b', reasoning_content: 'r' }, ...history({ reasoning_content: 'r2' })], tools });
    expect(ok.status).toBe(200);
  });

  it("with reasoningField 'reasoning' the rule checks `reasoning`", async () => {
    const m = await start({ turns: [{ content: 'ok' }], rules: { reasoning: 'deepseek', reasoningField: 'reasoning' } });
    expect((await post(m, { model: 'm', messages: history({ reasoning_content: 'x' }), tools })).status).toBe(400);
    expect((await post(m, { model: 'm', messages: history({ reasoning: 'x' }), tools })).status).toBe(200);
  });
});

describe('mock upstream: validation', () => {
  async function rejection(body: unknown, rules: MockUpstreamOptions['rules'] = {}): Promise<string | undefined> {
    const m = await startMockUpstream({ turns: [{ content: 'ok' }], rules });
    try {
      const res = await post(m, body);
      const text = await res.text();
      if (res.status === 400) {
        const json = JSON.parse(text) as { error?: { message: string; type: string; code: unknown } };
        expect(json.error).toMatchObject({ type: 'invalid_request_error', code: null });
        expect(m.requests[0].rejection).toBe(json.error?.message);
        return json.error?.message;
      }
      expect(res.status).toBe(200);
      return undefined;
    } finally {
      await m.close();
    }
  }

  it('rejects a dangling tool message (openai SDK sees a 400)', async () => {
    const m = await start({ turns: [{ content: 'ok' }] });
    const err = await client(m)
      .chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }, { role: 'tool', tool_call_id: 'call_9', content: 'x' }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(m.requests[0].status).toBe(400);
    expect(m.requests[0].rejection).toMatch(/role 'tool' must be a response to a preceeding message with 'tool_calls'/);
  });

  it('accepts a well-formed multi-turn tool conversation', async () => {
    const body = {
      model: 'm',
      stream: true,
      stream_options: { include_usage: true },
      tools,
      tool_choice: 'auto',
      parallel_tool_calls: true,
      messages: [
        { role: 'system', content: 'sys' },
        { role: 'user', content: [{ type: 'text', text: 'look' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } }] },
        {
          role: 'assistant',
          content: 'Running two.',
          tool_calls: [
            { id: 'a', type: 'function', function: { name: 'exec_command', arguments: '{}' } },
            { id: 'b', type: 'function', function: { name: 'read_file', arguments: '{"path":"x"}' } },
          ],
        },
        toolResult('b'),
        toolResult('a'),
        { role: 'assistant', content: 'done' },
        user('more'),
      ],
    };
    expect(await rejection(body)).toBeUndefined();
  });

  it.each<[string, unknown, RegExp]>([
    ['non-JSON body', '{nope', /could not parse the JSON body/],
    ['missing model', { messages: [user('x')] }, /'model'/],
    ['empty messages', { model: 'm', messages: [] }, /empty array/],
    ['developer role', { model: 'm', messages: [{ role: 'developer', content: 'x' }] }, /Supported values are: 'system', 'assistant', 'user' and 'tool'/],
    ['stream_options without stream', { model: 'm', stream: false, stream_options: { include_usage: true }, messages: [user('x')] }, /only allowed when 'stream' is enabled/],
    ['empty user content', { model: 'm', messages: [user('')] }, /must not be empty/],
    ['empty system content array', { model: 'm', messages: [{ role: 'system', content: [] }, user('x')] }, /empty array/],
    ['bad content part type', { model: 'm', messages: [{ role: 'user', content: [{ type: 'input_text', text: 'x' }] }] }, /invalid content part type/],
    ['empty assistant message', { model: 'm', messages: [user('a'), { role: 'assistant', content: '' }, user('b')] }, /non-empty content or tool_calls/],
    ['assistant content array', { model: 'm', messages: [user('a'), { role: 'assistant', content: [{ type: 'text', text: 'x' }] }, user('b')] }, /string or null/],
    ['empty tool_calls array', { model: 'm', messages: [user('a'), { role: 'assistant', content: 'x', tool_calls: [] }, user('b')] }, /non-empty array/],
    [
      'unanswered tool call before the next user message',
      { model: 'm', tools, messages: [user('a'), assistantCall('c1'), user('b')] },
      /did not have response messages: c1/,
    ],
    ['unanswered tool call at the end', { model: 'm', tools, messages: [user('a'), assistantCall('c1')] }, /did not have response messages: c1/],
    [
      'system message between a call and its result',
      { model: 'm', tools, messages: [user('a'), assistantCall('c1'), { role: 'system', content: 's' }, toolResult('c1')] },
      /did not have response messages: c1/,
    ],
    ['tool message answering an unknown id', { model: 'm', tools, messages: [user('a'), assistantCall('c1'), toolResult('c2')] }, /preceeding message with 'tool_calls'/],
    ['tool message answering twice', { model: 'm', tools, messages: [user('a'), assistantCall('c1'), toolResult('c1'), toolResult('c1')] }, /already answered/],
    ['empty tool content', { model: 'm', tools, messages: [user('a'), assistantCall('c1'), toolResult('c1', '')] }, /must not be empty/],
    [
      'tool content array',
      { model: 'm', tools, messages: [user('a'), assistantCall('c1'), { role: 'tool', tool_call_id: 'c1', content: [{ type: 'text', text: 'x' }] }] },
      /tool content must be a string/,
    ],
    [
      'arguments that are not JSON',
      { model: 'm', messages: [user('a'), { role: 'assistant', content: null, tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{"cmd":' } }] }, toolResult('c')] },
      /not valid JSON/,
    ],
    [
      'empty-string arguments',
      { model: 'm', messages: [user('a'), { role: 'assistant', content: null, tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '' } }] }, toolResult('c')] },
      /not valid JSON/,
    ],
    [
      'object arguments',
      { model: 'm', messages: [user('a'), { role: 'assistant', content: null, tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: { cmd: 'ls' } } }] }, toolResult('c')] },
      /expected a string/,
    ],
    [
      'dotted tool-call name',
      { model: 'm', messages: [user('a'), { role: 'assistant', content: null, tool_calls: [{ id: 'c', type: 'function', function: { name: 'mcp.server.tool', arguments: '{}' } }] }, toolResult('c')] },
      /does not match pattern/,
    ],
    ['dotted tool name', { model: 'm', messages: [user('a')], tools: [{ type: 'function', function: { name: 'ns.tool' } }] }, /does not match pattern/],
    ['65-char tool name', { model: 'm', messages: [user('a')], tools: [{ type: 'function', function: { name: 'x'.repeat(65) } }] }, /does not match pattern/],
    ['non-function tool', { model: 'm', messages: [user('a')], tools: [{ type: 'web_search' }] }, /Supported values are: 'function'/],
    ['duplicate tool names', { model: 'm', messages: [user('a')], tools: [tools![0], tools![0]] }, /duplicate function name/],
    ['empty tools array', { model: 'm', messages: [user('a')], tools: [] }, /empty array/],
    ['tool_choice without tools', { model: 'm', messages: [user('a')], tool_choice: 'auto' }, /only allowed when 'tools' are specified/],
    ['parallel_tool_calls without tools', { model: 'm', messages: [user('a')], parallel_tool_calls: true }, /only allowed when 'tools' are specified/],
  ])('rejects %s', async (_name, body, pattern) => {
    expect(await rejection(body)).toMatch(pattern);
  });

  it('optional provider rules: rejectFields, singleLeadingSystem, allowEmptyToolContent', async () => {
    expect(await rejection({ model: 'm', tools, parallel_tool_calls: true, messages: [user('a')] }, { rejectFields: ['parallel_tool_calls'] })).toMatch(/Unrecognized request argument supplied: parallel_tool_calls/);
    expect(await rejection({ model: 'm', messages: [user('a'), { role: 'system', content: 's' }] }, { singleLeadingSystem: true })).toMatch(/beginning/);
    expect(await rejection({ model: 'm', messages: [user('a'), { role: 'system', content: 's' }] })).toBeUndefined();
    expect(await rejection({ model: 'm', tools, messages: [user('a'), assistantCall('c1'), toolResult('c1', '')] }, { allowEmptyToolContent: true })).toBeUndefined();
  });

  it('rejected requests consume no scripted turn', async () => {
    const m = await start({ turns: [{ content: 'first' }, { content: 'second' }] });
    expect((await post(m, { model: 'm', messages: [] })).status).toBe(400);
    const r = (await (await post(m, { model: 'm', messages: [user('a')] })).json()) as { choices: Array<{ message: { content: string } }> };
    expect(r.choices[0].message.content).toBe('first');
    expect(m.requests.map((q) => q.turnIndex)).toEqual([undefined, 0]);
  });
});

describe('mock upstream: auth, models, script', () => {
  it('enforces apiKey with a 401', async () => {
    const m = await start({ turns: [{ content: 'ok' }], apiKey: 'sk-right', models: ['a'] });
    const err = await client(m, 'sk-wrong').chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((err as Error).message).toContain('Invalid API key');
    expect(m.requests[0]).toMatchObject({ status: 401, rejection: 'Invalid API key' });
    expect(m.requests[0].headers.authorization).toBe('Bearer sk-wrong');

    const res = await fetch(`${m.url}/chat/completions`, { method: 'POST', body: JSON.stringify({ model: 'm', messages: [user('x')] }) });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: { message: 'Invalid API key', type: 'invalid_request_error' } });
    expect((await fetch(`${m.url}/models`)).status).toBe(401);

    const ok = await client(m, 'sk-right').chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }] });
    expect(ok.choices[0].message.content).toBe('ok');
  });

  it('GET /v1/models lists the configured models; 404 when none are configured', async () => {
    const m = await start({ turns: [{ content: 'ok' }], models: ['deepseek-chat', 'deepseek-reasoner'] });
    const list = await client(m).models.list();
    expect(list.data.map((x) => x.id)).toEqual(['deepseek-chat', 'deepseek-reasoner']);
    const raw = await (await fetch(`${m.url}/models`)).json();
    expect(raw).toMatchObject({ object: 'list', data: [{ id: 'deepseek-chat', object: 'model' }, { id: 'deepseek-reasoner', object: 'model' }] });
    await m.close();
    const n = await start({ turns: [{ content: 'ok' }] });
    expect((await fetch(`${n.url}/models`)).status).toBe(404);
  });

  it('a script function sees the request and its index; the array form repeats its last turn', async () => {
    const seen: Array<[string, number]> = [];
    const m = await start({
      turns: (req, i) => {
        seen.push([(req.messages.at(-1) as { content: string }).content, i]);
        return { content: `turn ${i}` };
      },
    });
    for (const q of ['a', 'b']) await post(m, { model: 'm', messages: [user(q)] });
    expect(seen).toEqual([['a', 0], ['b', 1]]);
    await m.close();

    const n = await start({ turns: [{ content: 'one' }, { content: 'two' }] });
    const got: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = (await (await post(n, { model: 'm', messages: [user('x')] })).json()) as { choices: Array<{ message: { content: string } }> };
      got.push(r.choices[0].message.content);
    }
    expect(got).toEqual(['one', 'two', 'two']);
  });

  it('answers /chat/completions without the /v1 prefix too', async () => {
    const m = await start({ turns: [{ content: 'ok' }] });
    const res = await fetch(m.url.replace(/\/v1$/, '/chat/completions'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', messages: [user('x')] }),
    });
    expect(res.status).toBe(200);
    expect(m.requests[0].path).toBe('/chat/completions');
  });
});

describe('mock upstream: faults', () => {
  it('cutAfterFrames destroys the socket mid-stream (openai SDK throws, fetch errors)', async () => {
    const m = await start({ turns: [{ content: 'abcdefghijkl', contentDeltas: 6, cutAfterFrames: 3 }] });
    const stream = await client(m).chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }], stream: true });
    let text = '';
    const err = await (async () => {
      for await (const c of stream) text += c.choices[0]?.delta.content ?? '';
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(text).toBe('abcd'); // frames: role chunk, 'ab', 'cd', then the cut
    expect(m.requests[0].status).toBe(200);

    const res = await post(m, { model: 'm', stream: true, messages: [user('x')] });
    expect(res.status).toBe(200);
    await expect(res.text()).rejects.toThrow();
  });

  it('omitDone ends the stream cleanly without [DONE]', async () => {
    const m = await start({ turns: [{ content: 'hello', omitDone: true }] });
    const { chunks, done, text } = await readSse(await post(m, { model: 'm', stream: true, messages: [user('x')] }));
    expect(done).toBe(false);
    expect(text).not.toContain('[DONE]');
    expect(chunks.map((c) => c.choices?.[0]?.delta?.content ?? '').join('')).toBe('hello');
  });

  it('status/headers/errorBody answer instead of the script', async () => {
    const m = await start({
      turns: [
        { status: 429, headers: { 'retry-after': '2' } },
        { status: 402, errorBody: { error: { message: 'Insufficient Balance', type: 'unknown_error', param: null, code: 'invalid_request_error' } } },
        { status: 502, errorBody: '<html>bad gateway</html>' },
        { content: 'fine' },
      ],
    });
    const r1 = await post(m, { model: 'm', messages: [user('x')] });
    expect(r1.status).toBe(429);
    expect(r1.headers.get('retry-after')).toBe('2');
    expect(await r1.json()).toMatchObject({ error: { code: 'rate_limit_exceeded' } });
    const r2 = await post(m, { model: 'm', messages: [user('x')] });
    expect(r2.status).toBe(402);
    expect(await r2.json()).toMatchObject({ error: { message: 'Insufficient Balance' } });
    const r3 = await post(m, { model: 'm', messages: [user('x')] });
    expect(r3.status).toBe(502);
    expect(await r3.text()).toBe('<html>bad gateway</html>');
    const r4 = await post(m, { model: 'm', messages: [user('x')] });
    expect(r4.status).toBe(200);
    expect(m.requests.map((q) => q.status)).toEqual([429, 402, 502, 200]);
  });

  it('rawFrames are sent verbatim, followed by [DONE]', async () => {
    const frames = [sseFrame({ choices: [{ index: 0, delta: { content: 'partial' } }] }), ': keep-alive comment\n\n', sseFrame({ error: { message: 'overloaded', code: 'server_is_overloaded' } })];
    const m = await start({ turns: [{ rawFrames: frames }] });
    for (let i = 0; i < 2; i++) {
      // Twice: the last turn repeats, and must not accumulate [DONE]s.
      const { text } = await readSse(await post(m, { model: 'm', stream: true, messages: [user('x')] }));
      expect(text).toBe(frames.join('') + 'data: [DONE]\n\n');
    }
  });

  it('delayMs and frameDelayMs slow the reply; close() is prompt even mid-delay', async () => {
    const m = await start({ turns: [{ content: 'abc', contentDeltas: 3, frameDelayMs: 40 }] });
    const t0 = Date.now();
    await (await post(m, { model: 'm', stream: true, messages: [user('x')] })).text();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(40 * 5); // 7 frames, 6 gaps

    const slow = await startMockUpstream({ turns: [{ content: 'late', delayMs: 60_000 }] });
    const pending = post(slow, { model: 'm', messages: [user('x')] }).catch((e: unknown) => e);
    // Recorded just before the delay starts.
    await vi.waitFor(() => expect(slow.requests).toHaveLength(1));
    const c0 = Date.now();
    await slow.close();
    expect(Date.now() - c0).toBeLessThan(1000);
    expect(await pending).toBeInstanceOf(Error);
  });

  it('repeatToolCallIds repeats the id on every argument delta', async () => {
    const m = await start({ turns: [{ toolCalls: [{ id: 'call_r', name: 'exec_command', arguments: '{"cmd":"ls"}' }], repeatToolCallIds: true }] });
    const { chunks } = await readSse(await post(m, { model: 'm', stream: true, messages: [user('x')], tools }));
    const deltas = chunks.flatMap((c) => c.choices?.[0]?.delta?.tool_calls ?? []);
    expect(deltas.length).toBeGreaterThanOrEqual(3);
    expect(deltas.every((d) => d.id === 'call_r' && d.index === 0)).toBe(true);
  });
});

describe('mock upstream: provider rules', () => {
  async function refusal(body: unknown, rules: MockUpstreamOptions['rules']): Promise<{ status: number; body: unknown; rejection?: string }> {
    const m = await start({ turns: [{ content: 'ok' }], rules });
    const res = await post(m, body);
    return { status: res.status, body: await res.json(), rejection: m.requests[0].rejection };
  }
  const mistralIds = /^[a-zA-Z0-9]{9}$/;

  it('developerRole: rejected by default, accepted when the provider takes it', async () => {
    const body = { model: 'm', messages: [{ role: 'developer', content: 'd' }, user('a')] };
    expect((await refusal(body, {})).rejection).toMatch(/Supported values are: 'system', 'assistant', 'user' and 'tool'/);
    expect((await refusal(body, { developerRole: 'accept' })).status).toBe(200);
  });

  it("requireToolCallIdPattern: Mistral's 9-character ids, on calls and answers", async () => {
    const bad = await refusal({ model: 'm', tools, messages: [user('a'), assistantCall('call_1'), toolResult('call_1')] }, { requireToolCallIdPattern: mistralIds });
    expect(bad).toMatchObject({ status: 400, rejection: 'Tool call id was call_1 but must be a-z, A-Z, 0-9, with a length of 9.' });
    expect((await refusal({ model: 'm', tools, messages: [user('a'), assistantCall('Ab3dE6gH9'), toolResult('Ab3dE6gH9')] }, { requireToolCallIdPattern: mistralIds })).status).toBe(200);
  });

  it('rejectStrict, in each rejection style', async () => {
    const strictTools = [{ type: 'function', function: { name: 'f', parameters: { type: 'object' }, strict: true } }];
    const body = { model: 'm', tools: strictTools, messages: [user('a')] };
    expect((await refusal(body, { rejectStrict: true })).rejection).toBe('Unrecognized request argument supplied: strict');
    const mistral = await refusal(body, { rejectStrict: true, rejectionStyle: 'mistral' });
    expect(mistral.status).toBe(422);
    expect(mistral.body).toMatchObject({ object: 'error', message: { detail: [{ type: 'extra_forbidden', loc: ['body', 'tools', 0, 'function', 'strict'], msg: 'Extra inputs are not permitted' }] } });
    const gemini = await refusal(body, { rejectStrict: true, rejectionStyle: 'gemini' });
    expect(gemini.body).toEqual([{ error: { code: 400, message: 'Invalid JSON payload received. Unknown name "strict": Cannot find field.', status: 'INVALID_ARGUMENT' } }]);
    expect((await refusal({ ...body, tools: [{ type: 'function', function: { name: 'f' } }] }, { rejectStrict: true })).status).toBe(200);
  });

  it('rejectContentArraysOn, rejectImages, rejectMessageFields, allowedReasoningEfforts', async () => {
    const parts = [{ type: 'text', text: 'a' }];
    expect((await refusal({ model: 'm', messages: [{ role: 'system', content: parts }, user('a')] }, { rejectContentArraysOn: ['system'] })).rejection).toMatch(/system content must be a string/);
    expect((await refusal({ model: 'm', messages: [{ role: 'user', content: parts }] }, { rejectContentArraysOn: ['system'] })).status).toBe(200);
    const image = { role: 'user', content: [{ type: 'text', text: 'see' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,AA' } }] };
    expect(await refusal({ model: 'm', messages: [image] }, { rejectImages: true })).toMatchObject({ status: 422, rejection: expect.stringMatching(/unknown variant `image_url`, expected `text`/) });
    const withReasoning = { model: 'm', tools, messages: [user('a'), assistantCall('c1', { reasoning_content: 'r' }), toolResult('c1')] };
    expect((await refusal(withReasoning, { rejectMessageFields: ['reasoning_content'], rejectionStyle: 'mistral' })).body).toMatchObject({
      message: { detail: [{ loc: ['body', 'messages', 1, 'assistant', 'reasoning_content'] }] },
    });
    expect((await refusal({ model: 'm', messages: [user('a')], reasoning_effort: 'minimal' }, { allowedReasoningEfforts: ['none', 'low', 'medium', 'high'] })).rejection).toBe(
      'Invalid reasoning_effort: minimal. Valid values are: none, low, medium, high',
    );
  });

  it('answer shapes: Mistral ids, Groq x_groq usage, index-less whole tool calls, no [DONE]', async () => {
    const m = await start({
      turns: [{ toolCalls: [{ name: 'exec_command', arguments: '{"cmd":"ls"}' }, { name: 'read_file', arguments: '{"path":"a"}' }] }],
      rules: { toolCallIdStyle: 'alnum9', usageIn: 'x_groq', omitToolCallIndex: true, omitDone: true },
    });
    const { chunks, done } = await readSse(await post(m, { model: 'm', stream: true, stream_options: { include_usage: true }, tools, messages: [user('a')] }));
    expect(done).toBe(false);
    const calls = chunks.flatMap((c) => c.choices?.[0]?.delta?.tool_calls ?? []);
    expect(calls).toHaveLength(2);
    expect(calls.every((c) => c.index === undefined && mistralIds.test(c.id!) && c.function?.arguments?.startsWith('{'))).toBe(true);
    const lastChunk = chunks.at(-1)!;
    expect(lastChunk.choices?.[0]?.finish_reason).toBe('tool_calls');
    expect(lastChunk.x_groq?.usage).toMatchObject({ prompt_tokens: 100, completion_tokens: 20 });
    expect(chunks.some((c) => c.usage)).toBe(false);
  });
});

describe('mock upstream: more provider answer shapes', () => {
  it("Kimi's usage inside the choice, Magistral's thinking parts (streamed and whole)", async () => {
    const m = await start({ turns: [{ reasoning: 'Four.', content: '4' }], rules: { usageIn: 'choice', reasoningField: 'thinking-parts' } });
    const { chunks } = await readSse(await post(m, { model: 'm', stream: true, messages: [user('2+2?')] }));
    const finish = chunks.find((c) => c.choices?.[0]?.finish_reason)!;
    expect(finish.choices![0].usage).toMatchObject({ prompt_tokens: 100 });
    const thinking = chunks.flatMap((c) => (Array.isArray(c.choices?.[0]?.delta?.content) ? (c.choices![0].delta!.content as Array<{ type?: string }>) : []));
    expect(thinking.every((p) => p.type === 'thinking')).toBe(true);
    expect(thinking.length).toBeGreaterThan(0);
    const whole = (await (await post(m, { model: 'm', messages: [user('2+2?')] })).json()) as { choices: Array<{ message: { content: unknown } }> };
    expect(whole.choices[0].message.content).toEqual([{ type: 'thinking', thinking: [{ type: 'text', text: 'Four.' }] }, { type: 'text', text: '4' }]);
  });
});
