// How every number is shown, and the one quantile: shared by the server's presentation module
// (hover, inlay hints, lenses, the CLI table, the reports) and the webview, so a number reads the
// same wherever it appears. No imports, so every layer above the core may use it.
//
// Rules:
// - fitted values, objectives' neighbours, interval bounds, exponents: `formatValue`, plain decimal
//   or e-notation with 4 significant digits (1.94, 406.4, 0.3477, 7.063e+10), never an SI suffix;
// - sizes the study itself writes (predict at N = 70B, optimize for C = 3e21, isoflop budgets):
//   `formatSize`, the way researchers write them (70B, 1.4T, 3.000e+21);
// - objectives: `formatExact`, every digit the JSON has (fits are compared by their objective);
// - a failed value (null, NaN) reads '—' everywhere; a display never shows 'NaN' or 'null'.

/** Significant digits of a displayed value (and of each interval bound: at least 3 are asked for). */
export const VALUE_DIGITS = 4;

/** The dash shown for a value that a failed fit left missing. */
export const MISSING = '—';

function special(v: number | null | undefined): string | undefined {
  if (v === null || v === undefined || Number.isNaN(v)) return MISSING;
  if (v === Infinity) return 'inf';
  if (v === -Infinity) return '-inf';
  return undefined;
}

/** A fitted value: plain decimal in [1e-3, 1e4), e-notation outside; `digits` significant digits. */
export function formatValue(v: number | null | undefined, digits = VALUE_DIGITS): string {
  const s = special(v);
  if (s !== undefined) return s;
  const x = v as number;
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a >= 1e4 || a < 1e-3) return x.toExponential(digits - 1);
  return String(Number(x.toPrecision(digits)));
}

/** A size as a study writes it: 70B, 1.4T, 250M; e-notation beyond 1e15 and below 1e-4. */
export function formatSize(v: number | null | undefined, digits = VALUE_DIGITS): string {
  const s = special(v);
  if (s !== undefined) return s;
  const x = v as number;
  const a = Math.abs(x);
  if (a >= 1e15 || (a > 0 && a < 1e-4)) return x.toExponential(digits - 1);
  for (const [unit, suffix] of [
    [1e12, 'T'],
    [1e9, 'B'],
    [1e6, 'M'],
  ] as const) {
    if (a >= unit) return `${Number((x / unit).toPrecision(digits))}${suffix}`;
  }
  return String(Number(x.toPrecision(a >= 1000 ? digits + 2 : digits + 1)));
}

/** Every digit JSON keeps: objectives, and the report's exact values. */
export function formatExact(v: number | null | undefined): string {
  return special(v) ?? String(v);
}

/** A fraction as a percentage with two decimals: 0.01234 → 1.23%. */
export function formatPercent(fraction: number | null | undefined): string {
  const s = special(fraction);
  return s ?? `${((fraction as number) * 100).toFixed(2)}%`;
}

/** An interval `[lo, hi]` with each bound as a value; '' when there is none. */
export function formatInterval(iv: readonly [number | null, number | null] | null | undefined): string {
  return iv ? `[${formatValue(iv[0])}, ${formatValue(iv[1])}]` : '';
}

/** A confidence level as a percentage: 0.9 → 90%. */
export function formatLevel(level: number | null | undefined): string {
  return level === null || level === undefined || !Number.isFinite(level) ? '' : `${Math.round(level * 100)}%`;
}

/**
 * The q-quantile of sorted values, interpolating linearly between order statistics (numpy's
 * default). The core's bootstrap intervals (server/src/core/fit/stats.ts, which may not import this
 * file) use the same rule; a unit test holds the two equal.
 */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const pos = q * (n - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}
