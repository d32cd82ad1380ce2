// Text for the answers of issue 11's questions, shared by hover, inlay hints, the CLI table and
// the report so they agree: how far inference moves the allocation from the training-only one.
import type { FrontierResult, OptimumResult } from '../core/results';
import { interval, num } from './numbers';

/** `training only: N* = 46.7B, D* = 877B (inference: N* ×0.63, D* ×1.74)`, or undefined. */
export function inferenceShift(r: OptimumResult): string | undefined {
  const base = r.training_only;
  if (!base) return undefined;
  const keys = Object.keys(r.at).filter((k) => Number.isFinite(base.at[k]) && Number.isFinite(r.at[k]));
  const sizes = keys.slice(0, 2);
  const plain = sizes.map((k) => `${k}* = ${num(base.at[k])}`).join(', ');
  const moves = sizes.map((k) => `${k}* ×${(r.at[k] / base.at[k]).toFixed(2)}`).join(', ');
  return `training only: ${plain} (inference moves ${moves})`;
}

/** A frontier as a table: the budget, each variable of the allocation (with its interval), the tokens per parameter, the law value. */
export function frontierTable(r: FrontierResult, target: string): { header: string[]; rows: string[][] } {
  const keys = Object.keys(r.points[0]?.at ?? {});
  const ratio = keys.includes('N') && keys.includes('D');
  const header = [r.variable, ...keys.map((k) => `${k}*`), ...(ratio ? ['D*/N*'] : []), `${target}*`];
  const cell = (v: number, iv: [number, number] | undefined) =>
    Number.isFinite(v) ? `${num(v)}${iv ? ` ${interval(iv)}` : ''}` : '—';
  const rows = r.points.map((p) => [
    num(p.budget[r.variable]),
    ...keys.map((k) => cell(p.at[k], p.intervals[k])),
    ...(ratio ? [(p.at.D / p.at.N).toFixed(1)] : []),
    cell(p.value, p.intervals[target]),
  ]);
  return { header, rows };
}

/** `N* 1.2B … 3.4T, L* 2.5 … 1.9`: a frontier's two ends, for an inlay hint. */
export function frontierEnds(r: FrontierResult, target: string): string | undefined {
  const first = r.points[0];
  const last = r.points[r.points.length - 1];
  if (!first || !last || !Number.isFinite(first.value) || !Number.isFinite(last.value)) return undefined;
  const parts = Object.keys(first.at).map((k) => `${k}* ${num(first.at[k])} … ${num(last.at[k])}`);
  parts.push(`${target}* ${num(first.value)} … ${num(last.value)}`);
  return parts.join(', ');
}
