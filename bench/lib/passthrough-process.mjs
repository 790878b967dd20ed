// The pass-through floor: a plain undici proxy that forwards the chat request and pipes the
// upstream's bytes back, with no parsing and no translation. Whatever the bridge costs beyond this
// is translation; this much is HTTP (one more hop, one more process).
import { createServer } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { Pool } from 'undici';
import { serveMemoryRequests } from './process-memory.mjs';

const base = new URL(process.env.BENCH_UPSTREAM);
const prefix = base.pathname.replace(/\/+$/, '');
const pool = new Pool(base.origin, { keepAliveTimeout: 30_000, headersTimeout: 600_000, bodyTimeout: 600_000 });
const authorization = `Bearer ${process.env.BENCH_UPSTREAM_KEY}`;

const server = createServer(async (req, res) => {
  try {
    const path = `${prefix}${req.url.replace(/^\/v1/, '')}`;
    const upstream = await pool.request({
      path,
      method: req.method,
      headers: { 'content-type': req.headers['content-type'] ?? 'application/json', accept: req.headers.accept ?? '*/*', authorization },
      body: req,
    });
    res.writeHead(upstream.statusCode, { 'content-type': upstream.headers['content-type'] ?? 'application/octet-stream' });
    await pipeline(upstream.body, res);
  } catch (error) {
    if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { message: String(error?.message ?? error) } }));
  }
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  serveMemoryRequests(async () => {
    server.closeAllConnections();
    await pool.destroy();
  });
  process.send({ type: 'ready', port: server.address().port });
});
