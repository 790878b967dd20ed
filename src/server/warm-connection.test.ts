import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { buildConnector, Pool } from 'undici';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createWarmConnector } from './warm-connection.js';

let server: Server | undefined;
let pool: Pool | undefined;
afterEach(async () => {
  await pool?.destroy();
  pool = undefined;
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/** An HTTP server that counts the connections it accepted. */
async function countingServer(onConnection?: (socket: Socket) => void) {
  const sockets: Socket[] = [];
  server = createServer((_req, res) => res.end('ok'));
  server.on('connection', (socket: Socket) => {
    sockets.push(socket);
    onConnection?.(socket);
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { origin: new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`), sockets };
}

async function get(origin: URL, connect: ReturnType<typeof createWarmConnector>['connect']): Promise<string> {
  pool ??= new Pool(origin, { connect });
  const { body } = await pool.request({ path: '/', method: 'GET' });
  return body.text();
}

describe('createWarmConnector', () => {
  it('opens one connection ahead, and the first request goes over it', async () => {
    const { origin, sockets } = await countingServer();
    const warm = createWarmConnector(buildConnector({}), origin);
    expect(await warm.warm()).toBeUndefined();
    expect(warm.holding()).toBe(true);
    await vi.waitFor(() => expect(sockets).toHaveLength(1));
    expect(await get(origin, warm.connect)).toBe('ok');
    expect(sockets).toHaveLength(1);
  });

  it('resolves with the error when nothing listens, and later requests connect afresh', async () => {
    const { origin } = await countingServer();
    await new Promise<void>((resolve) => server!.close(() => resolve()));
    server = undefined;
    const warm = createWarmConnector(buildConnector({}), origin);
    expect(await warm.warm()).toMatchObject({ code: 'ECONNREFUSED' });
    // The server starts after all (on the same port): the request does not reuse the old failure.
    server = createServer((_req, res) => res.end('late'));
    await new Promise<void>((resolve) => server!.listen(Number(origin.port), '127.0.0.1', resolve));
    expect(await get(origin, warm.connect)).toBe('late');
  });

  it('does not hand over a connection the server closed, and opens a new one', async () => {
    let first = true;
    const { origin, sockets } = await countingServer((socket) => {
      if (first) socket.destroy();
      first = false;
    });
    const warm = createWarmConnector(buildConnector({}), origin);
    await warm.warm();
    // The client side notices the close and lets the connection go.
    await vi.waitFor(() => expect(warm.holding()).toBe(false));
    expect(await get(origin, warm.connect)).toBe('ok');
    expect(sockets).toHaveLength(2);
  });

  it('drops a connection nobody took within its age limit', async () => {
    const { origin, sockets } = await countingServer();
    const warm = createWarmConnector(buildConnector({}), origin, 30);
    await warm.warm();
    await vi.waitFor(() => expect(sockets[0]?.destroyed).toBe(true));
    expect(await get(origin, warm.connect)).toBe('ok');
    expect(sockets).toHaveLength(2);
  });

  it('a request that comes while the connection is being opened waits for it', async () => {
    const { origin, sockets } = await countingServer();
    const warm = createWarmConnector(buildConnector({}), origin);
    const warming = warm.warm();
    expect(await get(origin, warm.connect)).toBe('ok');
    await warming;
    expect(sockets).toHaveLength(1);
  });

  it('close() drops the connection it holds', async () => {
    const { origin, sockets } = await countingServer();
    const warm = createWarmConnector(buildConnector({}), origin);
    await warm.warm();
    warm.close();
    await vi.waitFor(() => expect(sockets[0]?.destroyed).toBe(true));
    expect(await warm.warm()).toBeUndefined();
    expect(sockets).toHaveLength(1);
  });
});
