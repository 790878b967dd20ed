// A scripted Chat Completions server for integration and end-to-end tests.
//
// It answers like a real provider (chunk shapes, fragmented tool-call arguments, usage only with
// include_usage) and it is strict like one: every request is validated before the script runs,
// and a request a real provider would refuse is answered 400 and recorded with the reason, so a
// translation bug fails the test loudly instead of sailing through a forgiving mock.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import type { ChatRequest } from '../../src/translate/types.js';
import { buildUsage, completionBody, generatedCallId, streamChunks, type Resolved } from './mock-upstream-answers.js';
import type { MockRules, MockTurn, MockUpstream, MockUpstreamOptions, RecordedRequest } from './mock-upstream-types.js';
import { checkReasoningRule, openAiError, Rejection, validate } from './mock-upstream-validation.js';

export type { MockRules, MockToolCall, MockTurn, MockUpstream, MockUpstreamOptions, ReasoningRule, RecordedRequest } from './mock-upstream-types.js';
export { DEFAULT_USAGE } from './mock-upstream-answers.js';

/** One SSE data frame: `data: <json>\n\n`. */
export function sseFrame(data: unknown): string {
  return `data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`;
}

function defaultErrorBody(status: number): unknown {
  if (status === 429) return openAiError('Rate limit reached (mock upstream).', 'requests', 'rate_limit_exceeded');
  if (status >= 500) return openAiError(`The server had an error (mock upstream ${status}).`, 'server_error', null);
  return openAiError(`Mock upstream error ${status}.`, 'invalid_request_error', null);
}

// ---------------------------------------------------------------- server

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on('data', (b: Buffer) => parts.push(b));
    req.on('error', reject);
    req.on('end', () => {
      let buf = Buffer.concat(parts);
      const enc = String(req.headers['content-encoding'] ?? '').toLowerCase();
      try {
        if (enc === 'gzip') buf = gunzipSync(buf);
        else if (enc === 'deflate') buf = inflateSync(buf);
        else if (enc === 'br') buf = brotliDecompressSync(buf);
      } catch (e) {
        reject(e);
        return;
      }
      resolve(buf.toString('utf8'));
    });
  });
}

