// The readable table of `scaling-studio fit FILE` and `npm run demo`, from the same facts as the
// hover and the reports. It reads only the results document (plus, when the study is at hand, its
// compute lines and isoflop budgets), so it also prints results that went through JSON.
import type { ComputeDef } from '../core/model';
import type { StudyResults } from '../core/results';
import {
  envelopeFacts,
  frontierLine,
  groupFacts,
  isoflopFacts,
  lawSummary,
  optimumFacts,
  optimumLine,
  predictionFacts,
  predictionLine,
  problemLine,
  problems,
  groupText,
  type GroupFacts,
} from './facts';
import { comparisonTable, comparisonVerdict } from './comparison';
import { frontierTable, inferenceShift } from './questions';
import { groupedBy } from './resultsLookup';
import { sweepIntervals, sweepLaw, sweepMethod, sweepTable } from './sweeps';
import { planBudgetLine, planSummary, planTarget } from './plans';

export interface TableContext {
  /** The study's compute lines, for the allocation ratio (D* over N*) of each optimum. */
  computes?: readonly ComputeDef[];
  /** Each isoflop's budget variable (C by default). */
  budgetVars?: Record<string, string>;
  /** Each law's target variable (L by default). */
  targets?: Record<string, string>;
}

/** An isoflop's (or one group's) budgets, edge budgets marked as excluded, then its frontier lines. */
function isoflopLines(f: ReturnType<typeof isoflopFacts>, budgetVar: string, indent: string, lines: string[]): void {
  for (const b of f.budgets)
    lines.push(
      `${indent}budget ${b.budget.padStart(10)}  ${String(b.runs).padStart(3)} runs  ${b.at}  value ${b.value}${b.kept ? '' : '  (excluded: minimum on the edge)'}`,
    );
  for (const line of f.frontier) lines.push(`${indent}${frontierLine(line, budgetVar, f.intervals)}`);
}

