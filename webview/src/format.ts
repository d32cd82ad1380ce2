// Number formatting for axes, tooltips and CSV: the rules of protocol/numbers.ts, shared with the server.

import { formatInterval, formatSize, formatValue } from '../../protocol/numbers';

export { formatInterval, formatValue };

/** Axis ticks and sizes (70B, 1.4T): the server's rule for sizes, at 3 significant digits on axes. */
export function formatNumber(v: number, digits = 3): string {
  return formatSize(v, digits);
}

/** Numbers in exported data (CSV): every digit, as JavaScript round-trips them; never a display format. */
export function formatRaw(v: number): string {
  return Number.isFinite(v) ? String(v) : '';
}

/** Fitted values in tooltips and labels: the same string the hover, the table and the report show. */
export function formatExact(v: number): string {
  return Number.isFinite(v) ? formatValue(v) : '';
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
