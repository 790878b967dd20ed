import { randomBytes } from 'node:crypto';
import { closeSync, fchmodSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { constants } from 'node:os';
import { performance } from 'node:perf_hooks';
import { dimLine } from '../output/dim-line.js';
import { buildBridgeOptions } from '../server/build-bridge-options.js';
import { resolveUpstreamOptions, type UpstreamFlags } from '../config/resolve-upstream-options.js';
import { resolveUpstreamTimeout } from '../config/upstream-timeout.js';
import { errorLine } from '../output/error-line.js';
import { UsageError } from '../output/usage-error.js';
import { listenFailure } from '../server/listen-failure.js';
import type { BridgeOptions } from '../server/bridge-options.js';
import type { BridgeServer } from '../server/create-bridge-server.js';
import { buildModelCatalog } from './build-model-catalog.js';
import { buildChildEnvironment } from './child-environment.js';
import { gatewayResumeCommand, resolveGateway, type GatewayFlags } from './gateway.js';
import { codexCommandUsesProfile, withProfileArguments } from './codex-profile-arguments.js';
import { commandNotFoundMessage, findCommand, isCodexCommand } from './find-command.js';
import { FORWARDED_SIGNALS, launchChild, type RunningChild } from './launch-child.js';
import { checkForMisplacedOptions, misplacedOptionsInstead } from './misplaced-options.js';
import { defaultTemplateCacheDir, loadBundledModelTemplate } from './load-bundled-model-template.js';
import { newTrustDecisions, projectsTable, trustDecisionsIn } from './profile-trust-decisions.js';
import type { TrustDecision, TrustStore } from '../trust/trust-store.js';
import { sweepStaleProfiles } from './sweep-stale-profiles.js';
import { newTemporaryProfileName } from './temporary-profile-name.js';
import { codexHome, writeTemporaryProfile, type TemporaryProfile } from './write-temporary-profile.js';

export interface RunFlags extends UpstreamFlags, GatewayFlags {
  port?: string;
  verbose?: boolean;
  logFile?: string;
  /** --quirk name=value, repeatable. */
  quirk?: string[];
  /** --upstream-timeout, e.g. "90s". */
  upstreamTimeout?: string;
}

/** What `startBridgeServer` resolves with (a type-only import: the server loads lazily), and the session it recorded. */
export type BridgeServerHandle = BridgeServer & { lastCodexSession?(): string | undefined };

export interface RunDependencies {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  startServer?: (options: BridgeOptions) => Promise<BridgeServerHandle>;
  /** Where the model template cache lives; `null` disables it. */
  templateCacheDir?: string | null;
  /** Where Codex's folder-trust answers are kept (default: the bridge's trust.json); `null`: not kept. */
  trustStore?: TrustStore | null;
  /** stderr (default process.stderr). */
  err?: (text: string) => void;
}

async function startRealServer(options: BridgeOptions, apiKeyEnv: string | undefined): Promise<BridgeServerHandle> {
  const { startBridgeServer } = await import('../server/create-bridge-server.js');
  const { withSessionRecorder } = await import('../sessions/session-recorder.js');
  return withSessionRecorder({ upstream: options.upstream, provider: options.provider, apiKeyEnv }, (sessionDeps) => startBridgeServer(options, sessionDeps));
}

interface KeptTrust {
  store?: TrustStore;
  decisions: TrustDecision[];
}

/** The kept trust answers and where they are (nothing, with one warning, if they cannot be read). */
async function loadTrust(deps: RunDependencies, env: NodeJS.ProcessEnv, warn: (line: string) => void): Promise<KeptTrust> {
  try {
    const store = deps.trustStore === undefined ? (await import('../trust/trust-store.js')).openTrustStore(env) : deps.trustStore;
    return { store: store ?? undefined, decisions: store ? await store.list() : [] };
  } catch (error) {
    warn(`folder trust answers are not kept by this run: ${(error as Error).message}`);
    return { decisions: [] };
  }
}

/**
 * `codex-bridge run -- <command…>`: the bridge on a random loopback port with a fresh token, a
 * temporary Codex profile pointing at it, the command run with the terminal, and everything torn
 * down when it ends. Resolves with the exit code to leave with.
 */
export async function runWithBridge(command: readonly string[], flags: RunFlags, deps: RunDependencies = {}): Promise<number> {
  const startedAt = performance.now();
  const startedAtMs = Date.now();
  const env = deps.env ?? process.env;
  const cwd = deps.cwd ?? process.cwd();
  const err = deps.err ?? ((text: string) => process.stderr.write(text));
  const warn = (line: string) => err(`codex-bridge: ${line}\n`);
  checkForMisplacedOptions(command);
  // A team's gateway (already a Responses API): Codex goes straight to it, no bridge is started here.
  const gateway = await resolveGateway(flags, env);
  const selection = gateway?.selection ?? (await resolveUpstreamOptions(flags, env).catch(misplacedOptionsInstead(command)));
  const port = parsePort(flags.port);
  const [program, ...args] = command;
  if (!program) throw new UsageError('no command given — codex-bridge run [options] -- codex [codex options]');
  const programPath = findCommand(program, env, cwd);
  if (!programPath) throw new UsageError(commandNotFoundMessage(program), 127);
  const isCodex = isCodexCommand(program);
  const usesProfile = isCodex && codexCommandUsesProfile(args);
  const profileName = newTemporaryProfileName();
  const childArgs = isCodex ? withProfileArguments(args, profileName) : [...args];
  const token = gateway?.selection.apiKey ?? randomBytes(32).toString('base64url');
  const options = buildBridgeOptions(selection, flags.quirk, {
    token,
    port,
    preconnect: true,
    upstreamIdleTimeoutMs: resolveUpstreamTimeout(flags.upstreamTimeout, env),
  });
  if (selection.notice) err(`${await dimLine(`codex-bridge: ${selection.notice}`, env)}\n`);

  const logger = openLogger(flags);
  options.log = logger.log;
  const debug = logger.log ?? (() => {});

  // From here on a signal must not kill us before the cleanup: note it, and pass it on once the
  // child runs.
  let child: RunningChild | undefined;
  let receivedSignal: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    receivedSignal ??= signal;
    child?.kill(signal);
  };
  for (const signal of FORWARDED_SIGNALS) process.on(signal, onSignal);

  let server: BridgeServerHandle | undefined;
  let profile: TemporaryProfile | undefined;
  const removeProfileOnExit = (): void => profile?.remove();
  process.on('exit', removeProfileOnExit);
  const home = codexHome(env);
  let exitCode = 1;
  try {
    // Whatever this run's command: a run killed with kill -9 ran no cleanup.
    for (const name of sweepStaleProfiles(home)) debug(`removed ${name}, left behind by an earlier run`);
    if (usesProfile) mkdirSync(home, { recursive: true, mode: 0o700 });
    const childEnvironment = (baseUrl: string) =>
      buildChildEnvironment({ env, apiKeyEnv: selection.apiKeyEnv, apiKey: selection.apiKey, token, baseUrl, isCodex });

    const serverStarting = gateway ? Promise.resolve(gatewayHandle(gateway.url)) : startServer(deps, options, selection.apiKeyEnv);
    const trustLoading: Promise<KeptTrust> = usesProfile ? loadTrust(deps, env, warn) : Promise.resolve({ decisions: [] });
    const template = usesProfile
      ? loadBundledModelTemplate({
          codexPath: programPath,
          env: childEnvironment(''),
          cacheDir: deps.templateCacheDir === null ? undefined : (deps.templateCacheDir ?? defaultTemplateCacheDir(env)),
          debug,
        })
      : Promise.resolve(undefined);
    const [started, modelTemplate, trust] = await Promise.allSettled([serverStarting, template, trustLoading]);
    if (started.status === 'rejected') throw started.reason;
    server = started.value;
    const kept: KeptTrust = trust.status === 'fulfilled' ? trust.value : { decisions: [] };
    if (usesProfile) {
      profile = writeTemporaryProfile({
        codexHome: home,
        name: profileName,
        model: selection.model,
        baseUrl: server.url,
        catalog: buildModelCatalog({
          model: selection.model,
          template: modelTemplate.status === 'fulfilled' ? modelTemplate.value : undefined,
        }),
        projects: projectsTable(kept.decisions),
      });
    }
    debug(
      `bridge on ${server.url} → ${displayUrl(options.upstream)} (model ${selection.model}); starting ${program} ${Math.round(performance.now() - startedAt)} ms after the run began, ${Math.round(process.uptime() * 1000)} ms after node did`,
    );
    if (receivedSignal) {
      exitCode = signalExitCode(receivedSignal);
    } else {
      child = launchChild({ file: programPath, args: childArgs, env: childEnvironment(server.url), cwd });
      const childExit = await child.exitCode;
      if (profile && kept.store) await keepTrustAnswers(kept.store, trustDecisionsIn(profile.profilePath), kept.decisions, env, err);
      // `codex exec` answers SIGINT with "turn interrupted" and exit code 1; report the interruption
      // the way a shell would (130 for Ctrl-C) unless the command still finished successfully.
      exitCode = receivedSignal && childExit !== 0 ? signalExitCode(receivedSignal) : childExit;
    }
  } finally {
    // Signals stay caught until the cleanup is done: a second Ctrl-C must not leave files behind.
    // Closing writes the sessions, waiting for another bridge's lock if need be (a crashed one's is
    // taken over after 5 s); what cannot be saved is said in one line, and the run does not exit 0.
    const notSaved = await server?.close().then(
      () => undefined,
      (error: unknown) => (error as Error).message ?? String(error),
    );
    if (notSaved) {
      err(`${errorLine(notSaved)}\n`);
      if (exitCode === 0) exitCode = 1;
    }
    // Codex has just printed "codex resume <id>", which cannot work without the bridge: the one that does.
    const resume = child && isCodex && !notSaved ? (gateway ? gatewayResumeCommand(gateway, home, startedAtMs, cwd) : bridgeResumeCommand(server)) : undefined;
    if (resume) err(`${resume}\n`);
    profile?.remove();
    process.off('exit', removeProfileOnExit);
    for (const signal of FORWARDED_SIGNALS) process.off(signal, onSignal);
    logger.close();
  }
  return exitCode;
}

