import { createServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { findPreset } from '../providers/presets.js';
import { checkReachable } from './check-reachability.js';
import { TEST_CERT, TEST_KEY } from '../../test/helpers/self-signed-cert.js';

let server: Server | undefined;
afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

async function plainHttpServer(): Promise<number> {
  server = createServer((_, res) => res.end('hi'));
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

describe('checkReachable', () => {
  it('passes a listening http server', async () => {
    const port = await plainHttpServer();
    const check = await checkReachable(new URL(`http://127.0.0.1:${port}/v1`));
    expect(check.ok).toBe(true);
    expect(check.detail).toMatch(new RegExp(`^127\\.0\\.0\\.1 port ${port} in \\d+ ms$`));
  });

  it('names a refused connection, and for a local preset how to start it', async () => {
    const check = await checkReachable(new URL('http://127.0.0.1:9/v1'));
    expect(check).toMatchObject({ ok: false, detail: 'TCP connection to 127.0.0.1:9 refused (ECONNREFUSED)' });
    const ollama = await checkReachable(new URL('http://127.0.0.1:9/v1'), { preset: findPreset('ollama') });
    expect(ollama.fix).toBe('is Ollama running? start it with `ollama serve`, and fetch the model with `ollama pull gpt-oss:20b`');
  });

  it('names a failed DNS lookup', async () => {
    const check = await checkReachable(new URL('https://codex-bridge-doctor.invalid/v1'));
    expect(check.ok).toBe(false);
    expect(check.detail).toMatch(/^DNS lookup of codex-bridge-doctor\.invalid failed \((ENOTFOUND|EAI_AGAIN|EAI_FAIL|ESERVFAIL)\)$/);
  });

  it('times a DNS lookup out', async () => {
    const check = await checkReachable(new URL('https://slow.example/v1'), { timeoutMs: 100, lookup: () => new Promise(() => {}) });
    expect(check.detail).toBe('DNS lookup of slow.example failed (ETIMEDOUT)');
  });

  it('names a failed TLS handshake (https to a plain http port)', async () => {
    const port = await plainHttpServer();
    const check = await checkReachable(new URL(`https://localhost:${port}/v1`), { lookup: async () => ({ address: '127.0.0.1' }) });
    expect(check.ok).toBe(false);
    expect(check.detail).toMatch(new RegExp(`^TLS handshake with localhost:${port} failed \\((EPROTO|ERR_SSL_[A-Z_]+)\\): this server speaks plain HTTP, not TLS$`));
    expect(check.fix).toBe(`use http:// in the upstream URL (http://localhost:${port}/v1)`);
  });

  it('a certificate this machine does not trust: one plain line, and where to point NODE_EXTRA_CA_CERTS', async () => {
    server = createHttpsServer({ key: TEST_KEY, cert: TEST_CERT }, (_, res) => res.end('hi'));
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const check = await checkReachable(new URL(`https://127.0.0.1:${port}/v1`));
    expect(check.ok).toBe(false);
    expect(check.detail).toBe(`TLS handshake with 127.0.0.1:${port} failed (DEPTH_ZERO_SELF_SIGNED_CERT): its TLS certificate is self-signed, so it is not trusted`);
    expect(check.detail).not.toContain('\n');
    expect(check.fix).toContain('NODE_EXTRA_CA_CERTS');
  });
});
