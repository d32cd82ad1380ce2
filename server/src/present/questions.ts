// Text for the answers of issue 11's questions, shared by hover, inlay hints, the CLI table and
// the report so they agree: how far inference moves the allocation from the training-only one,
// and a frontier as a table. Numbers in the formats of numbers.ts (fitted values: formatValue;
// budgets as the study writes them: formatSize).
import type { ComputeDef } from '../core/model';
import type { FrontierResult, OptimumResult } from '../core/results';
import { allocationRatio } from './facts';
import { formatSize, formatValue, intervalOrWhy, MISSING } from './numbers';

/** `training only: N* = 6.000e+10, D* = 1.000e+12 (inference moves N* ×0.5, D* ×1.5)`, or undefined. */
export function inferenceShift(r: OptimumResult): string | undefined {
  const base = r.training_only;
  if (!base) return undefined;
  const keys = Object.keys(r.at).filter((k) => Number.isFinite(base.at[k]) && Number.isFinite(r.at[k]));
  const sizes = keys.slice(0, 2);
  const plain = sizes.map((k) => `${k}* = ${formatValue(base.at[k])}`).join(', ');
  const moves = sizes.map((k) => `${k}* ×${formatValue(r.at[k] / base.at[k])}`).join(', ');
  return `training only: ${plain} (inference moves ${moves})`;
}

/**
 * A frontier as a table: the budget, each variable of the allocation (with its interval), the
 * allocation ratio (named after the compute line, as for optima; D*\/N* for an isoflop's N and D),
 * the law value.
 */
export function frontierTable(
  r: FrontierResult,
  target: string,
  computes: readonly ComputeDef[] = [],
): { header: string[]; rows: string[][] } {
  const first = r.points[0];
  const keys = Object.keys(first?.at ?? {});
  const ratioOf = (p: FrontierResult['points'][number]) => {
    return (
      allocationRatio(computes, p) ??
      (keys.includes('N') && keys.includes('D') ? { label: 'D*/N*', value: formatValue(p.at.D / p.at.N) } : null)
    );
  };
  const label = first ? ratioOf(first)?.label : undefined;
  const header = [r.variable, ...keys.map((k) => `${k}*`), ...(label ? [label] : []), `${target}*`];
  // A withheld interval (null: the data cannot pin it down) says so; none asked for shows nothing.
  const cell = (v: number | null, iv: [number, number] | null | undefined) =>
    v !== null && Number.isFinite(v) ? `${formatValue(v)}${iv !== undefined ? ` ${intervalOrWhy(iv)}` : ''}` : MISSING;
  const rows = r.points.map((p) => [
    formatSize(p.budget[r.variable]),
    ...keys.map((k) => cell(p.at[k], p.intervals[k])),
    ...(label ? [ratioOf(p)?.value ?? '—'] : []),
    cell(p.value, p.intervals[target]),
  ]);
  return { header, rows };
}

/** `N* 1.000e+09 … 1.000e+10, L* 2.5 … 2.2`: a frontier's two ends, for an inlay hint. */
export function frontierEnds(r: FrontierResult, target: string): string | undefined {
  const first = r.points[0];
  const last = r.points[r.points.length - 1];
  if (!first || !last || first.value === null || last.value === null) return undefined;
  if (!Number.isFinite(first.value) || !Number.isFinite(last.value)) return undefined;
  const parts = Object.keys(first.at).map((k) => `${k}* ${formatValue(first.at[k])} … ${formatValue(last.at[k])}`);
  parts.push(`${target}* ${formatValue(first.value)} … ${formatValue(last.value)}`);
  return parts.join(', ');
}
