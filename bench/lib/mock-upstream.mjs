// A Chat Completions server that streams at a fixed pace, run as its own process by bench/run.mjs.
//
// The model name is the script: `bench-<chunks>x<perTick>@<tickMs>` streams <chunks> content deltas,
// <perTick> per write, one write every <tickMs> ms (0 = as fast as the socket takes them). The role
// chunk goes out with the headers, so the first content delta arrives one tick later. Usage is sent
// when stream_options.include_usage asks for it, then `data: [DONE]`, like OpenAI and DeepSeek.
// The request body is read whole and parsed, as a real provider would.

import { createServer } from 'node:http';
import { performance } from 'node:perf_hooks';

const SCENARIO = /^bench-(\d+)x(\d+)@(\d+(?:\.\d+)?)$/;
const CREATED = 1_700_000_000;
const frames = new Map();

function frame(model, delta, finishReason) {
  const chunk = {
    id: 'chatcmpl-bench',
    object: 'chat.completion.chunk',
    created: CREATED,
    model,
    system_fingerprint: 'fp_bench',
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
  };
  return `data: ${JSON.stringify(chunk)}\n\n`;
}

/** Precomputed writes for one scenario: the serving loop only picks strings. */
function framesFor(model) {
  let cached = frames.get(model);
  if (cached) return cached;
  const match = SCENARIO.exec(model);
  const chunks = match ? Number(match[1]) : 8;
  const perTick = match ? Math.max(1, Number(match[2])) : 1;
  const tickMs = match ? Number(match[3]) : 1;
  const role = frame(model, { role: 'assistant', content: '' }, null);
  const content = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((i) => frame(model, { content: ` tok${i}` }, null));
  const ticks = [];
  for (let sent = 0; sent < chunks; ) {
    let write = '';
    for (let i = 0; i < perTick && sent < chunks; i++, sent++) write += content[sent % 10];
    ticks.push(write);
  }
  const finish = frame(model, {}, 'stop');
  const usage = `data: ${JSON.stringify({
    id: 'chatcmpl-bench',
    object: 'chat.completion.chunk',
    created: CREATED,
    model,
    choices: [],
    usage: { prompt_tokens: 1200, completion_tokens: chunks, total_tokens: 1200 + chunks, prompt_tokens_details: { cached_tokens: 1024 } },
  })}\n\n`;
  cached = { role, ticks, finish, usage, tickMs, chunks };
  frames.set(model, cached);
  return cached;
}

function stream(res, body) {
  const f = framesFor(String(body.model ?? ''));
  const withUsage = body.stream_options?.include_usage === true;
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  res.write(f.role);
  let gone = false;
  res.once('close', () => {
    gone = true;
  });
  let index = 0;
  // Write k is due k ticks after the headers, however late the previous one went out: a model's
  // pace is set by its hardware, not by how busy this machine is (a chain of setTimeouts would
  // drift later and later when the proxy under test takes CPU, and bill that to the proxy).
  const started = performance.now();
  const next = () => {
    if (gone) return;
    if (index < f.ticks.length) {
      const ok = res.write(f.ticks[index++]);
      if (f.tickMs > 0) setTimeout(next, Math.max(0, started + (index + 1) * f.tickMs - performance.now()));
      else if (ok) setImmediate(next);
      else res.once('drain', next);
      return;
    }
    res.end(`${f.finish}${withUsage ? f.usage : ''}data: [DONE]\n\n`);
  };
  if (f.tickMs > 0) setTimeout(next, f.tickMs);
  else setImmediate(next);
}

function blocking(res, body) {
  const f = framesFor(String(body.model ?? ''));
  const text = Array.from({ length: f.chunks }, (_, i) => ` tok${i % 10}`).join('');
  const payload = JSON.stringify({
    id: 'chatcmpl-bench',
    object: 'chat.completion',
    created: CREATED,
    model: body.model,
    choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 1200, completion_tokens: f.chunks, total_tokens: 1200 + f.chunks },
  });
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) });
  res.end(payload);
}

const server = createServer((req, res) => {
  if (req.method !== 'POST' || !req.url.endsWith('/chat/completions')) {
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"message":"not found"}}');
    return;
  }
  const parts = [];
  req.on('data', (chunk) => parts.push(chunk));
  req.on('end', () => {
    let body;
    try {
      body = JSON.parse(Buffer.concat(parts).toString('utf8'));
    } catch {
      res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":{"message":"bad json"}}');
      return;
    }
    if (body.stream === true) stream(res, body);
    else blocking(res, body);
  });
});
server.keepAliveTimeout = 60_000;

server.listen(0, '127.0.0.1', () => {
  process.send({ type: 'ready', port: server.address().port });
});
// Stops with the bench: when the parent goes (or says so), so do we.
process.on('disconnect', () => process.exit(0));
process.on('message', (message) => {
  if (message?.type === 'exit') process.exit(0);
});
