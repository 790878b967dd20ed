import { request, type Agent, type IncomingHttpHeaders } from 'node:http';

export interface RawReply {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

export interface RawPostOptions {
  port: number;
  path?: string;
  /** One buffer is sent with its Content-Length; several are sent chunked, one write each. */
  body: Buffer | Buffer[];
  headers?: Record<string, string>;
  agent?: Agent | false;
  /** Fail instead of waiting forever for an answer (a hang is a bug too). */
  timeoutMs?: number;
}

/** POST with node:http, so Content-Length, chunking and the agent are under the test's control. */
export function rawPost({ port, path = '/', body, headers = {}, agent, timeoutMs }: RawPostOptions): Promise<RawReply> {
  const pieces = Array.isArray(body) ? body : [body];
  const lengthHeader = Array.isArray(body) ? {} : { 'content-length': String(body.length) };
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: 'POST', path, agent, headers: { ...lengthHeader, ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    if (timeoutMs !== undefined) req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms (a hang)`)));
    req.on('error', reject);
    for (const piece of pieces) req.write(piece);
    req.end();
  });
}
