// Hover: fitted numbers read from the same StudyResults that `fit --json` prints, so they agree.
// User-written text is escaped; formulas go into code spans.
import type { Hover } from 'vscode-languageserver';
import { MarkupKind } from 'vscode-languageserver';
import type { BoundLaw, ParamSpec } from '../core/model';
import type { LawResult, StudyResults } from '../core/results';
import type * as A from '../core/syntax/ast';
import type { Analysis } from '../core/study';
import { catalogue } from '../core/laws';
import { exprToString } from '../core/semantics/evaluate';
import { toRange } from './diagnostics';
import { code, interval, md, num } from '../present/numbers';
import { lawResult, optimumResult, predictionResult } from '../present/resultsLookup';
import { occurrenceAt, statementAt, symbolIndex, type Occurrence } from './symbolIndex';

export function hover(analysis: Analysis, results: StudyResults | undefined, offset: number): Hover | null {
  const at = occurrenceAt(symbolIndex(analysis), offset);
  let text: string | undefined;
  let range: A.Range | undefined;
  if (at) {
    text = occurrenceHover(analysis, results, at);
    range = at.range;
  }
  if (!text) {
    const s = statementAt(analysis, offset);
    if (s?.kind === 'Predict') text = predictHover(analysis, results, s);
    else if (s?.kind === 'Optimize') text = optimizeHover(analysis, results, s);
    else if (s?.kind === 'Runs') {
      const row = rowAt(s, offset);
      if (row) {
        text = runRowHover(analysis, results, s, row);
        range = row.row.range;
      }
    }
    if (text && !range) range = s?.range;
  }
  if (!text) return null;
  return { contents: { kind: MarkupKind.Markdown, value: text }, range: range && toRange(range, analysis.lines) };
}

function occurrenceHover(analysis: Analysis, results: StudyResults | undefined, at: Occurrence): string | undefined {
  switch (at.kind) {
    case 'law':
      return lawHover(analysis, results, at.name);
    case 'parameter':
      return paramHover(analysis, results, at.scope ?? '', at.name);
    case 'catalogue':
      return catalogueHover(at.name);
    case 'dataset':
      return datasetHover(analysis, at.name);
    case 'isoflop':
      return analysis.model.isoflops.find((i) => i.name === at.name)?.method === 'envelope'
        ? envelopeHover(results, at.name)
        : isoflopHover(results, at.name);
    case 'variable': {
      const c = analysis.model.computes.find((x) => x.name === at.name);
      if (c) return `**compute** ${code(`${c.name} = ${exprToString(c.formula)}`)}`;
      return undefined;
    }
    default:
      return undefined;
  }
}

function notFitted(results: StudyResults | undefined): string {
  return results ? '_no fit result for this law (see Problems)_' : '_not fitted yet_';
}

export function lawHover(analysis: Analysis, results: StudyResults | undefined, name: string): string | undefined {
  const law = analysis.model.laws.find((l) => l.name === name);
  const r = lawResult(results, name);
  if (!law && !r) return undefined;
  const lines: string[] = [];
  const formula = r?.formula ?? (law ? `${law.target} = ${law.formulaText}` : '');
  lines.push(`**law** ${code(name)}: ${code(formula)}`);
  if (law?.catalogue) {
    const entry = catalogue.get(law.catalogue);
    if (entry) lines.push('', `_${md(entry.source)}_`);
  }
  lines.push('');
  if (!r) {
    lines.push(notFitted(results));
    if (law) lines.push('', paramTable(law, undefined));
    return lines.join('\n');
  }
  lines.push(paramTable(law, r));
  lines.push('');
  const o = r.objective;
  lines.push(
    `objective: ${o.kind}${o.delta !== null ? `(${num(o.delta)})` : ''}${o.space === 'log' ? ' on log' : ''} = ${Number.isFinite(o.value) ? o.value.toPrecision(6) : '— (no finite value)'}  `,
  );
  lines.push(
    `runs: ${r.points.fit} fitted, ${r.points.holdout} held out${r.points.dropped ? `, ${r.points.dropped} dropped` : ''}  `,
  );
  if (r.holdout) {
    lines.push(
      `hold-out error: MAPE ${(r.holdout.mape * 100).toFixed(2)}%, RMSE(log) ${r.holdout.rmse_log.toPrecision(3)}  `,
    );
  } else lines.push('hold-out error: — (no runs held out)  ');
  lines.push(
    `${r.converged ? 'converged' : '**not converged**'} (${md(r.stop_reason)}), ${r.starts.optimized} of ${r.starts.declared} starts optimized, ${Math.round(r.seconds * 1000)} ms`,
  );
  return lines.join('\n');
}

function boundsText(p: ParamSpec): string {
  if (p.fixed !== undefined) return `fixed = ${num(p.fixed)}`;
  const f = (v: number) => (v === Infinity ? 'inf' : v === -Infinity ? '-inf' : num(v));
  return `${p.lowerClosed ? '[' : '('}${f(p.lower)}, ${f(p.upper)}${p.upperClosed ? ']' : ')'}`;
}

