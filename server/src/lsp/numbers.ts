// Numbers as the CLI prints them (the same rule as fitRunner's `num`, kept here so the server
// bundle does not pull in the fit engine): 1.4T, 70B, 1.94, 5.76e+23.
export function num(v: number | null | undefined): string {
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

export function interval(iv: [number, number] | null | undefined): string {
  return iv ? `[${num(iv[0])}, ${num(iv[1])}]` : '';
}

/** Escapes text for Markdown (user-written names, titles and messages). */
export function md(text: string): string {
  return text.replace(/[\\`*_{}[\]()<>#+\-.!|~]/g, (c) => `\\${c}`);
}

/** Text inside a Markdown code span: backticks cannot be escaped, so use a longer fence. */
export function code(text: string): string {
  const clean = text.replace(/\r?\n/g, ' ');
  const longest = Math.max(0, ...(clean.match(/`+/g) ?? []).map((s) => s.length));
  const fence = '`'.repeat(longest + 1);
  const pad = clean.startsWith('`') || clean.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${clean}${pad}${fence}`;
}