export function formatResultsTable(results: StudyResults, file: string, context: TableContext = {}): string {
  const lines: string[] = [];
  lines.push(`study: ${results.study ?? '(untitled)'}  (${file})`);
  for (const law of results.laws) {
    const s = lawSummary(law);
    lines.push('');
    lines.push(`law ${s.name}: ${s.formula}`);
    if (law.published) {
      lines.push(`  published: ${law.published.source}`, `  verified: ${law.published.verification}`);
      const width = Math.max(...s.params.map((p) => p.name.length), 5);
      for (const p of s.params) lines.push(`  ${p.name.padEnd(width)}  ${p.value.padStart(12)}`);
      continue;
    }
    lines.push(`  objective ${s.objectiveKind} = ${s.objectiveValue}`);
    lines.push(`  runs: ${s.rows}   starts: ${s.starts}`);
    if (s.weight) lines.push(`  weight: ${s.weight}`);
    lines.push(`  ${s.convergence}   ${s.time}`);
    const width = Math.max(...s.params.map((p) => p.name.length), 5);
    if (s.intervals && s.params.some((p) => p.interval)) lines.push(`  intervals: ${s.intervals.label}`);
    for (const p of s.params) {
      lines.push(`  ${p.name.padEnd(width)}  ${p.value.padStart(12)}${p.interval ? `   ${p.interval}` : ''}`);
    }
    if (law.holdout) lines.push(`  hold-out: ${s.holdout}`);
    const g = groupFacts(law);
    if (g) lines.push(...groupRows(g));
  }
  for (const iso of results.isoflops) {
    const budgetVar = context.budgetVars?.[iso.name] ?? 'C';
    const f = isoflopFacts(iso, budgetVar);
    lines.push('');
    if (iso.groups) {
      lines.push(`isoflop ${f.name}: per ${iso.per}, ${iso.groups.length} groups; minimum: ${f.method}`);
      for (const g of iso.groups) {
        const gf = isoflopFacts(g, budgetVar);
        lines.push(`  ${groupText(iso.per, g.value)}: ${gf.budgets.length} budgets`);
        isoflopLines(gf, budgetVar, '    ', lines);
      }
      continue;
    }
    lines.push(`isoflop ${f.name}: ${f.budgets.length} budgets; minimum: ${f.method}`);
    isoflopLines(f, budgetVar, '  ', lines);
  }
  for (const env of results.envelopes ?? []) {
    const budgetVar = context.budgetVars?.[env.name] ?? 'C';
    const f = envelopeFacts(env, budgetVar);
    lines.push('');
    lines.push(`envelope ${f.name}: ${f.points}`);
    for (const line of f.frontier) lines.push(`  ${frontierLine(line, budgetVar, f.intervals)}`);
  }
  if (results.predictions.length > 0) lines.push('');
  for (const p of results.predictions) {
    const f = predictionFacts(
      p,
      results.laws.find((l) => l.name === p.law),
    );
    const law = f.group ? `${f.law} [${f.group}]` : f.law;
    lines.push(`predict ${law} at ${f.at}: ${f.failed ? 'no value (see the warning below)' : predictionLine(f)}`);
  }
  for (const o of results.optima) {
    const per = groupedBy(results, o.law);
    const f = optimumFacts(o, context.computes ?? [], context.targets?.[o.law] ?? 'L', per);
    const law = f.group ? `${f.law} [${f.group}]` : f.law;
    if (f.failed) lines.push(`optimize ${law} for ${f.budget}: no optimum (see the warning below)`);
    else {
      lines.push(`optimize ${law} for ${f.budget}: ${optimumLine(f)}`);
      const shift = inferenceShift(o);
      if (shift) lines.push(`   ${shift}`);
    }
  }
  for (const sw of results.sweeps ?? []) {
    lines.push('');
    lines.push(`sweep ${sw.name}: ${sweepLaw(sw) ?? 'no power law (see the warning below)'}`);
    const iv = sweepIntervals(sw);
    if (iv) lines.push(`  ${iv}`);
    lines.push(`  minimum: ${sweepMethod(sw)}`);
    const { header, rows } = sweepTable(sw);
    const widths = header.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j].length)));
    for (const r of [header, ...rows]) lines.push(`  ${r.map((c, j) => c.padEnd(widths[j])).join('  ')}`.trimEnd());
  }
  for (const fr of results.frontiers ?? []) {
    lines.push('');
    const { header, rows } = frontierTable(fr, context.targets?.[fr.law] ?? 'L', context.computes);
    const group = fr.group !== undefined ? ` [${groupText(groupedBy(results, fr.law), fr.group)}]` : '';
    lines.push(`frontier ${fr.law}${group} over ${fr.variable} (${fr.points.length} points):`);
    const widths = header.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j].length)));
    for (const r of [header, ...rows]) lines.push(`  ${r.map((c, j) => c.padEnd(widths[j])).join('  ')}`.trimEnd());
  }
  for (const p of results.plans ?? []) {
    lines.push('');
    lines.push(`plan ${p.law}: ${planTarget(p, context.targets?.[p.law] ?? 'L')}`);
    lines.push(`  ${planSummary(p) ?? 'no runs proposed (see the warning below)'}; ${planBudgetLine(p)}`);
  }
  for (const c of results.comparisons ?? []) {
    lines.push('');
    const { header, rows, numeric } = comparisonTable(c);
    lines.push(`compare ${c.name ? `${c.name}: ` : ''}${c.laws.map((l) => l.law).join(', ')}`);
    const widths = header.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j].length)));
    for (const r of [header, ...rows])
      lines.push(
        `  ${r.map((cell, j) => (numeric[j] ? cell.padStart(widths[j]) : cell.padEnd(widths[j]))).join('  ')}`.trimEnd(),
      );
    lines.push(`  ${comparisonVerdict(c)}`);
  }
  const list = problems(results);
  if (list.length > 0) {
    lines.push('');
    for (const d of list) lines.push(problemLine(d, file));
  }
  return lines.join('\n') + '\n';
}

/** The table's context from an analysed study. */
export function tableContext(model: {
  computes: readonly ComputeDef[];
  isoflops: readonly { name: string; budget: string }[];
  laws: readonly { name: string; target: string }[];
}): TableContext {
  return {
    computes: model.computes,
    budgetVars: Object.fromEntries(model.isoflops.map((i) => [i.name, i.budget])),
    targets: Object.fromEntries(model.laws.map((l) => [l.name, l.target])),
  };
}

/** A `per` law's groups, one line each: its value, its own parameters, objective and runs. */
function groupRows(g: GroupFacts): string[] {
  const head = [g.per, ...g.params, 'objective', 'runs'];
  const rows = g.groups.map((x) => [
    x.value,
    ...g.params.map((n) => x.params[n] ?? '—'),
    x.objectiveValue,
    String(x.fitted),
  ]);
  const widths = head.map((h, k) => Math.max(h.length, ...rows.map((r) => r[k].length)));
  const line = (cells: string[]) =>
    `  ${cells.map((c, k) => (k === 0 ? c.padEnd(widths[k]) : c.padStart(widths[k]))).join('  ')}`;
  return [
    `  per ${g.per}: ${g.groups.length} groups${g.shared.length > 0 ? " (the shared values above are every group's)" : ''}`,
    line(head),
    ...rows.map(line),
  ];
}
