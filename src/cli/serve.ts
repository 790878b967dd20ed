import { randomBytes } from 'node:crypto';
import { InvalidArgumentError, type Command } from 'commander';
import type { BridgeOptions } from '../server/bridge-options.js';
import { presetIdList } from '../providers/presets.js';
import { isLoopbackHost } from '../server/guard-request.js';
import { dimLine } from './dim-line.js';
import { buildBridgeOptions } from './build-bridge-options.js';
import { collectQuirk, QUIRK_FLAG, QUIRK_FLAG_HELP } from './quirk-flags.js';
import { resolveUpstreamOptions } from './resolve-upstream-options.js';
import { UsageError } from './usage-error.js';

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

function parseInteger(name: string, min: number, max: number) {
  return (value: string): number => {
    if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
      throw new InvalidArgumentError(`${name} must be an integer ${min}-${max}, got "${value}"`);
    }
    return Number(value);
  };
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
      `--host ${host} would expose the bridge (and your upstream key) beyond this machine; set CODEX_BRIDGE_TOKEN to a long random secret first, or leave --host at 127.0.0.1`,
    );
  }
  const token = envToken ?? randomBytes(24).toString('base64url');

  const options = buildBridgeOptions(selection, flags.quirk, {
    token,
    host,
    port: flags.port,
    keepAliveMs: flags.keepAliveMs,
    log: flags.verbose ? (line) => err(`codex-bridge: ${line.replace(/\n+$/, '')}`) : undefined,
  });

  const startServer =
    deps.startServer ??
    (async (o: BridgeOptions) => {
      // Loaded here so `--help` and the other commands don't pay for the server and undici.
      const { startBridgeServer } = await import('../server/create-bridge-server.js');
      const { withSessionRecorder } = await import('../sessions/session-recorder.js');
      return withSessionRecorder({ env, upstream: o.upstream }, (sessionDeps) => startBridgeServer(o, sessionDeps));
    });

  let server: Awaited<ReturnType<typeof startServer>>;
  try {
    server = await startServer(options);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const where = `${host}:${options.port}`;
    if (code === 'EADDRINUSE') throw new UsageError(`cannot listen on ${where}: the port is already in use; pick another --port (or 0 for any free port)`, 1);
    if (code === 'EACCES') throw new UsageError(`cannot listen on ${where}: permission denied; use a port above 1023`, 1);
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') throw new UsageError(`cannot listen on ${where}: no such address on this machine`, 1);
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

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('Run the bridge in the foreground: a Responses API on loopback in front of a Chat Completions upstream.')
    .option('--provider <id>', `a built-in provider: ${presetIdList()} (env CODEX_BRIDGE_PROVIDER)`)
    .option('--upstream <url>', 'Chat Completions base URL, e.g. https://api.deepseek.com/v1 (env CODEX_BRIDGE_UPSTREAM)')
    .option('--model <id>', 'upstream model id (env CODEX_BRIDGE_MODEL)')
    .option('--api-key-env <var>', 'environment variable holding the upstream key (env CODEX_BRIDGE_API_KEY_ENV)')
    .option('--port <n>', 'port to listen on (default: a random free port)', parseInteger('--port', 0, 65535))
    .option('--host <host>', 'address to listen on; anything but loopback requires CODEX_BRIDGE_TOKEN', '127.0.0.1')
    .option('--verbose', 'log one line per request (method, model, status, ms, tokens) to stderr')
    .option('--keep-alive-ms <n>', 'send a keep-alive event after this much upstream silence (default 15000)', parseInteger('--keep-alive-ms', 10, 600_000))
    .option(QUIRK_FLAG, QUIRK_FLAG_HELP, collectQuirk)
    .addHelpText(
      'after',
      `
Clients authenticate with "Authorization: Bearer <token>": CODEX_BRIDGE_TOKEN if set, otherwise a
token generated at start-up and printed once. The upstream key is read from the variable named by
--api-key-env and is never printed.

Example:
  export DEEPSEEK_API_KEY=…
  codex-bridge serve --upstream https://api.deepseek.com/v1 --model deepseek-chat --api-key-env DEEPSEEK_API_KEY --port 8787`,
    )
    .action(async (flags: ServeFlags) => {
      const running = await startServe(flags);
      let stopping = false;
      const stop = () => {
        if (stopping) return;
        stopping = true;
        // Open streams are dropped (their upstream calls aborted); don't wait on anything else.
        const force = setTimeout(() => process.exit(0), 3_000);
        force.unref();
        running.close().then(
          () => process.exit(0),
          () => process.exit(0),
        );
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