function paramTable(law: BoundLaw | undefined, r: LawResult | undefined): string {
  const names = r ? Object.keys(r.params) : (law?.params.map((p) => p.name) ?? []);
  const level = r?.level ? ` (${Math.round(r.level * 100)}%)` : '';
  const rows = ['| parameter | value | interval' + level + ' | bounds |', '|---|---:|---|---|'];
  for (const n of names) {
    const spec = law?.params.find((p) => p.name === n);
    rows.push(
      `| ${md(n)} | ${r ? num(r.params[n]) : '—'} | ${interval(r?.intervals?.[n]) || '—'} | ${spec ? boundsText(spec) : ''} |`,
    );
  }
  return rows.join('\n');
}

export function paramHover(
  analysis: Analysis,
  results: StudyResults | undefined,
  lawName: string,
  name: string,
): string {
  const law = analysis.model.laws.find((l) => l.name === lawName);
  const spec = law?.params.find((p) => p.name === name);
  const r = lawResult(results, lawName);
  const lines = [`**parameter** ${code(name)} of law ${code(lawName)}`, ''];
  if (r && name in r.params) {
    const iv = r.intervals?.[name];
    lines.push(
      `value: **${num(r.params[name])}**${iv ? ` ${interval(iv)}${r.level ? ` (${Math.round(r.level * 100)}%)` : ''}` : ''}  `,
    );
  } else lines.push(`value: ${notFitted(results)}  `);
  if (spec) {
    lines.push(`bounds: ${boundsText(spec)}  `);
    if (spec.fixed === undefined && spec.starts.length > 0) {
      lines.push(
        `starts: ${spec.starts.length} (${spec.logGrid ? 'log grid ' : ''}${num(Math.min(...spec.starts))} … ${num(Math.max(...spec.starts))})`,
      );
    }
  }
  return lines.join('\n');
}

export function catalogueHover(name: string): string | undefined {
  const entry = catalogue.get(name);
  if (!entry) return undefined;
  return [
    `**catalogue law** ${code(`${entry.name}(${entry.formals.join(', ')})`)}`,
    '',
    code(`${entry.target ?? 'L'} = ${exprToString(entry.formula)}`),
    '',
    md(entry.description),
    '',
    `_Source: ${md(entry.source)}_`,
  ].join('\n');
}

function datasetHover(analysis: Analysis, name: string): string | undefined {
  const t = analysis.model.datasets.get(name);
  if (!t) return undefined;
  const first = t.origin[0];
  const file = first && 'file' in first ? ` from ${code(first.file.split(/[\\/]/).pop() ?? '')}` : ' (inline)';
  return `**runs** ${code(name)}${file}: ${t.rowCount} row${t.rowCount === 1 ? '' : 's'}  \nvariables: ${[...t.numeric.keys()].map(md).join(', ')}`;
}

/** Approach 1: how many compute values the envelope has, how many say something, and the frontier. */
function envelopeHover(results: StudyResults | undefined, name: string): string {
  const r = results?.envelopes?.find((i) => i.name === name);
  const lines = [`**envelope** ${code(name)} (Chinchilla approach 1)`, ''];
  if (!r) return [...lines, notFitted(results)].join('\n');
  const inside = r.points.filter((p) => !p.edge);
  lines.push(
    `${r.points.length} compute values, ${inside.length} with an interior best run (of ${new Set(inside.map((p) => p.run)).size} runs)  `,
  );
  const [size = 'N', tokens = 'D'] = Object.keys(r.points[0]?.at ?? {});
  for (const [v, variable] of [
    ['N', size],
    ['D', tokens],
  ] as const) {
    const f = r.frontier?.[v];
    const iv = r.intervals?.[`${variable}_exponent`];
    if (f)
      lines.push(
        `${md(variable)}*(C) = ${num(f.coefficient)} · C^${f.exponent.toFixed(4)}${iv ? ` (exponent ${iv[0].toFixed(4)} … ${iv[1].toFixed(4)})` : ''}  `,
      );
  }
  return lines.join('\n');
}

function isoflopHover(results: StudyResults | undefined, name: string): string {
  const r = results?.isoflops.find((i) => i.name === name);
  const lines = [`**isoflop** ${code(name)}`, ''];
  if (!r) return [...lines, notFitted(results)].join('\n');
  lines.push(`${r.budgets.length} budgets  `);
  if (r.frontier) {
    lines.push(`N*(C) = ${num(r.frontier.N.coefficient)} · C^${r.frontier.N.exponent.toFixed(4)}  `);
    lines.push(`D*(C) = ${num(r.frontier.D.coefficient)} · C^${r.frontier.D.exponent.toFixed(4)}`);
  }
  return lines.join('\n');
}

/** How far a point lies outside the fitted runs of a law, per variable (1 = inside). */
export function extrapolation(
  law: BoundLaw,
  point: Record<string, number>,
): { variable: string; factor: number; above: boolean }[] {
  const out: { variable: string; factor: number; above: boolean }[] = [];
  for (const [variable, value] of Object.entries(point)) {
    if (!law.variables.includes(variable)) continue;
    const values = law.data.numeric.get(variable);
    if (!values) continue;
    let lo = Infinity;
    let hi = -Infinity;
    for (let r = 0; r < values.length; r++) {
      if (law.heldOut[r] || !(values[r] > 0)) continue;
      lo = Math.min(lo, values[r]);
      hi = Math.max(hi, values[r]);
    }
    if (!Number.isFinite(lo) || !(value > 0)) continue;
    const factor = value > hi ? value / hi : value < lo ? lo / value : 1;
    out.push({ variable, factor, above: value > hi });
  }
  return out;
}

