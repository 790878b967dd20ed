import { DEFAULT_QUIRKS, type CanonicalFinishReason, type ProviderQuirks } from '../../translate/provider-quirks.js';

// The `--quirk name=value` vocabulary: every switch, what values it takes, and how a value is read.

type Parser<K extends keyof ProviderQuirks> = (value: string) => ProviderQuirks[K] | undefined;

const oneOf =
  <K extends keyof ProviderQuirks>(...values: string[]): Parser<K> =>
  (value) =>
    values.includes(value) ? (value as ProviderQuirks[K]) : undefined;

const bool: Parser<never> = ((value: string) => (['true', 'yes', 'on', '1'].includes(value) ? true : ['false', 'no', 'off', '0'].includes(value) ? false : undefined)) as never;

const CANONICAL: CanonicalFinishReason[] = ['stop', 'tool_calls', 'length', 'content_filter', 'error'];

export const QUIRK_SWITCHES: { [K in keyof ProviderQuirks]: { values: string; parse: Parser<K> } } = {
  reasoningField: { values: 'reasoning_content|reasoning|think-tags', parse: oneOf('reasoning_content', 'reasoning', 'think-tags') },
  reasoningReplay: { values: 'all|tool-calls|none', parse: oneOf('all', 'tool-calls', 'none') },
  singleSystemMessage: { values: 'true|false', parse: bool },
  developerRole: { values: 'true|false', parse: bool },
  strictTools: { values: 'true|false', parse: bool },
  parallelToolCalls: { values: 'true|false', parse: bool },
  reasoningEffortValues: {
    values: 'comma-separated efforts, e.g. low,high (empty: never send reasoning_effort)',
    parse: (value) => {
      const list = value.split(',').map((v) => v.trim()).filter((v) => v !== '');
      return list.every((v) => /^[a-z_-]+$/i.test(v)) ? list : undefined;
    },
  },
  streamOptions: { values: 'true|false', parse: bool },
  imageInput: { values: 'true|false', parse: bool },
  fileInput: { values: 'file|text', parse: oneOf('file', 'text') },
  toolCallIdFormat: { values: 'any|alnum9', parse: oneOf('any', 'alnum9') },
  toolNameMaxLength: {
    values: 'an integer 16-64',
    parse: (value) => (/^\d+$/.test(value) && Number(value) >= 16 && Number(value) <= 64 ? Number(value) : undefined),
  },
  doneMarker: { values: 'optional|required', parse: oneOf('optional', 'required') },
  reasoningTokensSeparate: { values: 'true|false', parse: bool },
  finishReasons: {
    values: `comma-separated reason:meaning, meaning one of ${CANONICAL.join('|')} (e.g. model_length:length)`,
    parse: (value) => {
      const out: Record<string, CanonicalFinishReason> = {};
      for (const pair of value.split(',').map((p) => p.trim()).filter((p) => p !== '')) {
        const [reason, meaning, ...rest] = pair.split(':');
        if (rest.length > 0 || !reason || !CANONICAL.includes(meaning as CanonicalFinishReason)) return undefined;
        out[reason] = meaning as CanonicalFinishReason;
      }
      return out;
    },
  },
};

export const QUIRK_NAMES = Object.keys(DEFAULT_QUIRKS) as Array<keyof ProviderQuirks>;

export class QuirkValueError extends Error {
  override name = 'QuirkValueError';
}

/** `name=value` strings → overrides. Throws QuirkValueError naming the valid switches or values. */
export function parseQuirkAssignments(assignments: readonly string[]): Partial<ProviderQuirks> {
  const out: Partial<ProviderQuirks> = {};
  for (const assignment of assignments) {
    const eq = assignment.indexOf('=');
    const name = (eq < 0 ? assignment : assignment.slice(0, eq)).trim();
    if (!Object.hasOwn(QUIRK_SWITCHES, name)) {
      throw new QuirkValueError(`--quirk ${assignment}: unknown quirk ${JSON.stringify(name)} — valid names: ${QUIRK_NAMES.join(', ')}`);
    }
    const key = name as keyof ProviderQuirks;
    const spec = QUIRK_SWITCHES[key];
    if (eq < 0) throw new QuirkValueError(`--quirk ${assignment}: no value — give one, as --quirk ${name}=<${spec.values}>`);
    const parsed = (spec.parse as (value: string) => unknown)(assignment.slice(eq + 1).trim());
    if (parsed === undefined) throw new QuirkValueError(`--quirk ${assignment}: not a value of ${name} — it takes ${spec.values}`);
    (out as Record<string, unknown>)[key] = parsed;
  }
  return out;
}
