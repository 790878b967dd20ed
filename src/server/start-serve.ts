import { randomBytes } from 'node:crypto';
import type { BridgeOptions } from './bridge-options.js';
import { buildBridgeOptions } from './build-bridge-options.js';
import { isLoopbackHost } from './guard-request.js';
import { resolveUpstreamOptions } from '../config/resolve-upstream-options.js';
import { resolveUpstreamTimeout } from '../config/upstream-timeout.js';
import { dimLine } from '../output/dim-line.js';
import { UsageError } from '../output/usage-error.js';

// `codex-bridge serve`: the bridge on its own, until Ctrl-C. For pointing an already-configured
// Codex (or any Responses client) at it; `run` is the one-shot alternative.

export interface ServeFlags {
  provider?: string;
  upstream?: string;
  model?: string;
  apiKeyEnv?: string;
  port?: number;
  host?: string;
  verbose?: boolean;
  keepAliveMs?: number;
  quirk?: string[];
  /** --upstream-timeout, e.g. "90s". */
  upstreamTimeout?: string;
}

export interface ServeDependencies {
  env?: NodeJS.ProcessEnv;
  /** Where the start-up lines go (default stdout). */
  out?: (line: string) => void;
  /** Where --verbose request lines go (default stderr). */
  err?: (line: string) => void;
  startServer?: (options: BridgeOptions) => Promise<{ url: string; close(): Promise<void> | void }>;
}

export interface RunningServe {
  url: string;
  /** The token clients must send; only printed when it was generated here. */
  token: string;
  close(): Promise<void>;
}

/** Start the bridge from `serve` flags; resolves once it is listening (and says so). */
export async function startServe(flags: ServeFlags, deps: ServeDependencies = {}): Promise<RunningServe> {
  const env = deps.env ?? process.env;
  const out = deps.out ?? ((line: string) => process.stdout.write(`${line}\n`));
  const err = deps.err ?? ((line: string) => process.stderr.write(`${line}\n`));
  const selection = await resolveUpstreamOptions(flags, env);
  if (selection.notice) err(deps.err ? `codex-bridge: ${selection.notice}` : await dimLine(`codex-bridge: ${selection.notice}`, env));
  const host = flags.host ?? '127.0.0.1';
  const envToken = env.CODEX_BRIDGE_TOKEN || undefined;
  if (!isLoopbackHost(host) && !envToken) {
    throw new UsageError(
      `--host ${host} would expose the bridge (and your upstream key) beyond this machine — set CODEX_BRIDGE_TOKEN to a long random secret first, or leave --host at 127.0.0.1`,
    );
  }
  const token = envToken ?? randomBytes(24).toString('base64url');

  const options = buildBridgeOptions(selection, flags.quirk, {
    token,
    host,
    port: flags.port,
    keepAliveMs: flags.keepAliveMs,
    upstreamIdleTimeoutMs: resolveUpstreamTimeout(flags.upstreamTimeout, env),
    log: flags.verbose ? (line) => err(`codex-bridge: ${line.replace(/\n+$/, '')}`) : undefined,
  });

  const startServer =
    deps.startServer ??
    (async (o: BridgeOptions) => {
      // Loaded here so `--help` and the other commands don't pay for the server and undici.
      const { startBridgeServer } = await import('./create-bridge-server.js');
      const { withSessionRecorder } = await import('../sessions/session-recorder.js');
      return withSessionRecorder({ env, upstream: o.upstream, provider: o.provider, apiKeyEnv: selection.apiKeyEnv }, (sessionDeps) => startBridgeServer(o, sessionDeps));
    });

  let server: Awaited<ReturnType<typeof startServer>>;
  try {
    server = await startServer(options);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const where = `${host}:${options.port}`;
    if (code === 'EADDRINUSE') throw new UsageError(`cannot listen on ${where}: the port is already in use — pick another --port (or 0 for any free port)`, 1);
    if (code === 'EACCES') throw new UsageError(`cannot listen on ${where}: permission denied — use a port above 1023`, 1);
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') throw new UsageError(`cannot listen on ${where}: no such address on this machine — pass --host with one of its addresses, or leave it out`, 1);
    throw new UsageError(`cannot start the bridge: ${(error as Error).message ?? String(error)}`, 1);
  }

  out(`codex-bridge listening on ${server.url} → ${new URL(options.upstream).host} (${options.model})`);
  if (!envToken) out(`token: ${token}`);
  return {
    url: server.url,
    token,
    close: async () => {
      await server.close();
    },
  };
}
