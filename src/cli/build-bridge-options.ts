import { normalizeBridgeOptions, OptionsError, type BridgeOptions, type RawBridgeOptions } from '../server/bridge-options.js';
import { quirkOverrides } from './quirk-flags.js';
import type { UpstreamSelection } from './resolve-upstream-options.js';
import { UsageError } from './usage-error.js';

/**
 * The server options `serve` and `run` both build: the resolved upstream, the `--quirk` flags, and
 * what each command adds. A mistake in them is the user's, so it is a usage error (one line, exit 2).
 */
export function buildBridgeOptions(
  selection: UpstreamSelection,
  quirkFlags: readonly string[] | undefined,
  rest: Omit<RawBridgeOptions, 'upstream' | 'model' | 'apiKey' | 'provider' | 'quirks'>,
): BridgeOptions {
  try {
    return normalizeBridgeOptions({
      upstream: selection.upstream,
      model: selection.model,
      apiKey: selection.apiKey,
      provider: selection.provider,
      quirks: quirkOverrides(quirkFlags),
      ...rest,
    });
  } catch (error) {
    if (error instanceof OptionsError) throw new UsageError(error.message);
    throw error;
  }
}
