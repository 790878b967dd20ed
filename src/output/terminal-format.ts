// How the `sessions` and `usage` commands put values on a terminal: compact ages, token counts and
// dollars, one-line text with no control characters, and whether to color.

/** "5s", "5m", "2h", "3d" since `iso`. */
export function formatAge(iso: string, now: number): string {
  const seconds = Math.max(0, Math.floor((now - Date.parse(iso)) / 1000));
  if (!Number.isFinite(seconds)) return '?';
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3_600) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3_600)}h`;
  return `${Math.floor(seconds / 86_400)}d`;
}

export function formatTokens(tokens: number): string {
  if (tokens < 1_000) return String(tokens);
  if (tokens < 100_000) return `${(tokens / 1_000).toFixed(1).replace(/\.0$/, '')}k`;
  if (tokens < 1_000_000) return `${Math.round(tokens / 1_000)}k`;
  return `${(tokens / 1_000_000).toFixed(1).replace(/\.0$/, '')}M`;
}

/**
 * "$1.23", "$0.0042" (four decimals under a cent), "-" for no price; a "+" after it when some
 * requests had no price (the figure is what the priced ones cost).
 */
export function formatUsd(costUsd: number | null, unpricedRequests = 0): string {
  if (costUsd === null) return '-';
  const figure = costUsd === 0 ? '$0' : costUsd < 0.01 ? `$${costUsd.toFixed(4)}` : `$${costUsd.toFixed(2)}`;
  return unpricedRequests > 0 ? `${figure}+` : figure;
}

/** Control characters (a stray ESC would drive the terminal) to "?". */
export const printable = (text: string) => text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');

/** Whitespace runs to one space, then printable. */
export const oneLine = (text: string) => printable(text.replace(/\s+/g, ' ').trim());

export function truncate(text: string, width: number): string {
  const chars = [...text];
  if (chars.length <= width) return text;
  return width <= 1 ? '…'.slice(0, width) : `${chars.slice(0, width - 1).join('')}…`;
}

/**
 * Colors on a terminal; NO_COLOR (any non-empty value, https://no-color.org) always turns them off
 * (chalk 5 itself does not read it); FORCE_COLOR turns them on in a pipe, FORCE_COLOR=0 off.
 */
export function wantsColor(env: NodeJS.ProcessEnv, isTTY: boolean): boolean {
  if (env.NO_COLOR) return false;
  if (env.FORCE_COLOR !== undefined) return env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false';
  return isTTY && env.TERM !== 'dumb';
}

/** chalk, loaded when a table is printed. */
export async function paint(color: boolean) {
  const { Chalk } = await import('chalk');
  return new Chalk({ level: color ? 1 : 0 });
}

/** Rows of cells as aligned columns (two spaces apart); `right` columns align right; the last column is cut to fit `columns`. */
export function columns<K extends string>(
  keys: readonly K[],
  rows: ReadonlyArray<Record<K, string>>,
  options: { right?: readonly K[]; width: number; style?: (row: number, key: K, text: string) => string },
): string[] {
  const widths = keys.map((key) => Math.max(...rows.map((row) => [...row[key]].length)));
  const fixed = widths.slice(0, -1).reduce((sum, w) => sum + w + 2, 0);
  const lastWidth = Math.max(10, options.width - fixed);
  return rows.map((row, r) =>
    keys
      .map((key, i) => {
        const last = i === keys.length - 1;
        const text = last ? truncate(row[key], lastWidth) : options.right?.includes(key) ? row[key].padStart(widths[i]) : row[key].padEnd(widths[i]);
        return options.style ? options.style(r, key, text) : text;
      })
      .join('  ')
      .trimEnd(),
  );
}
