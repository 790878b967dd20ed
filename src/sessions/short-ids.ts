// Each session id by its shortest unique prefix, as `sessions list` shows it and `show`, `resume`
// and `rm` accept it. Codex thread ids are time-ordered (UUIDv7): ids of one day share their first
// six characters, so a fixed-length prefix would be ambiguous.

/** The shortest prefix of each id that no other id starts with (at least `min` characters, at most the id). */
export function shortIds(ids: readonly string[], min = 4): Map<string, string> {
  const sorted = [...new Set(ids)].sort();
  const common = (a: string | undefined, b: string) => {
    if (a === undefined) return 0;
    let n = 0;
    while (n < a.length && n < b.length && a[n] === b[n]) n++;
    return n;
  };
  const result = new Map<string, string>();
  sorted.forEach((id, i) => {
    const needed = Math.max(common(sorted[i - 1], id), common(sorted[i + 1], id)) + 1;
    result.set(id, id.slice(0, Math.min(id.length, Math.max(min, needed))));
  });
  return result;
}
