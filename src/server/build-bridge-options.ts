import { normalizeBridgeOptions, OptionsError, type BridgeOptions, type RawBridgeOptions } from './bridge-options.js';
import type { UpstreamSelection } from '../config/resolve-upstream-options.js';
import { UsageError } from '../output/usage-error.js';
import { parseQuirkAssignments, QuirkValueError } from '../providers/quirks/quirk-switches.js';

/**
 * The server options `serve` and `run` both build: the resolved upstream, the `--quirk name=value`
 * flags, and what each command adds. A mistake in them is the user's, so it is a usage error (one
 * line naming what is valid, exit 2).
 */
export function buildBridgeOptions(
  selection: UpstreamSelection,
  quirkFlags: readonly string[] | undefined,
  rest: Omit<RawBridgeOptions, 'upstream' | 'model' | 'apiKey' | 'apiKeyEnv' | 'provider' | 'quirks'>,
): BridgeOptions {
  try {
    return normalizeBridgeOptions({
      upstream: selection.upstream,
      model: selection.model,
      apiKey: selection.apiKey,
      apiKeyEnv: selection.apiKeyEnv,
      provider: selection.provider,
      quirks: quirkFlags && quirkFlags.length > 0 ? parseQuirkAssignments(quirkFlags) : undefined,
      ...rest,
    });
  } catch (error) {
    if (error instanceof OptionsError || error instanceof QuirkValueError) throw new UsageError(error.message);
    throw error;
  }
}
