// Text for a `plan` line's answer (issue 12.4), shared by hover, inlay hint, code lens, CLI table
// and report so they agree: what is sharpened, the width before → after, and the proposed runs.
import type { PlanResult } from '../core/results';
import { pointText } from './facts';
import { formatLevel, formatSize, formatValue } from './numbers';

/** `−47%`: how much the proposed runs narrow the target's interval, to the whole percent. */
export function widthChange(r: PlanResult): string | undefined {
  if (r.width_before === null || r.width_after === null || !(r.width_before > 0)) return undefined;
  const pct = Math.round((r.width_after / r.width_before - 1) * 100);
  return pct < 0 ? `−${-pct}%` : `+${pct}%`;
}

/** `the prediction L at N = 70B, D = 1.4T (now 1.970)` | `the optimum's N* for C = 5.76e23 (now 9.652e+10)`. */
export function planTarget(r: PlanResult, lawTarget: string): string {
  const now = r.target.value === null ? '' : ` (now ${formatValue(r.target.value)})`;
  if (r.target.kind === 'predict') {
    const at = Object.fromEntries(Object.entries(r.target.at).filter(([k]) => k !== r.cost_variable));
    return `the prediction ${lawTarget} at ${pointText(at)}${now}`;
  }
  return `the optimum's ${r.target.quantity}* for ${pointText(r.target.budget)}${now}`;
}

/** `width 0.05452 → 0.02879 (−47%) with 61 runs`: the inlay hint, and the hover's summary line. */
export function planSummary(r: PlanResult): string | undefined {
  const change = widthChange(r);
  if (!change || r.runs.length === 0) return undefined;
  const runs = `${r.runs.length} run${r.runs.length === 1 ? '' : 's'}`;
  return `width ${formatValue(r.width_before)} → ${formatValue(r.width_after)} (${change}) with ${runs}`;
}

/** `Plan: 4 runs, width −38%`: the code lens over the line. */
export function planLensTitle(r: PlanResult): string | undefined {
  const change = widthChange(r);
  if (!change || r.runs.length === 0) return undefined;
  return `Plan: ${r.runs.length} run${r.runs.length === 1 ? '' : 's'}, width ${change}`;
}

/** `budget 3e21 C, 2.999e+21 spent; 90% interval widths (asymptotic), 196 candidate runs`. */
export function planBudgetLine(r: PlanResult): string {
  return `budget ${formatSize(r.budget)} ${r.cost_variable}, ${formatValue(r.spent)} spent; ${formatLevel(r.level)} interval widths (asymptotic), ${r.candidates} candidate runs`;
}

/** The hover lists this many proposed runs; the report lists them all. */
export const HOVER_PLAN_RUNS = 20;

/** The proposed runs in the order the planner chose them: each variable, its cost, the width once it is in. */
export function planTable(r: PlanResult, limit = Infinity): { header: string[]; rows: string[][] } {
  const keys = Object.keys(r.runs[0]?.at ?? {});
  const header = ['#', ...keys, r.cost_variable, 'expected width'];
  const rows = r.runs
    .slice(0, limit)
    .map((run, i) => [
      String(i + 1),
      ...keys.map((k) => formatSize(run.at[k])),
      formatValue(run.cost),
      formatValue(run.expected_width),
    ]);
  return { header, rows };
}
