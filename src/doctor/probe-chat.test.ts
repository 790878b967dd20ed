import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { findPreset } from '../providers/presets.js';
import type { KeyContext } from './check-models.js';
import { probeChat } from './probe-chat.js';
import type { DoctorCheck } from './types.js';
import { UpstreamRequestError, type HttpAnswer, type UpstreamHttp } from './upstream-http.js';

// doctor --probe: each way a probe can fail gets the fix for that failure, not one line for all.
// The upstream is scripted per request: the 1-token request, the stream, then the tool calls.

type Reply = { status: number; json?: unknown; sse?: unknown[] } | { error: UpstreamRequestError };

function scripted(replies: Array<Reply | ((body: Record<string, unknown>) => Reply)>): UpstreamHttp {
  let n = 0;
  const answer = (reply: Reply): HttpAnswer => {
    if ('error' in reply) throw reply.error;
    const text = reply.sse ? `${reply.sse.map((chunk) => `data: ${JSON.stringify(chunk)}\n\n`).join('')}data: [DONE]\n\n` : JSON.stringify(reply.json ?? {});
    return {
      status: reply.status,
      contentType: reply.sse ? 'text/event-stream' : 'application/json',
      text: async () => text,
      body: Readable.from([Buffer.from(text)]) as unknown as HttpAnswer['body'],
    };
  };
  return {
    get: async () => answer({ status: 404 }),
    post: async (_path, body) => {
      const next = replies[Math.min(n++, replies.length - 1)];
      return answer(typeof next === 'function' ? next(body as Record<string, unknown>) : next);
    },
    close: async () => {},
  };
}

const ctx: KeyContext = { apiKey: 'sk-probe-key-0123456789', apiKeyEnv: 'DEEPSEEK_API_KEY', preset: findPreset('deepseek'), host: 'api.deepseek.com', redact: (text) => text };
const ok = { status: 200, json: { choices: [{ message: { role: 'assistant', content: 'OK' } }] } };
const streamOk = { status: 200, sse: [{ choices: [{ index: 0, delta: { content: '1 2 3' } }] }, { choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }] };
const error = (status: number, message: string) => ({ status, json: { error: { message } } });

async function failed(name: string, replies: Parameters<typeof scripted>[0]): Promise<DoctorCheck | undefined> {
  const outcome = await probeChat(scripted(replies), 'deepseek-v4-flash', ctx);
  return [...outcome.checks, ...(outcome.keyCheck ? [outcome.keyCheck] : [])].find((check) => check.name === name && !check.ok);
}

describe('doctor --probe: the fix fits what failed', () => {
  it('a rate limit is waited out, not blamed on the URL or the model', async () => {
    const check = await failed('chat', [error(429, 'Rate limit reached for requests')]);
    expect(check?.detail).toBe('a 1-token request answered 429: Rate limit reached for requests');
    expect(check?.fix).toBe("api.deepseek.com is rate-limiting the key: wait a minute and run codex-bridge doctor --probe again; if it persists, check the account's rate limits");
  });

  it('a spent balance (a 429 that says so) is topped up', async () => {
    expect((await failed('chat', [error(429, 'You exceeded your current quota, please check your plan and billing details')]))?.fix).toBe(
      'top up the balance at DeepSeek (the account of the key in $DEEPSEEK_API_KEY)',
    );
  });

  it("the upstream's own failure is retried later", async () => {
    expect((await failed('chat', [error(503, 'Service Unavailable')]))?.fix).toBe('api.deepseek.com has a problem on its side; try again later');
  });

  it('a refused request points at what was refused, not at the URL', async () => {
    expect((await failed('chat', [error(400, 'max_tokens must be at least 16')]))?.fix).toBe(
      'api.deepseek.com refused the request (what it says is above): check that deepseek-v4-flash is a chat model it serves',
    );
  });

  it('a model that sends nothing in time: overloaded or slow, not the network', async () => {
    const silent = new UpstreamRequestError('no response within 60s', 'UND_ERR_HEADERS_TIMEOUT', 'silent');
    expect((await failed('chat', [{ error: silent }]))?.fix).toBe(
      'api.deepseek.com accepted the request but sent nothing back in time: the model may be overloaded or slow to start; try again later, or another model',
    );
    const refused = new UpstreamRequestError('connection refused', 'ECONNREFUSED', 'refused');
    expect((await failed('chat', [{ error: refused }]))?.fix).toBe('check the upstream URL and the network (the reachability check above)');
  });

  it('the stream: a rate limit, and an error carried inside it, each get their own fix', async () => {
    const limited = await failed('streaming', [ok, error(429, 'Too many requests'), streamOk]);
    expect(limited?.fix).toMatch(/^api\.deepseek\.com is rate-limiting the key: wait a minute/);
    const carried = await failed('streaming', [ok, { status: 200, sse: [{ error: { message: 'Insufficient Balance', code: 402 } }] }, streamOk]);
    expect(carried?.fix).toBe('top up the balance at DeepSeek (the account of the key in $DEEPSEEK_API_KEY)');
  });

  it('tools: every form of tool_choice refused means a model without tools; a 5xx there is still the upstream\'s', async () => {
    const refused = await failed('tools', [ok, streamOk, error(400, 'tools are not supported for this model')]);
    expect(refused?.detail).toBe('a request with a tool answered 400: tools are not supported for this model');
    expect(refused?.fix).toBe('Codex works through tool calls: pick a model that supports function calling');
    expect((await failed('tools', [ok, streamOk, error(502, 'Bad gateway')]))?.fix).toBe('api.deepseek.com has a problem on its side; try again later');
  });
});