export async function startMockUpstream(o: MockUpstreamOptions): Promise<MockUpstream> {
  if (Array.isArray(o.turns) && o.turns.length === 0) throw new Error('startMockUpstream: turns must not be empty');
  const rules: MockRules = o.rules ?? {};
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  const timers = new Set<{ t: NodeJS.Timeout; resolve: () => void }>();
  let closed = false;
  let turnCounter = 0;
  let callCounter = 0;
  let completionCounter = 0;

  const sleep = (ms: number): Promise<void> =>
    ms > 0 && !closed
      ? new Promise((resolve) => {
          const entry = {
            resolve,
            t: setTimeout(() => {
              timers.delete(entry);
              resolve();
            }, ms),
          };
          timers.add(entry);
        })
      : Promise.resolve();

  const write = (res: ServerResponse, data: string): Promise<void> =>
    new Promise((resolve) => {
      if (res.destroyed || res.writableEnded) return resolve();
      res.write(data, () => resolve());
    });

  const sendJson = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void => {
    if (res.headersSent || res.destroyed) return;
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json', ...headers });
    res.end(text);
  };

  const authorized = (req: IncomingMessage): boolean => o.apiKey === undefined || req.headers.authorization === `Bearer ${o.apiKey}`;
  const unauthorized = openAiError('Invalid API key', 'invalid_request_error', 'invalid_api_key');

  async function handleChat(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    let rawBody = '';
    try {
      rawBody = await readBody(req);
    } catch {
      /* an undecodable body is rejected below as non-JSON */
    }
    let body: unknown;
    try {
      body = JSON.parse(rawBody);
    } catch {
      body = undefined;
    }
    const rec: RecordedRequest = { body: body as ChatRequest, rawBody, path, headers: { ...req.headers }, status: 0 };
    requests.push(rec);

    const reject = (status: number, message: string, err: unknown): void => {
      rec.status = status;
      rec.rejection = message;
      sendJson(res, status, err);
    };
    if (!authorized(req)) return reject(401, 'Invalid API key', unauthorized);
    try {
      if (body === undefined) throw new Rejection('We could not parse the JSON body of your request. (HINT: This likely means you aren\'t using your HTTP library correctly.)');
      if (rules.validate !== false) validate(body, rules);
      checkReasoningRule(body, rules);
    } catch (e) {
      if (!(e instanceof Rejection)) throw e;
      return reject(e.status, e.message, e.body ?? openAiError(e.message, 'invalid_request_error', e.code));
    }

    const request = body as ChatRequest;
    const index = turnCounter++;
    rec.turnIndex = index;
    let turn: MockTurn;
    try {
      turn = Array.isArray(o.turns) ? o.turns[Math.min(index, o.turns.length - 1)] : await o.turns(request, index);
    } catch (e) {
      const message = `mock upstream script threw: ${e instanceof Error ? e.message : String(e)}`;
      return reject(500, message, openAiError(message, 'server_error', null));
    }

    await sleep(turn.delayMs ?? 0);
    if (closed || res.destroyed) {
      rec.status = 0;
      return;
    }
    const extraHeaders = turn.headers ?? {};

    if (turn.status !== undefined) {
      rec.status = turn.status;
      sendJson(res, turn.status, turn.errorBody ?? defaultErrorBody(turn.status), extraHeaders);
      return;
    }

    const resolved: Resolved = {
      calls: (turn.toolCalls ?? []).map((c) => ({ id: c.id ?? generatedCallId(++callCounter, rules), name: c.name, arguments: c.arguments })),
      finishReason: turn.finishReason ?? (turn.toolCalls && turn.toolCalls.length > 0 ? 'tool_calls' : 'stop'),
      usage: buildUsage(turn),
    };
    const base = { id: `chatcmpl-mock-${++completionCounter}`, created: Math.floor(Date.now() / 1000), model: request.model };
    rec.status = 200;

    if (request.stream !== true) {
      const text = turn.rawBody ?? JSON.stringify(completionBody(turn, resolved, base, rules));
      if (turn.cutAfterFrames !== undefined) {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), ...extraHeaders });
        await write(res, text.slice(0, Math.floor(text.length / 2)));
        res.socket?.destroy();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json', ...extraHeaders });
      res.end(text);
      return;
    }

    const streamUsage = rules.streamUsage ?? 'when-requested';
    const includeUsage = streamUsage === 'always' || (streamUsage === 'when-requested' && request.stream_options?.include_usage === true);
    // Copy: the turn may be replayed (array form repeats its last turn), so never mutate it.
    const frames = turn.rawFrames ? [...turn.rawFrames] : streamChunks(turn, resolved, base, rules, includeUsage).map((c) => sseFrame(c));
    if (!turn.omitDone && !rules.omitDone) frames.push('data: [DONE]\n\n');

    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', ...extraHeaders });
    res.flushHeaders();
    let sent = 0;
    for (const frame of frames) {
      if (turn.cutAfterFrames !== undefined && sent >= turn.cutAfterFrames) break;
      if (sent > 0) await sleep(turn.frameDelayMs ?? 0);
      if (closed || res.destroyed) return;
      await write(res, frame);
      sent++;
    }
    if (turn.cutAfterFrames !== undefined && turn.cutAfterFrames < frames.length) {
      // Everything written so far has been flushed (write callbacks); now break the chunked body.
      res.socket?.destroy();
      return;
    }
    res.end();
  }

  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0].replace(/\/+$/, '');
    const run = async (): Promise<void> => {
      if (req.method === 'POST' && (path === '/v1/chat/completions' || path === '/chat/completions')) return handleChat(req, res, path);
      if (req.method === 'GET' && (path === '/v1/models' || path === '/models')) {
        req.resume();
        if (!authorized(req)) return sendJson(res, 401, unauthorized);
        if (o.models === undefined) return sendJson(res, 404, openAiError('Not found', 'invalid_request_error', null));
        return sendJson(res, 200, { object: 'list', data: o.models.map((id) => ({ id, object: 'model', created: 0, owned_by: 'mock-upstream' })) });
      }
      req.resume();
      sendJson(res, 404, openAiError(`Unknown route ${req.method} ${path}`, 'invalid_request_error', null));
    };
    run().catch((e: unknown) => {
      const message = `mock upstream crashed: ${e instanceof Error ? e.stack ?? e.message : String(e)}`;
      if (!res.headersSent) sendJson(res, 500, openAiError(message, 'server_error', null));
      else res.destroy();
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    close: async () => {
      if (closed) return;
      closed = true;
      for (const entry of timers) {
        clearTimeout(entry.t);
        entry.resolve();
      }
      timers.clear();
      const done = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      for (const s of sockets) s.destroy();
      await done;
    },
  };
}

/**
 * The mock's verdict on a chat request without starting a server (for property tests): the reason
 * it would be refused, or undefined if it would be served. Same rules as a running mock.
 */
export function checkChatRequest(body: unknown, rules: MockRules = {}): string | undefined {
  try {
    validate(body, rules);
    checkReasoningRule(body, rules);
    return undefined;
  } catch (error) {
    if (error instanceof Rejection) return error.message;
    throw error;
  }
}
