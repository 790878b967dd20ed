import { parseQuirkAssignments, QuirkValueError } from '../providers/quirks/quirk-switches.js';
import type { ProviderQuirks } from '../translate/provider-quirks.js';
import { UsageError } from './usage-error.js';

// `--quirk name=value` on run and serve: forces one quirk switch over the provider's profile.

export const QUIRK_FLAG = '--quirk <name=value>';
export const QUIRK_FLAG_HELP = 'force a provider quirk over its profile, e.g. streamOptions=false (repeatable)';

/** Commander collector: every --quirk, in order. */
export function collectQuirk(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** The --quirk values as overrides (undefined if none); a bad one is a UsageError naming the valid ones. */
export function quirkOverrides(values: readonly string[] | undefined): Partial<ProviderQuirks> | undefined {
  if (!values || values.length === 0) return undefined;
  try {
    return parseQuirkAssignments(values);
  } catch (error) {
    if (error instanceof QuirkValueError) throw new UsageError(error.message);
    throw error;
  }
}
