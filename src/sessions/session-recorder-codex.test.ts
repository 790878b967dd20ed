import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { normalizeBridgeOptions } from '../server/bridge-options.js';
import { startBridgeServer } from '../server/create-bridge-server.js';
import { startMockUpstream } from '../../test/helpers/mock-upstream.js';
import { tempDirsPerTest } from '../../test/helpers/temp-dirs.js';
import { JsonFileBackend } from './json-file-backend.js';
import type { ResponseRecord } from './response-record.js';
import { costOf } from './session-usage.js';
import { openSessionRecorder, savedUpstreamUrl, withSessionRecorder } from './session-recorder.js';
import { sessionsFilePath } from './sessions-home.js';
import { SessionStore } from '../state/session-store.js';

// What the recorder makes of Codex's own requests (codex-requests.ts) and what it keeps for
// `resume` and `usage`, behind a real bridge server and a mock upstream, replaying what Codex 0.171
// and 0.169 sent.

const TOKEN = 'bridge-token-recorder-codex-0123';
const KEY = 'sk-upstream-key-recorder-codex-4567';
const FORWARDED = ['thread-id', 'session-id', 'x-codex-turn-metadata', 'x-codex-parent-thread-id', 'x-openai-subagent', 'originator', 'user-agent'];

interface Captured {
  headers: Record<string, string>;
  body: unknown;
}
const fixture = (version: string, name: string): Captured[] =>
  JSON.parse(readFileSync(new URL(`../../test/fixtures/codex-${version}/${name}.json`, import.meta.url), 'utf8')) as Captured[];

const tempDir = tempDirsPerTest('cb-recorder-codex-');
let home: string;
let warnings: string[];
const cleanup: Array<() => Promise<void> | void> = [];
beforeEach(() => {
  home = path.join(tempDir(), 'home');
  warnings = [];
});
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

/** A bridge to a mock upstream whose sessions are recorded as if the upstream were DeepSeek's. */
async function bridge() {
  const upstream = await startMockUpstream({ apiKey: KEY, turns: () => ({ content: 'Done.', usage: { prompt_tokens: 1_000, completion_tokens: 100, cached_tokens: 600, reasoning_tokens: 10 } }) });
  cleanup.push(() => upstream.close());
  const store = new SessionStore();
  const recorder = await openSessionRecorder({
    home,
    upstreamHost: upstream.url,
    upstreamSetting: { provider: 'deepseek', upstreamUrl: 'https://api.deepseek.com/v1', apiKeyEnv: 'DEEPSEEK_API_KEY' },
    store,
    warn: (line) => warnings.push(line),
    flushDelayMs: 60_000,
  });
  const server = await startBridgeServer(normalizeBridgeOptions({ upstream: upstream.url, model: 'deepseek-chat', token: TOKEN, apiKey: KEY }), { store, onResponse: recorder.onResponse });
  cleanup.push(async () => {
    await server.close();
    await recorder.close();
  });
  const send = async (request: Captured) => {
    const headers = Object.fromEntries(FORWARDED.filter((h) => request.headers[h]).map((h) => [h, request.headers[h]]));
    const res = await fetch(`${server.url}/responses`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ ...(request.body as object), model: 'deepseek-chat' }),
    });
    expect(res.status, await res.text()).toBe(200);
  };
  return { recorder, send };
}

const sessions = () => new JsonFileBackend(sessionsFilePath(home)).list();

describe("Codex's own requests count toward their conversation", () => {
  it('the TUI title request, answered before the first turn is: one session, three requests, titled with the prompt', async () => {
    const [first, title, second] = fixture('0.171', 'tui-two-turns-and-title');
    const { recorder, send } = await bridge();
    await send(title);
    await recorder.flush();
    // Its conversation is not known yet: nothing is written for it.
    expect(await sessions()).toEqual([]);
    await send(first);
    await send(second);
    await recorder.close();
    const saved = await sessions();
    expect(saved.map((s) => [s.id, s.title, s.requests, s.usage.inputTokens])).toEqual([[first.headers['thread-id'], 'Fix the failing test in utils', 3, 3_000]]);
    expect(saved[0]).toMatchObject({ client: 'codex', cwd: '/home/dev/project' });
    expect(recorder.lastCodexSession()).toBe(first.headers['thread-id']);
    expect(warnings).toEqual([]);
  });

  it('a title request whose conversation never shows up goes to the newest one of its folder when the bridge closes', async () => {
    const [first, title] = fixture('0.171', 'tui-two-turns-and-title');
    const { recorder, send } = await bridge();
    await send(first);
    const other = JSON.parse(JSON.stringify(title)) as Captured & { body: { input: Array<{ content: Array<{ text: string }> }> } };
    const prompt = other.body.input.at(-1)!.content[0];
    prompt.text = prompt.text.replace('Fix the failing test in utils', 'a prompt typed while the first was still streaming');
    await send(other);
    await recorder.close();
    expect((await sessions()).map((s) => [s.id, s.requests])).toEqual([[first.headers['thread-id'], 2]]);
  });

  it("a sub-agent's requests are added to the root conversation", async () => {
    const captured = fixture('0.169', 'sub-agents');
    const { recorder, send } = await bridge();
    for (const request of captured) await send(request);
    await recorder.close();
    expect((await sessions()).map((s) => [s.id, s.requests])).toEqual([[captured[0].headers['thread-id'], captured.length]]);
  });
});