/** `codex-bridge resume <id>` for the Codex conversation the bridge saved (none if it saved none: a run that got no answer). */
function bridgeResumeCommand(server: BridgeServerHandle | undefined): string | undefined {
  const session = server?.lastCodexSession?.();
  return session && `codex-bridge resume ${session}`;
}

/** The gateway in the place of a bridge: there is nothing to start or stop. */
function gatewayHandle(url: string): BridgeServerHandle {
  const parsed = new URL(url);
  return { url, port: Number(parsed.port), host: parsed.hostname, close: async () => {} };
}

/** Keeps the answers Codex gave during the run, and says so in one dim line. */
async function keepTrustAnswers(
  store: TrustStore,
  found: ReturnType<typeof trustDecisionsIn>,
  written: readonly TrustDecision[],
  env: NodeJS.ProcessEnv,
  err: (text: string) => void,
): Promise<void> {
  const answers = newTrustDecisions(found, written);
  if (answers.length === 0) return;
  try {
    const changed = await store.record(answers);
    if (changed.length === 0) return;
    const folders = changed.map((decision) => `${decision.path} (${decision.trustLevel})`).join(', ');
    err(`${await dimLine(`codex-bridge: kept your folder trust answer for ${folders}; codex-bridge trust list shows them`, env)}\n`);
  } catch (error) {
    err(`codex-bridge: could not keep your folder trust answer (${(error as Error).message}); Codex will ask again\n`);
  }
}

