// Small text helpers the core shares: "did you mean" suggestions and how numbers are shown.

/** Levenshtein distance, one row of the table at a time. */
function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length];
}

/**
 * The candidate nearest to `word` (case-insensitive), if it is within `maxDistance` edits;
 * by default 2, or a third of the word for long names.
 */
export function closest(
  word: string,
  candidates: Iterable<string>,
  maxDistance = Math.max(2, Math.floor(word.length / 3)),
): string | undefined {
  let best: string | undefined;
  let bestDistance = maxDistance + 1;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

/** Numbers as researchers write them: 1.4T, 70B, 1.94, 5.760e+23; a dash for a missing value. */
export function formatNumber(v: number | null | undefined): string {
  // A failed fit leaves NaN (null in JSON): show a dash, never 'NaN' or 'null' (a diagnostic says why).
  if (v === null || v === undefined || Number.isNaN(v)) return '—';
  if (v === Infinity) return 'inf';
  if (v === -Infinity) return '-inf';
  const a = Math.abs(v);
  if (a >= 1e15 || (a > 0 && a < 1e-4)) return v.toExponential(3);
  for (const [u, s] of [
    [1e12, 'T'],
    [1e9, 'B'],
    [1e6, 'M'],
  ] as const) {
    if (a >= u) return `${Number((v / u).toPrecision(4))}${s}`;
  }
  return String(Number(v.toPrecision(a >= 1000 ? 6 : 5)));
}
