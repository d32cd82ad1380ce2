// Small text helpers the core shares: "did you mean" suggestions and how numbers are shown.

/** Levenshtein distance, one row of the table at a time. */
export function editDistance(a: string, b: string): number {
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

/** Names longer than this get no "did you mean": the edit distance costs the product of the lengths. */
export const MAX_SUGGEST_LENGTH = 64;
/** At most this many candidates are compared in full (a file may have 200,000 columns). */
export const MAX_SUGGEST_CANDIDATES = 1000;

/**
 * The candidate nearest to `word` (case-insensitive), if it is within `maxDistance` edits;
 * by default 2, or a third of the word for long names. Bounded work: a word or candidate longer
 * than MAX_SUGGEST_LENGTH is skipped (a 100,000-character name took 32 s), as is a candidate
 * whose length alone is too far off, and at most MAX_SUGGEST_CANDIDATES distances are computed.
 */
export function closest(
  word: string,
  candidates: Iterable<string>,
  maxDistance = Math.max(2, Math.floor(word.length / 3)),
): string | undefined {
  if (word.length > MAX_SUGGEST_LENGTH) return undefined;
  const lower = word.toLowerCase();
  let best: string | undefined;
  let bestDistance = maxDistance + 1;
  let compared = 0;
  for (const c of candidates) {
    if (c.length > MAX_SUGGEST_LENGTH || Math.abs(c.length - word.length) >= bestDistance) continue;
    if (++compared > MAX_SUGGEST_CANDIDATES) break;
    const d = editDistance(lower, c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

/** Longest diagnostic message; longer ones keep their start (file, line, what is wrong) and say how much was cut. */
export const MAX_MESSAGE_LENGTH = 1000;
/** How many items of a list a message names before "… and N more". */
export const MAX_LISTED = 20;

/** `a, b, c` — or `a, b, … and 199,980 more` past `max` items. */
export function listed(items: readonly string[], max = MAX_LISTED, separator = ', '): string {
  if (items.length <= max) return items.join(separator);
  return `${items.slice(0, max).join(separator)} … and ${(items.length - max).toLocaleString('en-US')} more`;
}

/** `text` cut to `max` characters (never inside a surrogate pair), ending in how many were cut. */
export function capText(text: string, max = MAX_MESSAGE_LENGTH): string {
  if (text.length <= max) return text;
  let end = max - 40;
  const c = text.charCodeAt(end - 1);
  if (c >= 0xd800 && c <= 0xdbff) end--;
  return `${text.slice(0, end)}… (${(text.length - end).toLocaleString('en-US')} more characters)`;
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
