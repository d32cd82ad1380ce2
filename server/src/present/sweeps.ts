// Text for a `sweep`'s answers, shared by hover, inlay hints, the CLI table and the report so they
// agree: the power law over*(per) with its intervals, and the groups' minima as a table.
import type { StudyResults, SweepResult } from '../core/results';
import { formatLevel, formatSize, formatValue, intervalOrWhy, MISSING } from './numbers';

/** The result of the sweep named `name`, when fitted. */
export function sweepResult(results: StudyResults | undefined, name: string): SweepResult | undefined {
  return results?.sweeps?.find((s) => s.name === name);
}

/** `lr*(N) = 0.5000 · N^-0.3000`, or undefined without a law. */
export function sweepLaw(r: SweepResult): string | undefined {
  if (!r.law) return undefined;
  return `${r.over}*(${r.per}) = ${formatValue(r.law.coefficient)} · ${r.per}^${formatValue(r.law.exponent)}`;
}

/** `exponent [-0.31, -0.29], coefficient [0.45, 0.55] (90% bootstrap)`, or undefined without intervals. */
export function sweepIntervals(r: SweepResult): string | undefined {
  if (!r.law || !r.intervals) return undefined;
  const how = r.uncertainty ? ` (${formatLevel(r.uncertainty.level)} ${r.uncertainty.method})` : '';
  return `exponent ${intervalOrWhy(r.intervals.exponent)}, coefficient ${intervalOrWhy(r.intervals.coefficient)}${how}`;
}

/** How each group's minimum was found, as the study writes it. */
export function sweepMethod(r: SweepResult): string {
  return r.minimum.method === 'parabola' && r.minimum.window !== null
    ? `parabola window ${r.minimum.window}`
    : r.minimum.method;
}

/** One row per group: the `per` value, its runs, the best `over`, the target there, and whether it is an edge. */
export function sweepTable(r: SweepResult): { header: string[]; rows: string[][] } {
  const header = [r.per, 'runs', `${r.over}*`, `${r.target} at minimum`, 'in law'];
  const rows = r.groups.map((g) => [
    formatSize(g.value),
    String(g.runs),
    Number.isFinite(g.at[r.over]) ? formatValue(g.at[r.over]) : MISSING,
    Number.isFinite(g.value_min) ? formatValue(g.value_min) : MISSING,
    g.edge ? 'no (minimum at the edge)' : 'yes',
  ]);
  return { header, rows };
}
