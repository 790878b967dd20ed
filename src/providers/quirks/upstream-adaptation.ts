import { MessageShapeFallback } from './adaptive-message-shape.js';
import { ParameterFallback } from './adaptive-parameter-fallback.js';
import { resolveQuirks } from './index.js';
import type { ProviderQuirks } from '../../translate/provider-quirks.js';

/** How one bridge talks to its upstream: the effective quirks, and what it learnt the upstream refuses. */
export interface UpstreamAdaptation {
  quirks: ProviderQuirks;
  fallback: ParameterFallback;
  /** The conversation shapes its chat template refused. */
  shape: MessageShapeFallback;
}

/** What picks the quirks: the server's options object (the same object for every request of one server). */
export interface AdaptationSource {
  provider?: string;
  upstream: string;
  /** `--quirk` overrides. */
  quirks?: Partial<ProviderQuirks>;
  log?: (line: string) => void;
}

// Keyed by the options object: one per server, built on its first request, gone with the server.
const adaptations = new WeakMap<AdaptationSource, UpstreamAdaptation>();

/** The adaptation of the server these options belong to; resolved (and logged) once. */
export function upstreamAdaptationFor(options: AdaptationSource): UpstreamAdaptation {
  let adaptation = adaptations.get(options);
  if (!adaptation) {
    const resolved = resolveQuirks({ provider: options.provider, upstream: options.upstream, overrides: options.quirks });
    adaptation = { quirks: resolved.quirks, fallback: new ParameterFallback(), shape: new MessageShapeFallback() };
    adaptations.set(options, adaptation);
    const forced = Object.keys(options.quirks ?? {});
    options.log?.(
      `quirks: ${resolved.profile ? `${resolved.profile.id} profile (matched by ${resolved.matchedBy})` : 'defaults (no provider profile matches this upstream)'}${forced.length > 0 ? `, forced: ${forced.join(', ')}` : ''}`,
    );
  }
  return adaptation;
}