describe('a title request that waits for its conversation', () => {
  const record = (thread: string, items: unknown[], source: string): ResponseRecord => ({
    responseId: `resp_${Math.random().toString(36).slice(2)}`,
    conversation: thread,
    model: 'm',
    status: 'completed',
    httpStatus: 200,
    usage: { input_tokens: 10, output_tokens: 2, total_tokens: 12, input_tokens_details: { cached_tokens: 0 }, output_tokens_details: { reasoning_tokens: 0 } },
    inputItems: items,
    headers: { 'thread-id': thread, 'session-id': thread, 'x-codex-turn-metadata': JSON.stringify({ thread_source: source }) },
  });
  const titleItems = [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Generate a concise, single-line task title.\nUser prompt:\nnever seen' }] }];
  const ID_TITLE = '01a30000-0000-7000-8000-00000000000a';
  const ID_OTHER = '01a30000-0000-7000-8000-00000000000b';

  it('does not hold up other sessions, and after five minutes is kept as a record of its own', async () => {
    let clock = Date.parse('2026-12-01T10:00:00Z');
    const recorder = await openSessionRecorder({ home, upstreamHost: 'h', store: new SessionStore(), warn: (line) => warnings.push(line), flushDelayMs: 1, now: () => clock });
    recorder.onResponse(record(ID_TITLE, titleItems, 'thread_title'));
    // An API client's request meanwhile is written as soon as usual.
    recorder.onResponse({ ...record(ID_OTHER, [{ role: 'user', content: 'hi' }], 'user'), headers: {} });
    const deadline = Date.now() + 5_000;
    while ((await sessions()).length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    expect((await sessions()).map((s) => s.id)).toEqual([ID_OTHER]);
    clock += 6 * 60_000;
    await recorder.flush();
    expect((await sessions()).map((s) => [s.id, s.requests]).sort()).toEqual([
      [ID_TITLE, 1],
      [ID_OTHER, 1],
    ]);
    await recorder.close();
    expect(warnings).toEqual([]);
  });
});

describe('what a session keeps for resume and usage', () => {
  it('the provider, upstream URL and key variable; usage by hour and model, each request priced', async () => {
    const [first, , second] = fixture('0.171', 'tui-two-turns-and-title');
    const { recorder, send } = await bridge();
    await send(first);
    await send(second);
    await recorder.close();
    const [session] = await sessions();
    expect(session).toMatchObject({ provider: 'deepseek', upstreamUrl: 'https://api.deepseek.com/v1', apiKeyEnv: 'DEEPSEEK_API_KEY', model: 'deepseek-chat' });
    expect(session.buckets).toHaveLength(1);
    expect(session.buckets[0]).toMatchObject({ model: 'deepseek-chat', requests: 2, inputTokens: 2_000, cachedTokens: 1_200, outputTokens: 200, reasoningTokens: 20, unpricedRequests: 0 });
    const { costUsd } = costOf(session.buckets);
    expect(costUsd).toBeGreaterThan(0);
    const text = readFileSync(sessionsFilePath(home), 'utf8');
    expect(text).not.toContain(KEY);
    expect(text).not.toContain(TOKEN);
  });

  it('an upstream URL with credentials or a query is not kept (a key may be in it)', () => {
    expect(savedUpstreamUrl('https://api.deepseek.com/v1/')).toBe('https://api.deepseek.com/v1');
    expect(savedUpstreamUrl('https://user:secret@example.com/v1')).toBeUndefined();
    expect(savedUpstreamUrl('https://example.com/v1?key=secret')).toBeUndefined();
    expect(savedUpstreamUrl('not a url')).toBeUndefined();
  });

  it('withSessionRecorder tells the Codex session it saved last, only once it is saved', async () => {
    const upstream = await startMockUpstream({ apiKey: KEY, turns: () => ({ content: 'ok' }) });
    cleanup.push(() => upstream.close());
    const options = normalizeBridgeOptions({ upstream: upstream.url, model: 'm', token: TOKEN, apiKey: KEY });
    const server = await withSessionRecorder({ home, upstream: upstream.url, provider: 'vllm', flushDelayMs: 60_000, warn: (line) => warnings.push(line) }, (deps) => startBridgeServer(options, deps));
    const [first] = fixture('0.171', 'tui-two-turns-and-title');
    const res = await fetch(`${server.url}/responses`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', 'thread-id': first.headers['thread-id'] },
      body: JSON.stringify(first.body),
    });
    await res.text();
    await new Promise((resolve) => setImmediate(resolve));
    expect(server.lastCodexSession()).toBeUndefined();
    await server.close();
    expect(server.lastCodexSession()).toBe(first.headers['thread-id']);
    expect((await sessions())[0]).toMatchObject({ provider: 'vllm', upstreamUrl: upstream.url.replace(/\/+$/, '') });
  });
});
