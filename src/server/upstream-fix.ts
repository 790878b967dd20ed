import { findPreset, type ProviderPreset } from '../providers/presets.js';
import { quirkProfileForUpstream } from '../providers/quirks/index.js';
import type { ConnectionFailure } from './describe-connection-error.js';

// What to do about an upstream that cannot be used, in a few words for the end of an error line:
// `ollama serve` for a local server that is not running, the key variable's name for a 401, the
// http:// URL for a TLS attempt at a plain-HTTP server.

export interface UpstreamFixContext {
  /** The base URL, e.g. http://127.0.0.1:11434/v1. */
  upstream: string;
  /** The preset id, if one was chosen. */
  provider?: string;
  /** The name of the variable holding the key (never the key). */
  apiKeyEnv?: string;
}

/** The preset in use: chosen by id, else recognised by the upstream's host or local port. */
export function presetFor(ctx: Pick<UpstreamFixContext, 'upstream' | 'provider'>): ProviderPreset | undefined {
  if (ctx.provider) return findPreset(ctx.provider);
  const recognised = quirkProfileForUpstream(ctx.upstream)?.id;
  return recognised ? findPreset(recognised) : undefined;
}

function hostPort(upstream: string): { host: string; port: string; url?: URL } {
  try {
    const url = new URL(upstream);
    return { host: url.hostname, port: url.port || (url.protocol === 'https:' ? '443' : '80'), url };
  } catch {
    return { host: upstream, port: '' };
  }
}

/** The fix for an upstream that could not be reached at all. */
export function connectionFix(failure: Pick<ConnectionFailure, 'kind'>, ctx: UpstreamFixContext): string {
  const preset = presetFor(ctx);
  const { host, port, url } = hostPort(ctx.upstream);
  switch (failure.kind) {
    case 'refused':
      if (preset?.local) return `is ${preset.name} running? ${preset.startHint ?? 'start it'}`.trim();
      return `nothing listens on ${host}:${port}: check --upstream, or start the server`;
    case 'dns':
      return `check the host name in --upstream (${host}), and this machine's network`;
    case 'plain-http': {
      const plain = url ? `${ctx.upstream.replace(/^https:/, 'http:')}` : 'http://…';
      return `use http:// in --upstream (${plain})`;
    }
    case 'tls':
      return 'check the host in --upstream; behind a proxy or antivirus that inspects TLS, point NODE_EXTRA_CA_CERTS at its certificate';
    case 'timeout':
      return `check --upstream, and any firewall or proxy between here and ${host}`;
    case 'silent':
      return 'the model may think longer than that: raise --upstream-timeout';
    default:
      return 'check --upstream and the network (codex-bridge doctor tests both)';
  }
}

/** The fix for a 401/403: the key variable by name (never the key), or how to give one. */
export function keyFix(ctx: UpstreamFixContext): string {
  const preset = presetFor(ctx);
  if (!ctx.apiKeyEnv) return 'the upstream wants a key: export it in a variable and pass its name with --api-key-env VAR';
  const where = preset?.keyHelp && preset.apiKeyEnv === ctx.apiKeyEnv && !preset.local ? ` (${preset.keyHelp})` : '';
  return `check the key in $${ctx.apiKeyEnv}${where}`;
}

/** The fix for a 404: the model, when the upstream says so, else the base URL. */
export function notFoundFix(detail: string, ctx: UpstreamFixContext): string {
  if (/model/i.test(detail)) return 'check --model: codex-bridge doctor lists the models the upstream offers';
  return `check --upstream: it is the part before /chat/completions, usually ending in /v1 (codex-bridge doctor checks it)`;
}
