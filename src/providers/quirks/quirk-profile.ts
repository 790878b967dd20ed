import type { ProviderQuirks } from '../../translate/provider-quirks.js';

/** One provider's quirks, and how to recognise its upstream when no provider id was given. */
export interface QuirkProfile {
  /** The preset id (src/providers/presets.ts uses the same ids). */
  id: string;
  /** For logs and the compatibility table. */
  name: string;
  match: {
    /** Upstream hostnames (exact, lower case) or patterns. */
    hosts?: Array<string | RegExp>;
    /** Ports that identify a local server whatever its host (Ollama 11434, LM Studio 1234, vLLM 8000). */
    ports?: string[];
  };
  /** Only what differs from DEFAULT_QUIRKS. */
  quirks: Partial<ProviderQuirks>;
}
