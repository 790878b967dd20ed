import { lookup as dnsLookup } from 'node:dns/promises';
import net from 'node:net';
import tls from 'node:tls';
import type { ProviderPreset } from '../providers/presets.js';
import { describeTlsFailure } from '../server/describe-connection-error.js';
import { fail, pass, type DoctorCheck } from './types.js';

// Can this machine reach the upstream at all: DNS, then a TCP connection, then (https) a TLS
// handshake that verifies the certificate. Each failure names the step and the error code.

export type Lookup = (host: string) => Promise<{ address: string }>;

export interface ReachabilityOptions {
  timeoutMs?: number;
  /** The preset in use, for a fix that says how to start a local server. */
  preset?: ProviderPreset;
  lookup?: Lookup;
}

class StepError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const codeOf = (error: unknown): string => (error as NodeJS.ErrnoException).code ?? (error instanceof StepError ? error.code : 'error');

function withTimeout<T>(promise: Promise<T>, ms: number, onTimeout?: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout?.();
      reject(new StepError('ETIMEDOUT', `timed out after ${ms / 1000} s`));
    }, ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** The host as DNS and sockets want it: IPv6 literals without their brackets. */
export const bareHost = (url: URL): string => url.hostname.replace(/^\[(.*)\]$/, '$1');
export const portOf = (url: URL): number => Number(url.port || (url.protocol === 'https:' ? 443 : 80));

export async function checkReachable(url: URL, options: ReachabilityOptions = {}): Promise<DoctorCheck> {
  const timeoutMs = options.timeoutMs ?? 5_000;
  const host = bareHost(url);
  const port = portOf(url);
  const started = Date.now();
  const name = 'reachable';

  let address = host;
  if (!net.isIP(host)) {
    try {
      address = (await withTimeout((options.lookup ?? ((h: string) => dnsLookup(h)))(host), timeoutMs)).address;
    } catch (error) {
      return fail(name, `DNS lookup of ${host} failed (${codeOf(error)})`, 'check the host name in the upstream URL, and this machine\'s network and DNS');
    }
  }

  let socket: net.Socket;
  try {
    socket = await connect(host, port, timeoutMs);
  } catch (error) {
    const code = codeOf(error);
    const what = code === 'ECONNREFUSED' ? 'refused' : 'failed';
    const fix = options.preset?.local
      ? `is ${options.preset.name} running? ${options.preset.startHint ?? ''}`.trim()
      : code === 'ECONNREFUSED'
        ? `nothing listens on ${host}:${port}: check the port in the upstream URL, or start the server`
        : `check the port in the upstream URL, and any firewall or proxy between here and ${host}`;
    return fail(name, `TCP connection to ${host}:${port} ${what} (${code})`, fix);
  }

  let tlsNote = '';
  if (url.protocol === 'https:') {
    try {
      tlsNote = `, ${await handshake(socket, host, timeoutMs)}`;
    } catch (error) {
      socket.destroy();
      const code = codeOf(error);
      // One plain line: OpenSSL's own text is several lines of internals.
      const tls = describeTlsFailure(code, (error as Error).message);
      return fail(
        name,
        `TLS handshake with ${host}:${port} failed (${code}): ${tls.reason}`,
        tls.kind === 'plain-http'
          ? `use http:// in the upstream URL (${url.href.replace(/^https:/, 'http:').replace(/\/+$/, '')})`
          : 'check that the URL should be https and the host is right; if a proxy or antivirus inspects TLS, point NODE_EXTRA_CA_CERTS at its certificate',
      );
    }
  }
  socket.destroy();
  const resolved = address === host ? host : `${host} (${address})`;
  return pass(name, `${resolved} port ${port}${tlsNote} in ${Date.now() - started} ms`);
}

function connect(host: string, port: number, timeoutMs: number): Promise<net.Socket> {
  const socket = net.connect({ host, port, autoSelectFamily: true });
  const connected = new Promise<net.Socket>((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
  });
  return withTimeout(connected, timeoutMs, () => socket.destroy()).catch((error: unknown) => {
    socket.destroy();
    throw error;
  });
}

/** A verified TLS handshake over `socket`; resolves with e.g. "TLSv1.3". */
function handshake(socket: net.Socket, host: string, timeoutMs: number): Promise<string> {
  const secure = tls.connect({ socket, servername: net.isIP(host) ? undefined : host, rejectUnauthorized: true, ALPNProtocols: ['http/1.1'] });
  const done = new Promise<string>((resolve, reject) => {
    secure.once('secureConnect', () => {
      const protocol = secure.getProtocol() ?? 'TLS';
      secure.destroy();
      resolve(protocol);
    });
    secure.once('error', reject);
  });
  return withTimeout(done, timeoutMs, () => secure.destroy()).catch((error: unknown) => {
    secure.destroy();
    throw error;
  });
}
