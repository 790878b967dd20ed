import type { UpstreamSelection } from '../config/resolve-upstream-options.js';
import { UsageError } from '../output/usage-error.js';
import { latestCodexThread } from './codex-threads.js';

// `codex-bridge run --gateway <url>`: Codex talks straight to a team's gateway (`serve` replicas
// behind a load balancer), which already speaks the Responses API, instead of to a bridge of its
// own in front of a provider. Nothing is started here: the temporary profile points at the gateway,
// and Codex sends the developer's own token (from $CODEX_BRIDGE_GATEWAY_TOKEN, or the variable
// --gateway-token-env names), which the gateway records usage under. Sessions, usage and their
// reports live at the gateway (`codex-bridge sessions --store …` there).

export const GATEWAY_TOKEN_ENV = 'CODEX_BRIDGE_GATEWAY_TOKEN';

export interface GatewayFlags {
  gateway?: string;
  gatewayTokenEnv?: string;
  model?: string;
  provider?: string;
  upstream?: string;
  apiKeyEnv?: string;
}

export interface Gateway {
  /** Its base URL, ending in /v1. */
  url: string;
  /** What the profile and the child are given: the gateway as the "upstream", the token as the "key" (removed from the child's variables, handed over as Codex's token). */
  selection: UpstreamSelection & { apiKey: string; apiKeyEnv: string };
}

/** The gateway to use (--gateway, else $CODEX_BRIDGE_GATEWAY), or undefined: run starts a bridge of its own. */
export async function resolveGateway(flags: GatewayFlags, env: NodeJS.ProcessEnv, fetchModels: typeof fetch = fetch): Promise<Gateway | undefined> {
  const given = flags.gateway ?? (env.CODEX_BRIDGE_GATEWAY || undefined);
  if (given === undefined) return undefined;
  const from = flags.gateway === undefined ? 'CODEX_BRIDGE_GATEWAY' : '--gateway';
  const provider = flags.provider ? '--provider' : flags.upstream ? '--upstream' : flags.apiKeyEnv ? '--api-key-env' : undefined;
  if (provider) throw new UsageError(`${from} and ${provider} both given — the gateway chooses the provider; leave out ${provider}`);
  let parsed: URL;
  try {
    parsed = new URL(given);
  } catch {
    throw new UsageError(`${from} "${given}" is not a URL — pass the gateway's base URL, e.g. --gateway https://codex-gateway.example.com/v1`);
  }
  if ((parsed.protocol !== 'http:' && parsed.protocol !== 'https:') || parsed.username || parsed.password || parsed.search) {
    throw new UsageError(`${from} must be an http(s) URL without credentials or query — e.g. https://codex-gateway.example.com/v1; the token goes in $${GATEWAY_TOKEN_ENV}`);
  }
  const url = `${parsed.origin}${parsed.pathname}`.replace(/\/+$/, '');
  const tokenEnv = flags.gatewayTokenEnv ?? GATEWAY_TOKEN_ENV;
  const token = env[tokenEnv];
  if (!token) throw new UsageError(`$${tokenEnv} is not set — export ${tokenEnv}=<your token for the gateway> (the name the gateway knows you by comes with it)`);
  const model = flags.model ?? (env.CODEX_BRIDGE_MODEL || undefined) ?? (await servedModel(url, token, tokenEnv, fetchModels));
  return { url, selection: { upstream: url, model, apiKey: token, apiKeyEnv: tokenEnv } };
}

/** The model the gateway serves (its GET /models lists one). */
async function servedModel(url: string, token: string, tokenEnv: string, fetchModels: typeof fetch): Promise<string> {
  let response: Response;
  try {
    response = await fetchModels(`${url}/models`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(10_000) });
  } catch (error) {
    const detail = (error as { cause?: { code?: string; message?: string } }).cause;
    const cause = detail?.code ?? detail?.message ?? (error as Error).message;
    throw new UsageError(`cannot reach the gateway ${url} (${cause}) — check the URL, or pass --model to start anyway`, 1);
  }
  if (response.status === 401) throw new UsageError(`the gateway ${url} refused the token in $${tokenEnv} (401) — ask for a token in its token file`, 1);
  const body = (await response.json().catch(() => undefined)) as { data?: Array<{ id?: unknown }> } | undefined;
  const id = body?.data?.[0]?.id;
  if (!response.ok || typeof id !== 'string') throw new UsageError(`the gateway ${url} did not say which model it serves (HTTP ${response.status}) — pass --model`, 1);
  return id;
}

/**
 * The command that continues, through the gateway, the Codex thread this run worked in (Codex's
 * own `codex resume <id>` hint cannot reach it): the thread is read from Codex's files, since no
 * bridge here saw its requests. Undefined if Codex wrote none.
 */
export function gatewayResumeCommand(gateway: Gateway, codexHome: string, sinceMs: number, cwd: string): string | undefined {
  const thread = latestCodexThread(codexHome, sinceMs, cwd);
  if (!thread) return undefined;
  const tokenEnv = gateway.selection.apiKeyEnv === GATEWAY_TOKEN_ENV ? '' : ` --gateway-token-env ${gateway.selection.apiKeyEnv}`;
  return `codex-bridge run --gateway ${gateway.url}${tokenEnv} -- codex resume ${thread}`;
}
