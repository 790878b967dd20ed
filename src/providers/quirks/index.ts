// Provider quirks: how each Chat Completions provider bends the protocol, all in this folder.
// - <id>.ts                          one profile per provider: data, citing its sources
// - quirk-profile.ts                 what a profile holds
// - quirk-switches.ts                the `--quirk name=value` vocabulary
// - this file                        which profile applies to an upstream, with --quirk on top
// - upstream-adaptation.ts           the quirks of one server, resolved once
// - adaptive-parameter-fallback.ts   parameters an upstream refused, dropped from then on
// - adaptive-message-shape.ts        conversation shapes a chat template refused, reshaped from then on
// The switches themselves (ProviderQuirks, DEFAULT_QUIRKS) are defined beside the translators that
// apply them (src/translate/provider-quirks.ts, apply-request-quirks.ts). README.md lists them all.

import { withQuirks, type ProviderQuirks } from '../../translate/provider-quirks.js';
import { deepseek } from './deepseek.js';
import { gemini } from './gemini.js';
import { glm } from './glm.js';
import { groq } from './groq.js';
import { kimi } from './kimi.js';
import { lmstudio } from './lmstudio.js';
import { mistral } from './mistral.js';
import { ollama } from './ollama.js';
import { openrouter } from './openrouter.js';
import type { QuirkProfile } from './quirk-profile.js';
import { qwen } from './qwen.js';
import { vllm } from './vllm.js';
import { xai } from './xai.js';

export type { QuirkProfile } from './quirk-profile.js';

/** One profile per preset id, in the order the compatibility table lists them. */
export const QUIRK_PROFILES: readonly QuirkProfile[] = [deepseek, kimi, qwen, glm, openrouter, groq, mistral, xai, gemini, ollama, lmstudio, vllm];

export function quirkProfileById(id: string): QuirkProfile | undefined {
  return QUIRK_PROFILES.find((profile) => profile.id === id.toLowerCase());
}

/** The profile whose host (then, failing that, whose local-server port) matches the upstream URL. */
export function quirkProfileForUpstream(upstream: string): QuirkProfile | undefined {
  let url: URL;
  try {
    url = new URL(upstream);
  } catch {
    return undefined;
  }
  const host = url.hostname.toLowerCase();
  const byHost = QUIRK_PROFILES.find((p) => (p.match.hosts ?? []).some((h) => (typeof h === 'string' ? h === host : h.test(host))));
  if (byHost) return byHost;
  const port = url.port;
  return port === '' ? undefined : QUIRK_PROFILES.find((p) => (p.match.ports ?? []).includes(port));
}

export interface ResolvedQuirks {
  quirks: ProviderQuirks;
  /** The profile used, if any. */
  profile?: QuirkProfile;
  matchedBy: 'provider' | 'host' | 'none';
}

/**
 * The effective quirks of one bridge: the provider id's profile, else the profile matching the
 * upstream's host, else the defaults; `overrides` (`--quirk`) on top. An id without a profile (a
 * user-defined provider) falls back to the host.
 */
export function resolveQuirks(options: { provider?: string; upstream: string; overrides?: Partial<ProviderQuirks> }): ResolvedQuirks {
  const byId = options.provider ? quirkProfileById(options.provider) : undefined;
  const profile = byId ?? quirkProfileForUpstream(options.upstream);
  return {
    quirks: withQuirks(profile?.quirks, options.overrides),
    ...(profile && { profile }),
    matchedBy: byId ? 'provider' : profile ? 'host' : 'none',
  };
}