function predictHover(analysis: Analysis, results: StudyResults | undefined, s: A.PredictStmt): string | undefined {
  const p = analysis.model.predictions.find((x) => x.range.start === s.range.start);
  if (!p) return undefined;
  const law = analysis.model.laws.find((l) => l.name === p.law);
  const at = Object.entries(p.at)
    .map(([k, v]) => `${md(k)} = ${num(v)}`)
    .join(', ');
  const lines = [`**predict** ${code(p.law)} at ${at}`, ''];
  const r = predictionResult(analysis, results, p);
  if (r && !Number.isFinite(r.value)) {
    lines.push(`${md(law?.target ?? 'value')}: no value — the prediction failed (see the diagnostic on this line)  `);
  } else if (r) {
    lines.push(
      `${md(law?.target ?? 'value')} = **${num(r.value)}**${r.interval ? ` ${interval(r.interval)}${r.level ? ` (${Math.round(r.level * 100)}%)` : ''}` : ''}  `,
    );
  } else lines.push(`${notFitted(results)}  `);
  if (law) {
    const far = extrapolation(law, p.at);
    const outside = far.filter((f) => f.factor > 1);
    if (outside.length === 0) lines.push('within the range of the fitted runs');
    else {
      lines.push(
        'extrapolates: ' +
          outside
            .map(
              (f) =>
                `${md(f.variable)} ${f.factor.toFixed(f.factor < 100 ? 1 : 0)}× ${f.above ? 'above the largest' : 'below the smallest'} fitted run`,
            )
            .join('; '),
      );
    }
  }
  return lines.join('\n');
}

function optimizeHover(analysis: Analysis, results: StudyResults | undefined, s: A.OptimizeStmt): string | undefined {
  const o = analysis.model.optima.find((x) => x.range.start === s.range.start);
  if (!o) return undefined;
  const budget = Object.entries(o.budget)
    .map(([k, v]) => `${md(k)} = ${num(v)}`)
    .join(', ');
  const lines = [`**optimize** ${code(o.law)} for ${budget}`, ''];
  const r = optimumResult(analysis, results, o);
  if (!r) return [...lines, notFitted(results)].join('\n');
  if (!Number.isFinite(r.value)) {
    return [...lines, 'no optimum — it could not be computed (see the diagnostic on this line)'].join('\n');
  }
  for (const [k, v] of Object.entries(r.at)) lines.push(`${md(k)}* = **${num(v)}** ${interval(r.intervals[k])}  `);
  if (r.at.N && r.at.D) lines.push(`D*/N* = ${(r.at.D / r.at.N).toFixed(1)}  `);
  const law = analysis.model.laws.find((l) => l.name === o.law);
  lines.push(`${md(law?.target ?? 'L')}* = **${num(r.value)}** ${interval(r.intervals[law?.target ?? 'L'])}`);
  return lines.join('\n');
}

function rowAt(s: A.RunsDecl, offset: number): { row: A.RunRow; index: number } | undefined {
  let lo = 0;
  let hi = s.rows.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const r = s.rows[mid].range;
    if (offset < r.start) hi = mid - 1;
    else if (offset > r.end) lo = mid + 1;
    else return { row: s.rows[mid], index: mid };
  }
  return undefined;
}

function runRowHover(
  analysis: Analysis,
  results: StudyResults | undefined,
  s: A.RunsDecl,
  { row, index }: { row: A.RunRow; index: number },
): string | undefined {
  const name = s.name?.text ?? 'runs';
  const lines = [`**run** ${index + 1} of ${code(name)}`, ''];
  let any = false;
  for (const law of analysis.model.laws) {
    const i = rowIndexIn(law, row.range.start);
    if (i < 0) continue;
    any = true;
    const r = lawResult(results, law.name)?.residuals?.[i];
    if (!r) {
      lines.push(`${code(law.name)}: ${notFitted(results)}  `);
      continue;
    }
    const residual = r.observed - r.fitted;
    lines.push(
      `${code(law.name)}: observed ${num(r.observed)}, fitted ${num(r.fitted)}, residual ${residual >= 0 ? '+' : ''}${num(residual)} ${r.fitted !== 0 && Number.isFinite(residual / r.fitted) ? `(${((residual / r.fitted) * 100).toFixed(2)}%)` : ''}${r.heldOut ? ' — held out' : ''}  `,
    );
  }
  if (!any) lines.push('_no law fits this table_');
  return lines.join('\n');
}

function rowIndexIn(law: BoundLaw, start: number): number {
  const origin = law.data.origin;
  for (let i = 0; i < origin.length; i++) {
    const o = origin[i];
    if ('range' in o && o.range.start === start) return i;
  }
  return -1;
}
