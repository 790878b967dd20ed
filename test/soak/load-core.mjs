// Load and soak driver, plain JavaScript so that both the test suite (with the TypeScript sources)
// and `npm run soak` (with the built dist/) can use it: a streaming Chat Completions upstream on
// loopback, waves of concurrent streamed /v1/responses requests through a bridge, and RSS samples.
import { createServer, request, Agent } from 'node:http';

/**
 * A minimal OpenAI-style streaming upstream: each request gets a role chunk, `deltas` content
 * chunks `frameDelayMs` apart, a finish chunk with usage, and [DONE].
 */
export async function startStreamingUpstream({ deltas = 20, frameDelayMs = 5 } = {}) {
  const sockets = new Set();
  const stats = { requests: 0, completed: 0, abandoned: 0 };
  let closed = false;
  const frame = (value) => `data: ${JSON.stringify(value)}\n\n`;
  const chunk = (delta, finish = null, usage) => ({
    id: 'chatcmpl-load',
    object: 'chat.completion.chunk',
    choices: [{ index: 0, delta, finish_reason: finish }],
    ...(usage && { usage }),
  });
  const server = createServer((req, res) => {
    stats.requests++;
    req.resume();
    req.on('end', async () => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.on('close', () => {
        if (!res.writableFinished) stats.abandoned++;
      });
      res.write(frame(chunk({ role: 'assistant', content: '' })));
      for (let i = 0; i < deltas && !closed && !res.destroyed; i++) {
        if (frameDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, frameDelayMs));
        res.write(frame(chunk({ content: `word${i} ` })));
      }
      if (res.destroyed) return;
      res.write(frame(chunk({}, 'stop', { prompt_tokens: 50, completion_tokens: deltas, total_tokens: 50 + deltas })));
      res.end('data: [DONE]\n\n');
      stats.completed++;
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/v1`,
    stats,
    openSockets: () => sockets.size,
    close: async () => {
      closed = true;
      server.closeAllConnections();
      await new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** One streamed POST /v1/responses; resolves with the last event's type, or rejects. */
function streamOnce(port, token, agent, timeoutMs) {
  const body = JSON.stringify({ model: 'load-model', stream: true, input: 'Say a few words.', tools: [{ type: 'function', name: 'exec_command', parameters: { type: 'object' } }] });
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/v1/responses',
        agent,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (piece) => (text += piece));
        res.on('end', () => {
          if (res.statusCode !== 200) return reject(new Error(`status ${res.statusCode}: ${text.slice(0, 200)}`));
          const last = text.trimEnd().split('\n\n').at(-1) ?? '';
          const data = last.split('\n').find((line) => line.startsWith('data: '));
          try {
            resolve(JSON.parse(data.slice(6)).type);
          } catch {
            reject(new Error(`unparsable last frame: ${last.slice(0, 200)}`));
          }
        });
        res.on('error', reject);
      },
    );
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no complete answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * `concurrency` streamed requests at once through the bridge on `port`. Resolves with how many
 * ended in response.completed and the errors of the others.
 */
export async function runWave({ port, token, concurrency, agent, timeoutMs = 60_000 }) {
  const results = await Promise.allSettled(Array.from({ length: concurrency }, () => streamOnce(port, token, agent, timeoutMs)));
  const errors = [];
  let completed = 0;
  for (const result of results) {
    if (result.status === 'rejected') errors.push(String(result.reason?.message ?? result.reason));
    else if (result.value === 'response.completed') completed++;
    else errors.push(`stream ended with ${result.value}`);
  }
  return { completed, errors };
}

const MiB = 1024 * 1024;

function sampleRss() {
  globalThis.gc?.();
  return process.memoryUsage().rss;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

/**
 * Waves of concurrent streams for `durationMs` through a bridge started with the given functions
 * (from src/ in tests, from dist/ in `npm run soak`). RSS is sampled after every wave; the growth
 * is the median of the last quarter of samples minus the median of the first quarter after warm-up.
 */
export async function soak({ startBridgeServer, normalizeBridgeOptions, durationMs, concurrency, deltas = 20, frameDelayMs = 5, log = () => {} }) {
  const upstream = await startStreamingUpstream({ deltas, frameDelayMs });
  const token = 'soak-token-0123456789abcdef';
  const bridge = await startBridgeServer(normalizeBridgeOptions({ upstream: upstream.url, model: 'load-model', token, apiKey: 'sk-soak-key-0123456789' }));
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const samples = [];
  const errors = [];
  let requests = 0;
  let completed = 0;
  let waves = 0;
  const started = Date.now();
  try {
    while (Date.now() - started < durationMs) {
      const wave = await runWave({ port: bridge.port, token, concurrency, agent });
      waves++;
      requests += concurrency;
      completed += wave.completed;
      errors.push(...wave.errors.slice(0, 10 - Math.min(10, errors.length)));
      samples.push({ at: Date.now() - started, rss: sampleRss() });
      if (waves % 20 === 0) log(`${Math.round((Date.now() - started) / 1000)}s: ${requests} requests, ${requests - completed} failed, rss ${Math.round(samples.at(-1).rss / MiB)} MB`);
    }
  } finally {
    agent.destroy();
    await bridge.close();
    await upstream.close();
  }
  // The first samples (JIT, pools, buffers warming up) are left out of the baseline.
  const settled = samples.slice(Math.min(2, Math.floor(samples.length / 4)));
  const quarter = Math.max(1, Math.floor(settled.length / 4));
  const baseline = median(settled.slice(0, quarter).map((s) => s.rss));
  const final = median(settled.slice(-quarter).map((s) => s.rss));
  return {
    waves,
    requests,
    completed,
    failed: requests - completed,
    errors,
    upstreamAbandoned: upstream.stats.abandoned,
    rssBaselineMb: Math.round(baseline / MiB),
    rssFinalMb: Math.round(final / MiB),
    rssGrowthMb: Math.round((final - baseline) / MiB),
    rssPeakMb: Math.round(Math.max(...samples.map((s) => s.rss)) / MiB),
  };
}
