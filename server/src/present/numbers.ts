import { formatNumber } from '../core/text';

/** Numbers as the CLI prints them: 1.4T, 70B, 1.94, 5.760e+23 (one rule, core/text.ts). */
export const num = formatNumber;

export function interval(iv: [number, number] | null | undefined): string {
  return iv ? `[${num(iv[0])}, ${num(iv[1])}]` : '';
}

/** Said where the engine withholds an interval because the data cannot pin the quantity down. */
export const NOT_IDENTIFIABLE = 'no interval (not identifiable)';

/** An entry of an `intervals` record: null is withheld (not identifiable), undefined is not asked for. */
export function intervalOrWhy(iv: [number, number] | null | undefined): string {
  if (iv === undefined) return '';
  return iv ? interval(iv) : NOT_IDENTIFIABLE;
}

/**
 * A prediction's two intervals, named: the law's mean at the point, and one new run's observed
 * value (mean plus residual noise). Empty without uncertainty.
 */
export function predictionIntervals(r: {
  interval: [number, number] | null;
  observation_interval?: [number, number] | null;
  level: number | null;
}): string {
  if (r.level === null) return '';
  if (!r.interval) return NOT_IDENTIFIABLE;
  const pct = `${Math.round(r.level * 100)}%`;
  const run = r.observation_interval ? `; one new run ${interval(r.observation_interval)}` : '';
  return `mean ${interval(r.interval)}${run} (${pct})`;
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