/** The upstream without credentials or query (some providers take a key in either). */
function displayUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}`;
  } catch {
    return '(upstream)';
  }
}

async function startServer(deps: RunDependencies, options: BridgeOptions, apiKeyEnv: string | undefined): Promise<BridgeServerHandle> {
  try {
    return await (deps.startServer ?? ((o: BridgeOptions) => startRealServer(o, apiKeyEnv)))(options);
  } catch (error) {
    throw listenFailure(error, options.host, options.port);
  }
}

function parsePort(port: string | undefined): number | undefined {
  if (port === undefined) return undefined;
  const value = Number(port);
  if (!/^\d+$/.test(port) || value > 65535) throw new UsageError(`--port must be a number 0-65535, got "${port}" — leave it out for a free port`);
  return value;
}

function signalExitCode(signal: NodeJS.Signals): number {
  return 128 + ((constants.signals as Record<string, number | undefined>)[signal] ?? 0);
}

interface Logger {
  /** Set only with --verbose or --log-file. */
  log?: (line: string) => void;
  close(): void;
}

/** --verbose: one line per request on stderr; --log-file PATH: the same lines in a 0600 file. */
function openLogger(flags: RunFlags): Logger {
  if (flags.logFile) {
    let fd: number;
    try {
      fd = openSync(flags.logFile, 'a', 0o600);
      fchmodSync(fd, 0o600);
    } catch (error) {
      throw new UsageError(`cannot open --log-file ${flags.logFile}: ${(error as Error).message} — choose a file in a directory you can write to`);
    }
    let open = true;
    return {
      log: (line) => {
        if (open) writeSync(fd, `${new Date().toISOString()} ${line.replace(/\n+$/, '')}\n`);
      },
      close: () => {
        if (open) closeSync(fd);
        open = false;
      },
    };
  }
  if (flags.verbose) {
    return { log: (line) => process.stderr.write(`codex-bridge: ${line.replace(/\n+$/, '')}\n`), close: () => {} };
  }
  return { close: () => {} };
}
