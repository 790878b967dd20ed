import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_QUIRKS, type ProviderQuirks } from '../../translate/provider-quirks.js';
import { QUIRK_PROFILES } from './index.js';

// README.md's "Every quirk" table is the one place a reader sees every quirk and who uses it; this
// keeps its default and "set by" columns in step with the code.

const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');

function rowsOfQuirkTable(): Map<string, string[]> {
  const section = readme.slice(readme.indexOf('### Every quirk'));
  const rows = new Map<string, string[]>();
  for (const line of section.split('\n')) {
    const cells = /^\| `(\w+)` \|(.*)\|$/.exec(line);
    if (cells) rows.set(cells[1], cells[2].split(' | ').map((cell) => cell.trim()));
    else if (rows.size > 0 && !line.startsWith('|')) break;
  }
  return rows;
}

function shown(value: unknown): string {
  if (Array.isArray(value)) return value.length === 0 ? 'empty' : `\`${value.join(',')}\``;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value);
    return entries.length === 0 ? 'none' : `\`${entries.map(([reason, meaning]) => `${reason}:${meaning}`).join(',')}\``;
  }
  return `\`${String(value)}\``;
}

/** "a, b: `x`; c: `y`": the profiles that differ from the default, grouped by value, in profile order. */
function setBy(key: keyof ProviderQuirks): string {
  const groups = new Map<string, string[]>();
  for (const profile of QUIRK_PROFILES) {
    const value = profile.quirks[key];
    if (value === undefined || shown(value) === shown(DEFAULT_QUIRKS[key])) continue;
    groups.set(shown(value), [...(groups.get(shown(value)) ?? []), profile.id]);
  }
  return groups.size === 0 ? '—' : [...groups].map(([value, ids]) => `${ids.join(', ')}: ${value}`).join('; ');
}

describe("README's quirk table", () => {
  const rows = rowsOfQuirkTable();

  it('has one row per quirk switch', () => {
    expect([...rows.keys()].sort()).toEqual(Object.keys(DEFAULT_QUIRKS).sort());
  });

  it.each(Object.keys(DEFAULT_QUIRKS) as Array<keyof ProviderQuirks>)('%s: default and the providers that set it match the code', (key) => {
    const [, defaultCell, setByCell] = rows.get(key) ?? [];
    expect(defaultCell).toBe(shown(DEFAULT_QUIRKS[key]));
    expect(setByCell).toBe(setBy(key));
  });
});
