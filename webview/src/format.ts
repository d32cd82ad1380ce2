// Number formatting for axes, tooltips and CSV: 1K, 1M, 1B, 1T, then 1e15, 1e21 ...

const SI: [number, string][] = [
  [1e12, 'T'],
  [1e9, 'B'],
  [1e6, 'M'],
  [1e3, 'K'],
];

/** Drops trailing zeros after a decimal point: '2.50' → '2.5', '100.' → '100', '100' stays. */
function trim(s: string): string {
  const [m, e] = s.split('e');
  let end = m.length;
  // A loop, not /0+$/ (which backtracks on long inputs: test/unit/hardening/regex.test.ts).
  if (m.includes('.')) {
    while (m[end - 1] === '0') end--;
    if (m[end - 1] === '.') end--;
  }
  const t = m.slice(0, end);
  return e === undefined ? t : `${t}e${e}`;
}

/** Compact human form: 70B, 1.4T, 5.76e23, 3.21, 0.0042. */
export function formatNumber(v: number, digits = 3): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e15 || a < 1e-3) {
    const [m, e] = v.toExponential(digits - 1).split('e');
    return `${trim(m)}e${Number(e)}`;
  }
  for (const [scale, suffix] of SI) {
    if (a >= scale) return trim((v / scale).toPrecision(digits)) + suffix;
  }
  return trim(v.toPrecision(digits));
}

/** Full precision for tooltips and CSV. */
export function formatExact(v: number): string {
  if (!Number.isFinite(v)) return '';
  return String(Number(v.toPrecision(6)));
}

const LOG_LEVELS: number[][] = [
  [1],
  [1, 3],
  [1, 2, 5],
  [1, 2, 3, 5, 7],
  [1, 2, 3, 4, 5, 6, 7, 8, 9],
  [1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5, 6, 7, 8, 9],
  Array.from({ length: 90 }, (_, i) => 1 + i / 10),
];

/**
 * Tick values for a logarithmic axis over [min, max]: the richest set of "nice" mantissas (1; 1, 2, 5; 1..9; ...)
 * that gives at most `maxTicks`; over very many decades every k-th power of ten.
 */
export function niceLogTicks(min: number, max: number, maxTicks: number): number[] {
  if (!(min > 0) || !(max > min)) return [];
  const e0 = Math.floor(Math.log10(min));
  const e1 = Math.ceil(Math.log10(max));
  const within = (v: number) => v >= min * (1 - 1e-9) && v <= max * (1 + 1e-9);
  let best: number[] = [];
  for (const level of LOG_LEVELS) {
    const ticks: number[] = [];
    for (let e = e0; e <= e1; e++) {
      for (const m of level) {
        const v = Number((m * 10 ** e).toPrecision(6));
        if (within(v)) ticks.push(v);
      }
    }
    if (ticks.length > Math.max(2, maxTicks)) break;
    best = ticks;
  }
  if (best.length === 0) {
    // Not even one tick per decade fits: every k-th power of ten.
    const k = Math.ceil((e1 - e0) / Math.max(1, maxTicks));
    for (let e = Math.ceil(e0 / k) * k; e <= e1; e += k) if (within(10 ** e)) best.push(10 ** e);
  }
  if (best.length < 2) best = [min, max].map((v) => Number(v.toPrecision(2))).filter(within);
  return best;
}
