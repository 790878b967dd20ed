import { randomBytes } from 'node:crypto';
import type { BridgeOptions } from './bridge-options.js';
import { buildBridgeOptions } from './build-bridge-options.js';
import { isLoopbackHost } from './guard-request.js';
import { listenFailure } from './listen-failure.js';
import { readTokenFile, type ClientToken } from './client-tokens.js';
import type { StoreUrl } from '../storage/store-url.js';
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
  /** --store redis://…: the state shared by replicas (default $CODEX_BRIDGE_STORE). */
  store?: string;
  /** --tokens FILE: named clients, each with a token (default $CODEX_BRIDGE_TOKENS_FILE). */
  tokens?: string;
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
  const gateway = await gatewaySettings(flags, env, envToken, err);
  if (!isLoopbackHost(host) && !envToken && !gateway.clients) {
    throw new UsageError(
      `--host ${host} would expose the bridge (and your upstream key) beyond this machine — set CODEX_BRIDGE_TOKEN to a long random secret first, or leave --host at 127.0.0.1`,
    );
  }
  // With named clients, their tokens are the only ones accepted; this one is never shown or used.
  const token = envToken ?? randomBytes(24).toString('base64url');

  const options = buildBridgeOptions(selection, flags.quirk, {
    token,
    host,
    port: flags.port,
    keepAliveMs: flags.keepAliveMs,
    upstreamIdleTimeoutMs: resolveUpstreamTimeout(flags.upstreamTimeout, env),
    clients: gateway.clients,
    log: flags.verbose ? (line) => err(`codex-bridge: ${line.replace(/\n+$/, '')}`) : undefined,
  });

  const { store } = gateway;
  const warnLine = (line: string) => err(`codex-bridge: ${line}`);
  const startServer =
    deps.startServer ??
    (store && (async (o: BridgeOptions) => (await import('./serve-shared-store.js')).startSharedServe(o, { store, apiKeyEnv: selection.apiKeyEnv, warn: warnLine }))) ??
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
    throw listenFailure(error, host, options.port);
  }

  out(`codex-bridge listening on ${server.url} → ${new URL(options.upstream).host} (${options.model})`);
  if (store) out(`store: ${store.display}, shared by every replica started with it`);
  if (gateway.clients) out(`clients: ${gateway.clients.map((client) => client.name).join(', ')} (tokens from ${gateway.tokensFile})`);
  else if (!envToken) out(`token: ${token}`);
  return {
    url: server.url,
    token,
    close: async () => {
      await server.close();
    },
  };
}

/** --store and --tokens (or their variables), checked: a malformed URL or token file is a usage error. */
async function gatewaySettings(flags: ServeFlags, env: NodeJS.ProcessEnv, envToken: string | undefined, err: (line: string) => void) {
  const storeText = flags.store ?? (env.CODEX_BRIDGE_STORE || undefined);
  const tokensFile = flags.tokens ?? (env.CODEX_BRIDGE_TOKENS_FILE || undefined);
  let store: StoreUrl | undefined;
  if (storeText !== undefined) {
    const { parseStoreUrl } = await import('../storage/store-url.js');
    store = parseStoreUrl(storeText, flags.store === undefined ? 'CODEX_BRIDGE_STORE' : '--store');
  }
  let clients: ClientToken[] | undefined;
  if (tokensFile !== undefined) {
    if (envToken) throw new UsageError('both CODEX_BRIDGE_TOKEN and a token file are given — use the token file alone (add that token to it with a name)');
    clients = readTokenFile(tokensFile, (line) => err(`codex-bridge: ${line}`));
  }
  return { store, clients, tokensFile };
}
