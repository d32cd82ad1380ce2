// Fits an analysed study and assembles the one results document that the CLI prints, the hover
// and inlay hints read, and the plots draw — so their numbers cannot disagree.
import type { Analysis } from './core/study';
import { toJsonDiagnostic } from './core/study';
import type { StudyResults } from './core/results';
import { fitStudy } from './core/fit';
import type { Diagnostic } from './core/diagnostics';
import { formatNumber as num } from './core/text';

export interface FitRun {
  results: StudyResults;
  /** All diagnostics, the analysis' and the fit's, with source ranges (for the editor). */
  diagnostics: Diagnostic[];
  hasError: boolean;
}

export async function runFit(
  analysis: Analysis,
  _studyPath: string,
  options: { signal?: AbortSignal; workers?: number } = {},
): Promise<FitRun> {
  const syntaxOrBindErrors = analysis.diagnostics.some((d) => d.severity === 'error');
  const fitted = await fitStudy(analysis.model, { signal: options.signal, workers: options.workers });
  const diagnostics = [...analysis.diagnostics, ...fitted.diagnostics].sort((a, b) => a.range.start - b.range.start);
  const results: StudyResults = {
    study: analysis.model.title ?? null,
    ...fitted.results,
    diagnostics: diagnostics.map((d) => toJsonDiagnostic(d, analysis.lines)),
  };
  return { results, diagnostics, hasError: syntaxOrBindErrors || diagnostics.some((d) => d.severity === 'error') };
}

/** The readable table of `scaling-studio fit FILE` and `npm run demo`. */
export function formatResultsTable(results: StudyResults, file: string): string {
  const lines: string[] = [];
  lines.push(`study: ${results.study ?? '(untitled)'}  (${file})`);
  for (const law of results.laws) {
    lines.push('');
    lines.push(`law ${law.name}: ${law.formula}`);
    const obj = law.objective;
    lines.push(
      `  objective ${obj.kind}${obj.delta !== null ? `(${obj.delta})` : ''}${obj.space === 'log' ? ' on log' : ''} = ${obj.value.toPrecision(8)}` +
        `   runs: ${law.points.fit} fitted, ${law.points.holdout} held out` +
        `   starts: ${law.starts.optimized} optimized of ${law.starts.declared}   ${law.converged ? 'converged' : 'NOT converged'} (${law.stop_reason})   ${(law.seconds * 1000).toFixed(0)} ms`,
    );
    const width = Math.max(...Object.keys(law.params).map((k) => k.length), 5);
    for (const [name, value] of Object.entries(law.params)) {
      const iv = law.intervals?.[name];
      lines.push(`  ${name.padEnd(width)}  ${num(value).padStart(12)}${iv ? `   [${num(iv[0])}, ${num(iv[1])}]` : ''}`);
    }
    if (law.holdout)
      lines.push(
        `  hold-out: MAPE ${(law.holdout.mape * 100).toFixed(2)}%, RMSE(log) ${law.holdout.rmse_log.toPrecision(3)}`,
      );
  }
  for (const iso of results.isoflops) {
    lines.push('');
    lines.push(`isoflop ${iso.name}: ${iso.budgets.length} budgets`);
    for (const b of iso.budgets) {
      const at = Object.entries(b.at)
        .map(([k, v]) => `${k}*=${num(v)}`)
        .join(' ');
      lines.push(
        `  budget ${num(b.budget).padStart(10)}  ${String(b.runs).padStart(3)} runs  ${at}  value ${num(b.value)}${b.edge ? '  (minimum on the edge)' : ''}`,
      );
    }
    if (iso.frontier) {
      lines.push(`  N*(C) = ${num(iso.frontier.N.coefficient)} * C^${iso.frontier.N.exponent.toFixed(4)}`);
      lines.push(`  D*(C) = ${num(iso.frontier.D.coefficient)} * C^${iso.frontier.D.exponent.toFixed(4)}`);
    }
  }
  for (const env of results.envelopes ?? []) {
    lines.push('');
    const inside = env.points.filter((p) => !p.edge).length;
    lines.push(`envelope ${env.name}: ${env.points.length} compute values, ${inside} with an interior best run`);
    // Intervals are keyed by the study's own size and tokens variables, in that order in each point's `at`.
    const [size = 'N', tokens = 'D'] = Object.keys(env.points[0]?.at ?? {});
    for (const [v, name] of [
      ['N', size],
      ['D', tokens],
    ] as const) {
      const f = env.frontier?.[v];
      const iv = env.intervals?.[`${name}_exponent`];
      if (f)
        lines.push(
          `  ${name}*(C) = ${num(f.coefficient)} * C^${f.exponent.toFixed(4)}${iv ? `   exponent [${iv[0].toFixed(4)}, ${iv[1].toFixed(4)}]` : ''}`,
        );
    }
  }
  if (results.predictions.length > 0) lines.push('');
  for (const p of results.predictions) {
    const at = Object.entries(p.at)
      .map(([k, v]) => `${k} = ${num(v)}`)
      .join(', ');
    lines.push(
      `predict ${p.law} at ${at}: ${num(p.value)}${p.interval ? ` [${num(p.interval[0])}, ${num(p.interval[1])}] (${Math.round((p.level ?? 0) * 100)}%)` : ''}`,
    );
  }
  for (const o of results.optima) {
    const budget = Object.entries(o.budget)
      .map(([k, v]) => `${k} = ${num(v)}`)
      .join(', ');
    const at = Object.entries(o.at)
      .map(
        ([k, v]) =>
          `${k}* = ${num(v)}${o.intervals[k] ? ` [${num(o.intervals[k][0])}, ${num(o.intervals[k][1])}]` : ''}`,
      )
      .join(', ');
    const ratio = o.at.N && o.at.D ? `, D*/N* = ${(o.at.D / o.at.N).toFixed(1)}` : '';
    if (o.value === null || !Number.isFinite(o.value))
      lines.push(`optimize ${o.law} for ${budget}: no optimum (see the warning below)`);
    else lines.push(`optimize ${o.law} for ${budget}: ${at}${ratio}, loss* = ${num(o.value)}`);
  }
  const problems = results.diagnostics.filter((d) => d.severity === 'error' || d.severity === 'warning');
  if (problems.length > 0) {
    lines.push('');
    for (const d of problems) lines.push(`${file}:${d.line}:${d.column}: ${d.severity} ${d.code}: ${d.message}`);
  }
  return lines.join('\n') + '\n';
}
