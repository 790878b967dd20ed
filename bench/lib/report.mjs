// What a run found: the table's rows (figures), the raw numbers behind them (details), the machine,
// and the markdown table printed at the end.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { round } from './stats.mjs';

export const figures = {};
export const details = {};
const startLoad = loadavg()[0];

/**
 * One row of the table. `value` is the bridge's figure (overhead or ratio); `floor` the same for
 * the pass-through proxy, or null when a plain proxy has nothing to compare (translation, start-up).
 */
export function figure(key, { label, unit, value, floor = null, baseline, target, notMeasured }) {
  figures[key] = {
    label,
    unit,
    value: notMeasured ? null : round(value),
    floor: floor === null ? null : round(floor),
    ...(baseline !== undefined && { baseline: round(baseline) }),
    target,
    within: notMeasured || target === null ? null : value <= target,
    ...(notMeasured && { notMeasured }),
  };
}

export function machine() {
  const cpuModel = (() => {
    try {
      return /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim();
    } catch {
      return undefined;
    }
  })();
  const nproc = spawnSync('nproc', { encoding: 'utf8' }).stdout?.trim();
  return {
    nproc: Number(nproc) || cpus().length,
    cpu: cpuModel ?? cpus()[0]?.model ?? 'unknown',
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    /** 1-minute load average when the bench started and ended: other work on the machine skews the figures. */
    loadAverage: { start: round(startLoad, 2), end: round(loadavg()[0], 2) },
  };
}

function formatValue(value, unit) {
  if (value === null || value === undefined) return '—';
  if (!Number.isFinite(value)) return String(value);
  if (unit === '×') return `${value.toFixed(2)}×`;
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  return `${value.toFixed(digits)} ${unit}`;
}

export function table(results) {
  const compared = Object.values(results.figures).some((f) => f.baseline !== undefined);
  const rows = Object.values(results.figures).map((f) => [
    f.label,
    f.notMeasured ? `n/a (${f.notMeasured})` : formatValue(f.value, f.unit),
    formatValue(f.floor, f.unit),
    ...(compared ? [formatValue(f.baseline, f.unit)] : []),
    f.target === null ? '' : `≤ ${formatValue(f.target, f.unit)}`,
    f.within === null ? '' : f.within ? 'yes' : '**no**',
  ]);
  const header = ['measure', 'bridge', 'pass-through floor', ...(compared ? ['baseline bridge'] : []), 'target', 'met'];
  const lines = [header, header.map(() => '---'), ...rows].map((cells) => `| ${cells.join(' | ')} |`);
  return lines.join('\n');
}
