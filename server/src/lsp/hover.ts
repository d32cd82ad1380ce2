// Hover: fitted numbers read from the same StudyResults that `fit --json` prints, so they agree.
// User-written text is escaped; formulas go into code spans.
import { comparisonResult, comparisonTable, comparisonVerdict } from '../present/comparison';
import type { Hover } from 'vscode-languageserver';
import { MarkupKind } from 'vscode-languageserver';
import type { BoundLaw, ParamSpec } from '../core/model';
import type { IsoflopResult, LawResult, StudyResults } from '../core/results';
import type * as A from '../core/syntax/ast';
import type { Analysis } from '../core/study';
import { catalogue } from '../core/laws';
import {
  computeFacts,
  datasetRowLines,
  fileNote,
  holdoutFacts,
  objectiveMeaning,
  objectiveValue,
  variableFacts,
  whereLine,
  type ColumnFacts,
  heldOutFacts,
  lastByLine,
} from '../present/dataFacts';
import { exprToString } from '../core/semantics/evaluate';
import { toRange } from './diagnostics';
import { code, formatSize, formatValue, md } from '../present/numbers';
import { capLines } from '../present/lineCap';
import {
  envelopeFacts,
  groupFacts,
  lawSummary,
  frontierLine,
  objectiveKind,
  type GroupFacts,
  isoflopFacts,
  optimumFacts,
  predictionFacts,
  predictionLine,
  groupText,
} from '../present/facts';
import {
  frontierResults,
  groupedBy,
  lawResult,
  optimumResults,
  planResult,
  predictionResults,
} from '../present/resultsLookup';
import { HOVER_PLAN_RUNS, planBudgetLine, planSummary, planTable, planTarget } from '../present/plans';
import { calibrationNotes } from '../present/calibration';
import { frontierTable, inferenceShift } from '../present/questions';
import { notFittedText, stateNote, type LawFitState } from '../present/fitStates';
import { sweepIntervals, sweepLaw, sweepMethod, sweepResult, sweepTable } from '../present/sweeps';
import { extrapolationMessage, farExtrapolations, EXTRAPOLATION_FACTOR } from '../core/semantics/extrapolation';
import { occurrenceAt, statementAt, symbolIndex, type Occurrence } from './symbolIndex';

/** The fit state of a law's shown result (lsp/fitState.ts); absent: every result shown is current. */
export type LawStates = (law: string) => LawFitState | undefined;

/** "refitting…" / "stale — REASON" for a law's shown value, as Markdown ('' when it is current). */
function note(states: LawStates, law: string, lead = ' — '): string {
  const n = stateNote(states(law));
  return n ? `${lead}_${md(n)}_` : '';
}

export function hover(
  analysis: Analysis,
  results: StudyResults | undefined,
  offset: number,
  states: LawStates = () => undefined,
): Hover | null {
  const at = occurrenceAt(symbolIndex(analysis), offset);
  let text: string | undefined;
  let range: A.Range | undefined;
  if (at) {
    text = occurrenceHover(analysis, results, at, states);
    range = at.range;
  }
  if (!text) {
    const s = statementAt(analysis, offset);
    if (s?.kind === 'Predict') text = predictHover(analysis, results, s, states);
    else if (s?.kind === 'Optimize') text = optimizeHover(analysis, results, s, states);
    else if (s?.kind === 'Frontier') text = frontierHover(analysis, results, s, states);
    else if (s?.kind === 'Plan') text = planHover(analysis, results, s, states);
    else if (s?.kind === 'Sweep' || (s?.kind === 'Isoflop' && s.keyword === 'isoflop')) {
      const part = blockItemHover(analysis, results, s, offset, states);
      if (part) ({ text, range } = part);
      else if (s.kind === 'Sweep') text = sweepHover(analysis, results, s);
    } else if (s?.kind === 'Compare') text = compareHover(analysis, results, s, states);
    else if (s?.kind === 'Compute' && s.name) text = computeHover(analysis, s.name.text);
    else if (s?.kind === 'Law' || s?.kind === 'Dataset') {
      const part =
        s.kind === 'Law' ? lawClauseHover(analysis, results, s, offset, states) : datasetPartHover(analysis, s, offset);
      if (part) ({ text, range } = part);
    } else if (s?.kind === 'Runs') {
      const row = rowAt(s, offset);
      if (row) {
        text = runRowHover(analysis, results, s, row, states);
        range = row.row.range;
      }
    }
    if (text && !range) range = s?.range;
  }
  if (!text) return null;
  return {
    contents: { kind: MarkupKind.Markdown, value: capLines(text) },
    range: range && toRange(range, analysis.lines),
  };
}

/** What a hover says while the study's data is still loading (issue 15.2): it answers from the text meanwhile. */
export const LOADING_NOTE = '*loading data… the figures that need the data appear when it has loaded*';

/** A hover given while data loads: the note first, then whatever the text alone tells. */
export function loadingHover(h: Hover | null): Hover {
  if (!h) return { contents: { kind: MarkupKind.Markdown, value: LOADING_NOTE } };
  const value = typeof h.contents === 'object' && 'value' in h.contents ? h.contents.value : '';
  return { ...h, contents: { kind: MarkupKind.Markdown, value: `${LOADING_NOTE}\n\n${value}` } };
}

function occurrenceHover(
  analysis: Analysis,
  results: StudyResults | undefined,
  at: Occurrence,
  states: LawStates,
): string | undefined {
  switch (at.kind) {
    case 'law':
      return lawHover(analysis, results, at.name, states);
    case 'parameter':
      return paramHover(analysis, results, at.scope ?? '', at.name, states);
    case 'catalogue':
      return catalogueHover(at.name);
    case 'dataset':
      return datasetHover(analysis, at.name);
    case 'isoflop':
      return analysis.model.isoflops.find((i) => i.name === at.name)?.method === 'envelope'
        ? envelopeHover(analysis, results, at.name, states)
        : isoflopHover(analysis, results, at.name, states);
    case 'variable': {
      return computeHover(analysis, at.name);
    }
    default:
      return undefined;
  }
}

function notFitted(results: StudyResults | undefined, states: LawStates, law: string): string {
  return notFittedText(states(law), !!results);
}

export function lawHover(
  analysis: Analysis,
  results: StudyResults | undefined,
  name: string,
  states: LawStates,
): string | undefined {
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
  if (law?.published) {
    const p = law.published;
    lines.push('', `published fit: _${md(p.source)}_  `, `units: ${md(p.units)}  `, `verified: ${md(p.verification)}`);
    lines.push('', paramTable(law, r), '', 'not fitted: these are the published values, without intervals');
    return lines.join('\n');
  }
  lines.push('');
  if (!r) {
    lines.push(notFitted(results, states, name));
    if (law) lines.push('', paramTable(law, undefined));
    return lines.join('\n');
  }
  if (note(states, name)) lines.push(note(states, name, ''), '');
  const summary = lawSummary(r);
  const groups = groupFacts(r);
  if (groups && groups.shared.length > 0) {
    // A shared fit: the joint values once (with their intervals), then the per-group table.
    const shown = summary.params.map((p) => `${md(p.name)} = **${p.value}**${p.interval ? ` ${md(p.interval)}` : ''}`);
    lines.push(
      `shared by every group: ${shown.join(', ')}${summary.intervals ? ` (${md(summary.intervals.label)})` : ''}`,
      '',
    );
  }
  lines.push(groups ? groupTable(groups) : paramTable(law, r));
  lines.push('');
  lines.push(`objective: ${summary.objectiveKind} = ${summary.objectiveValue}  `);
  lines.push(`runs: ${summary.rows}  `);
  if (summary.weight) lines.push(`weighted: each run's term × ${code(summary.weight)}  `);
  lines.push(`hold-out error: ${summary.holdout}  `);
  lines.push(`starts: ${summary.starts}  `);
  lines.push(`${r.converged ? '' : '**'}${md(summary.convergence)}${r.converged ? '' : '**'}, ${summary.time}`);
  return lines.join('\n');
}

function boundsText(p: ParamSpec): string {
  if (p.fixed !== undefined) return `fixed = ${formatSize(p.fixed)}`;
  const f = formatSize;
  return `${p.lowerClosed ? '[' : '('}${f(p.lower)}, ${f(p.upper)}${p.upperClosed ? ']' : ')'}`;
}

function paramTable(law: BoundLaw | undefined, r: LawResult | undefined): string {
  const summary = r ? lawSummary(r) : undefined;
  const names = summary ? summary.params.map((p) => p.name) : (law?.params.map((p) => p.name) ?? []);
  const method = summary?.intervals ? ` (${summary.intervals.label})` : '';
  const rows = ['| parameter | value | interval' + method + ' | bounds |', '|---|---:|---|---|'];
  for (const n of names) {
    const spec = law?.params.find((p) => p.name === n);
    const fact = summary?.params.find((p) => p.name === n);
    rows.push(`| ${md(n)} | ${fact?.value ?? '—'} | ${fact?.interval || '—'} | ${spec ? boundsText(spec) : ''} |`);
  }
  return rows.join('\n');
}

export function paramHover(
  analysis: Analysis,
  results: StudyResults | undefined,
  lawName: string,
  name: string,
  states: LawStates,
): string {
  const law = analysis.model.laws.find((l) => l.name === lawName);
  const spec = law?.params.find((p) => p.name === name);
  const r = lawResult(results, lawName);
  const lines = [`**parameter** ${code(name)} of law ${code(lawName)}`, ''];
  const summary = r && name in r.params ? lawSummary(r) : undefined;
  const fact = summary?.params.find((p) => p.name === name);
  if (summary && fact) {
    const method = summary.intervals ? ` (${summary.intervals.label})` : '';
    const shown = fact.withheld
      ? ` ${fact.interval}: the data cannot pin it down (see the warning on the law)`
      : fact.interval
        ? ` ${fact.interval}${method}`
        : '';
    lines.push(`value: **${fact.value}**${shown}${note(states, lawName)}  `);
  } else lines.push(`value: ${notFitted(results, states, lawName)}  `);
  if (spec) {
    lines.push(`bounds: ${boundsText(spec)}  `);
    if (spec.fixed === undefined && spec.starts.length > 0) {
      lines.push(
        `starts: ${spec.starts.length} (${spec.logGrid ? 'log grid ' : ''}${formatSize(Math.min(...spec.starts))} … ${formatSize(Math.max(...spec.starts))})`,
      );
    }
  }
  return lines.join('\n');
}

function catalogueHover(name: string): string | undefined {
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
  const first = t.origin.at(0);
  const file = first && 'file' in first ? ` from ${code(first.file.split(/[\\/]/).pop() ?? '')}` : ' (inline)';
  const head = `**runs** ${code(name)}${file}: ${t.rowCount} row${t.rowCount === 1 ? '' : 's'}  \nvariables: ${[...t.numeric.keys()].map(md).join(', ')}`;
  const source = analysis.model.datasetSources?.get(name);
  if (!source) return head;
  const about = fileNote(source);
  const fileLine = `file: ${code(source.file)}${about ? ` (${md(about)})` : ''}`;
  return [head, '', ...datasetRowLines(source).map((l) => `${md(l)}  `), fileLine].join('\n');
}

/** `compute NAME = …`: its formula and its range over the data of the laws that read it. */
function computeHover(analysis: Analysis, name: string): string | undefined {
  const c = analysis.model.computes.find((x) => x.name === name);
  if (!c) return undefined;
  const head = `**compute** ${code(`${c.name} = ${exprToString(c.formula)}`)}`;
  const { users, facts } = computeFacts(analysis.model, name);
  if (users.length === 0) return [head, '', `no law reads ${code(name)}`].join('\n');
  return [head, '', `over the runs of ${users.map(code).join(', ')}:  `, columnLine(facts)].join('\n');
}

function columnLine(f: ColumnFacts): string {
  const invalid = f.invalid > 0 ? ` (${f.invalid} not a number)` : '';
  return `min ${f.min}, max ${f.max}, count ${f.count}, missing ${f.missing}${invalid}`;
}

/** A law's `holdout` or `objective` line (other clauses have their own hovers or none). */
function lawClauseHover(
  analysis: Analysis,
  results: StudyResults | undefined,
  s: A.LawDecl,
  offset: number,
  states: LawStates,
): { text: string; range: A.Range } | undefined {
  const item = s.body.find((i) => i.range.start <= offset && offset <= i.range.end);
  const law = analysis.model.laws.find((l) => l.range.start === s.range.start);
  if (!item || !law) return undefined;
  if (item.kind === 'Holdout') {
    const f = holdoutFacts(law, (o) => lineOf(analysis, o) + 1);
    const lines = [`**holdout** ${code(exprToString(item.condition))} of law ${code(law.name)}`, ''];
    lines.push(`holds out ${f.held} of ${f.total} runs from the fit  `);
    if (f.first.length > 0) {
      const more = f.held - f.first.length;
      lines.push(
        `${f.held > f.first.length ? 'first: ' : ''}${f.first.map(md).join(', ')}${more > 0 ? ` … and ${more} more` : ''}`,
      );
    }
    return { text: lines.join('\n'), range: item.range };
  }
  if (item.kind === 'Objective') {
    const r = lawResult(results, law.name);
    const value = objectiveValue(r);
    const lines = [`**objective** ${code(objectiveKind(objectiveOf(law)))} of law ${code(law.name)}`, ''];
    lines.push(`minimises ${md(objectiveMeaning(law.objective))}  `);
    lines.push(
      value ? `value: **${value}**${note(states, law.name)}` : `value: ${notFitted(results, states, law.name)}`,
    );
    return { text: lines.join('\n'), range: item.range };
  }
  if (item.kind === 'Shared')
    return { text: sharedHover(law, lawResult(results, law.name), states), range: item.range };
  return undefined;
}

/** `shared alpha, beta`: what it means, which parameters are per group, and the joint values once fitted. */
function sharedHover(law: BoundLaw, r: LawResult | undefined, states: LawStates): string {
  const shared = law.shared ?? [];
  const perGroup = law.params.filter((p) => p.fixed === undefined && !shared.includes(p.name)).map((p) => p.name);
  const lines = [`**shared** ${shared.map(code).join(', ')} of law ${code(law.name)}`, ''];
  if (!law.per) return [...lines, '`shared` needs `per COLUMN`'].join('\n');
  lines.push(
    `one joint fit over the ${law.per.groups.length} groups of ${code(law.per.column)}: the objective is the sum over the groups  `,
  );
  lines.push(`shared by every group: ${shared.map(md).join(', ') || '—'}  `);
  lines.push(`per group: ${perGroup.map(md).join(', ') || '— (every parameter is shared)'}  `);
  if (r && r.shared && r.shared.length > 0 && Object.keys(r.params).length > 0)
    lines.push(
      `fitted: ${shared.map((n) => `${md(n)} = **${formatValue(r.params[n])}**`).join(', ')}${note(states, law.name)}`,
    );
  return lines.join('\n');
}

/** The bound objective in the results' shape, so the hover names it as the law hover does. */
function objectiveOf(law: BoundLaw): LawResult['objective'] {
  const o = law.objective;
  return { kind: o.loss, delta: o.loss === 'huber' ? o.delta : null, space: o.onLog ? 'log' : 'linear', value: null };
}

/** Inside a dataset block: a column mapping's values, or what the `where` lines kept. */
function datasetPartHover(
  analysis: Analysis,
  s: A.DatasetDecl,
  offset: number,
): { text: string; range: A.Range } | undefined {
  const name = s.name?.text;
  const table = name ? analysis.model.datasets.get(name) : undefined;
  const source = name ? analysis.model.datasetSources?.get(name) : undefined;
  if (!name || !table) return undefined;
  const map = s.columns.find((m) => m.range.start <= offset && offset <= m.range.end);
  if (map) {
    const f = variableFacts(table, map.variable.text);
    const column = map.column.kind === 'Name' ? map.column.text : map.column.value;
    const head = `**${md(map.variable.text)}** ← column ${code(column)} of ${code(name)}`;
    const text = f ? [head, '', columnLine(f)].join('\n') : [head, '', 'text, not numbers'].join('\n');
    return { text, range: map.range };
  }
  const where = s.where.find((w) => lineOf(analysis, w.range.start) === lineOf(analysis, offset));
  if (where && source) {
    const all = s.where.length > 1 ? ` (all ${s.where.length} \`where\` lines together)` : '';
    return {
      text: [`**where** ${code(exprToString(where))}`, '', `${md(whereLine(source))}${all}`].join('\n'),
      range: where.range,
    };
  }
  if (s.last && source && s.last.range.start <= offset && offset <= s.last.range.end) {
    const by = s.last.by?.text ?? 'run';
    const along = `, in file order${s.last.along ? ` (${code(s.last.along.text)} checked to rise along each run)` : ''}`;
    return {
      text: [`**last by** ${code(by)}`, '', `${md(lastByLine(source))}${along}`].join('\n'),
      range: s.last.range,
    };
  }
  if (s.name && !(s.bodyRange && offset > s.bodyRange.start)) {
    const text = datasetHover(analysis, name);
    return text ? { text, range: s.range } : undefined;
  }
  return undefined;
}

function lineOf(analysis: Analysis, offset: number): number {
  return analysis.lines.position(offset).line;
}

/** Approach 1: how many compute values the envelope has, how many say something, and the frontier. */
function envelopeHover(analysis: Analysis, results: StudyResults | undefined, name: string, states: LawStates): string {
  const r = results?.envelopes?.find((i) => i.name === name);
  const lines = [`**envelope** ${code(name)} (Chinchilla approach 1)`, ''];
  if (!r) return [...lines, notFitted(results, states, name)].join('\n');
  const budgetVar = analysis.model.isoflops.find((i) => i.name === name)?.budget ?? 'C';
  const f = envelopeFacts(r, budgetVar);
  lines.push(`${f.points}  `);
  for (const line of f.frontier) lines.push(`${md(frontierLine(line, budgetVar, f.intervals))}  `);
  return lines.join('\n');
}

function isoflopHover(analysis: Analysis, results: StudyResults | undefined, name: string, states: LawStates): string {
  const r = results?.isoflops.find((i) => i.name === name);
  const lines = [`**isoflop** ${code(name)}`, ''];
  if (!r) return [...lines, notFitted(results, states, name)].join('\n');
  const iso = analysis.model.isoflops.find((i) => i.name === name);
  const budgetVar = iso?.budget ?? 'C';
  const f = isoflopFacts(r, budgetVar, iso?.target);
  lines.push(`minimum: ${md(f.method)}  `);
  if (r.groups) {
    lines.push(`${note(states, name, '')}`, '', isoflopGroupTable(r, budgetVar, iso?.target));
    return lines.join('\n');
  }
  const kept = f.budgets.filter((b) => b.kept).length;
  lines.push(`${f.budgets.length} budgets (${kept} kept for the frontier)${note(states, name)}  `);
  for (const line of f.frontier) lines.push(`${md(frontierLine(line, budgetVar, f.intervals))}  `);
  if (f.edges.length > 0)
    lines.push(`edge (excluded from the frontier): ${md(budgetVar)} = ${f.edges.map(md).join(', ')}  `);
  return lines.join('\n');
}

/** A `per` isoflop: one row per group (its value, the frontier exponents, the budgets kept and at an edge), at most 20. */
function isoflopGroupTable(r: IsoflopResult, budgetVar: string, target?: string): string {
  const groups = r.groups ?? [];
  const shown = groups.slice(0, 20);
  const rows = shown.map((g) => {
    const f = isoflopFacts(g, budgetVar, target);
    const [n, d] = f.frontier;
    const kept = f.budgets.filter((b) => b.kept).length;
    return `| ${md(String(g.value))} | ${n ? `${n.exponent}${n.interval ? ` ${n.interval}` : ''}` : '—'} | ${d ? d.exponent : '—'} | ${kept} of ${f.budgets.length} | ${f.edges.length > 0 ? f.edges.map(md).join(', ') : '—'} |`;
  });
  const [sizeVar, tokensVar] = ((): [string, string] => {
    const at = groups.flatMap((g) => g.budgets)[0]?.at;
    const keys = Object.keys(at ?? {});
    return [keys[0] ?? 'N', keys[1] ?? 'D'];
  })();
  return [
    `per ${code(r.per ?? '')}: ${groups.length} groups${groups.length > shown.length ? ` (first ${shown.length} shown)` : ''}`,
    '',
    `| ${md(r.per ?? '')} | ${md(sizeVar)}* exponent | ${md(tokensVar)}* exponent | budgets kept | edge (excluded) |`,
    '|---|---:|---:|---:|---|',
    ...rows,
  ].join('\n');
}

/** A `minimum` or `holdout` line inside an isoflop or sweep block. */
function blockItemHover(
  analysis: Analysis,
  results: StudyResults | undefined,
  s: A.IsoflopDecl | A.SweepDecl,
  offset: number,
  states: LawStates,
): { text: string; range: A.Range } | undefined {
  const items: readonly (A.IsoflopItem | A.SweepItem)[] = s.items;
  const item = items.find((i) => i.range.start <= offset && offset <= i.range.end);
  if (!item) return undefined;
  const bound =
    s.kind === 'Isoflop'
      ? analysis.model.isoflops.find((i) => i.range.start === s.range.start)
      : analysis.model.sweeps.find((i) => i.range.start === s.range.start);
  if (!bound) return undefined;
  const what = `${s.kind === 'Isoflop' ? 'isoflop' : 'sweep'} ${code(bound.name)}`;
  if (item.kind === 'Holdout') {
    const f = heldOutFacts(bound.heldOut, (o) => lineOf(analysis, o) + 1);
    const lines = [`**holdout** ${code(exprToString(item.condition))} of ${what}`, ''];
    lines.push(`holds out ${f.held} of ${f.total} runs: they are not fitted at all  `);
    if (f.first.length > 0) {
      const more = f.held - f.first.length;
      lines.push(
        `${f.held > f.first.length ? 'first: ' : ''}${f.first.map(md).join(', ')}${more > 0 ? ` … and ${more} more` : ''}`,
      );
    }
    return { text: lines.join('\n'), range: item.range };
  }
  if (item.kind === 'SweepMinimum' && s.kind === 'Isoflop' && 'budget' in bound) {
    const r = results?.isoflops.find((i) => i.name === bound.name);
    const lines = [`**minimum** of ${what}`, ''];
    if (!r) return { text: [...lines, notFitted(results, states, bound.name)].join('\n'), range: item.range };
    const f = isoflopFacts(r, bound.budget, bound.target);
    lines.push(
      `${md(f.method)}; a budget whose minimum is at an edge is excluded from the frontier${note(states, bound.name)}`,
      '',
    );
    if (r.groups) lines.push(isoflopGroupTable(r, bound.budget, bound.target));
    else {
      for (const line of f.frontier) lines.push(`${md(frontierLine(line, bound.budget, f.intervals))}  `);
      lines.push(
        '',
        `| ${md(bound.budget)} | runs | minimum | ${md(bound.target)} | frontier |`,
        '|---:|---:|---|---:|---|',
      );
      for (const b of f.budgets)
        lines.push(
          `| ${b.budget} | ${b.runs} | ${md(b.at)} | ${b.value} | ${b.kept ? 'kept' : '**edge (excluded)**'} |`,
        );
    }
    return { text: lines.join('\n'), range: item.range };
  }
  return undefined;
}

/** A sweep's law with its intervals and its groups' minima (computed with every version: never pending). */
function sweepHover(analysis: Analysis, results: StudyResults | undefined, s: A.SweepDecl): string | undefined {
  const b = analysis.model.sweeps.find((x) => x.range.start === s.range.start);
  if (!b) return undefined;
  const lines = [`**sweep** ${code(b.name)}: best ${md(b.over)} per ${md(b.per)}`, ''];
  const r = sweepResult(results, b.name);
  if (!r) return [...lines, notFitted(results, () => undefined, b.name)].join('\n');
  const law = sweepLaw(r);
  lines.push(law ? `${md(law)}  ` : 'no power law — see the diagnostic on this sweep  ');
  const iv = sweepIntervals(r);
  if (iv) lines.push(`${md(iv)}  `);
  lines.push(`minimum: ${md(sweepMethod(r))}`, '');
  const { header, rows } = sweepTable(r);
  lines.push(`| ${header.map(md).join(' | ')} |`, `|${header.map(() => ' --- ').join('|')}|`);
  for (const row of rows) lines.push(`| ${row.map(md).join(' | ')} |`);
  return lines.join('\n');
}

function predictHover(
  analysis: Analysis,
  results: StudyResults | undefined,
  s: A.PredictStmt,
  states: LawStates,
): string | undefined {
  const p = analysis.model.predictions.find((x) => x.range.start === s.range.start);
  if (!p) return unboundPredictHover(analysis, results, s, states);
  const law = analysis.model.laws.find((l) => l.name === p.law);
  const lines = [
    `**predict** ${code(p.law)} at ${md(
      Object.entries(p.at)
        .map(([k, v]) => `${k} = ${formatSize(v)}`)
        .join(', '),
    )}`,
    '',
  ];
  const answers = predictionResults(analysis, results, p);
  const target = md(law?.target ?? 'value');
  // One line per group on a `per` law.
  for (const r of answers) {
    const f = predictionFacts(r, lawResult(results, p.law));
    const group = f.group ? `${md(f.group)}: ` : '';
    if (f.failed) lines.push(`${group}${target}: no value — the prediction failed (see the diagnostic on this line)  `);
    else
      lines.push(
        `${group}${target} = **${f.value}**${predictionLine(f).slice(f.value.length)}${note(states, p.law)}  `,
      );
    for (const c of calibrationNotes(law?.catalogue, f.intervalMethod?.method)) lines.push(`${md(c)}  `);
  }
  if (answers.length === 0) lines.push(`${notFitted(results, states, p.law)}  `);
  if (law) {
    const far = farExtrapolations(law, p.at, analysis.model.computes);
    if (far.length === 0) lines.push(`within ${EXTRAPOLATION_FACTOR}× of the fitted runs`);
    else lines.push(far.map((e) => `⚠ ${md(extrapolationMessage('extrapolates', e))}`).join('  \n'));
  }
  return lines.join('\n');
}

/**
 * A predict line whose law no longer binds (its data broke): the answer of the last good fit, by
 * position among the law's predict lines, marked with the law's state ("stale — REASON").
 */
function unboundPredictHover(
  analysis: Analysis,
  results: StudyResults | undefined,
  s: A.PredictStmt,
  states: LawStates,
): string | undefined {
  const name = s.law?.text;
  if (!name || !note(states, name)) return undefined;
  const same = analysis.parsed.file.statements.filter((x) => x.kind === 'Predict' && x.law?.text === name);
  const r = results?.predictions.filter((x) => x.law === name)[same.indexOf(s)];
  if (!r) return undefined;
  const decl = analysis.parsed.file.statements.find((x) => x.kind === 'Law' && x.name?.text === name);
  const target = md((decl?.kind === 'Law' && decl.target?.text) || 'L');
  const f = predictionFacts(r, lawResult(results, name));
  const value = `${target} = **${f.value}**${predictionLine(f).slice(f.value.length)}`;
  return [`**predict** ${code(name)} at ${md(f.at)}`, '', `${value}${note(states, name)}  `].join('\n');
}

function optimizeHover(
  analysis: Analysis,
  results: StudyResults | undefined,
  s: A.OptimizeStmt,
  states: LawStates,
): string | undefined {
  const o = analysis.model.optima.find((x) => x.range.start === s.range.start);
  if (!o) return undefined;
  const law = analysis.model.laws.find((l) => l.name === o.law);
  const per = groupedBy(results, o.law);
  const answers = optimumResults(analysis, results, o);
  const budget = md(
    Object.entries(o.budget)
      .map(([k, v]) => `${k} = ${formatSize(v)}`)
      .join(', '),
  );
  const lines = [`**optimize** ${code(o.law)} for ${budget}`];
  if (answers.length === 0) return [...lines, '', notFitted(results, states, o.law)].join('\n');
  if (note(states, o.law)) lines.push('', note(states, o.law, ''));
  // One paragraph per group on a `per` law.
  for (const r of answers) {
    const f = optimumFacts(r, analysis.model.computes, law?.target ?? 'L', per);
    lines.push('');
    if (f.group) lines.push(`_${md(f.group)}_  `);
    if (f.failed) {
      lines.push('no optimum — it could not be computed (see the diagnostic on this line)');
      continue;
    }
    for (const a of f.at) lines.push(`${md(a.name)}* = **${a.value}** ${a.interval}  `);
    if (f.ratio) lines.push(`${md(f.ratio.label)} = ${f.ratio.value}  `);
    lines.push(`${md(f.target)}* = **${f.value}** ${f.valueInterval}`);
    if (r.total_compute !== undefined) lines.push('', `training + inference compute: ${formatValue(r.total_compute)}`);
    const shift = inferenceShift(r);
    if (shift) lines.push('', md(shift));
  }
  return lines.join('\n');
}

function frontierHover(
  analysis: Analysis,
  results: StudyResults | undefined,
  s: A.FrontierStmt,
  states: LawStates,
): string | undefined {
  const f = analysis.model.frontiers.find((x) => x.range.start === s.range.start);
  if (!f) return undefined;
  const head = `**frontier** ${code(f.law)} over ${md(f.variable)} = ${md(formatSize(f.from))} … ${md(formatSize(f.to))}, ${f.points} log-spaced budgets`;
  const answers = frontierResults(analysis, results, f);
  if (answers.length === 0) return [head, '', notFitted(results, states, f.law)].join('\n');
  const state = note(states, f.law, '');
  const target = analysis.model.laws.find((l) => l.name === f.law)?.target ?? 'L';
  const per = groupedBy(results, f.law);
  const lines = [head, ...(state ? ['', state] : [])];
  // One table per group of a `per` isoflop, headed by its group.
  for (const r of answers) {
    lines.push('');
    if (r.group !== undefined) lines.push(`_${md(groupText(per, r.group))}_`, '');
    if (r.points.length === 0) {
      lines.push('no frontier — see the diagnostic on this line');
      continue;
    }
    const { header, rows } = frontierTable(r, target, analysis.model.computes);
    const row = (cells: string[]) => `| ${cells.map(md).join(' | ')} |`;
    lines.push(row(header), `|${header.map(() => '---:|').join('')}`, ...rows.map(row));
  }
  // The same warnings as the frontier's scaling.extrapolation diagnostics (validate.ts).
  const law = analysis.model.laws.find((l) => l.name === f.law);
  const far = law
    ? [...new Set([f.from, f.to])].flatMap((b) => farExtrapolations(law, { [f.variable]: b }, analysis.model.computes))
    : [];
  if (far.length > 0) lines.push('', ...far.map((e) => `⚠ ${md(extrapolationMessage('extrapolates', e))}  `));
  return lines.join('\n');
}

function planHover(
  analysis: Analysis,
  results: StudyResults | undefined,
  s: A.PlanStmt,
  states: LawStates,
): string | undefined {
  const p = analysis.model.plans?.find((x) => x.range.start === s.range.start);
  if (!p) return undefined;
  const head = `**plan** ${code(p.law)}: runs within ${md(formatSize(p.budget))} ${md(p.cost)} that best narrow an interval`;
  const r = planResult(results, p);
  if (!r) return [head, '', notFitted(results, states, p.law)].join('\n');
  const target = analysis.model.laws.find((l) => l.name === p.law)?.target ?? 'L';
  const lines = [head, '', `${md(planTarget(r, target))}  `, `${md(planBudgetLine(r))}  `];
  const state = note(states, p.law, '');
  if (state) lines.push(`${state}  `);
  const summary = planSummary(r);
  if (!summary) return [...lines, 'no runs proposed — see the diagnostic on this line'].join('\n');
  lines.push(`**${md(summary)}**`, '');
  const { header, rows } = planTable(r, HOVER_PLAN_RUNS);
  const row = (cells: string[]) => `| ${cells.map(md).join(' | ')} |`;
  lines.push(row(header), `|${header.map(() => '---:|').join('')}`, ...rows.map(row));
  if (r.runs.length > rows.length)
    lines.push('', `… and ${r.runs.length - rows.length} more runs (the report lists them all)`);
  return lines.join('\n');
}

function compareHover(
  analysis: Analysis,
  results: StudyResults | undefined,
  s: A.CompareStmt,
  states: LawStates,
): string | undefined {
  const c = analysis.model.comparisons?.find((x) => x.range.start === s.range.start);
  if (!c) return undefined;
  const head = `**compare** ${c.laws.map(code).join(', ')}${c.name ? ` (${md(c.name)})` : ''}`;
  const r = comparisonResult(results, c);
  if (!r) return [head, '', notFitted(results, states, c.laws[0])].join('\n');
  const { header, rows, numeric } = comparisonTable(r);
  const row = (cells: string[]) => `| ${cells.map(md).join(' | ')} |`;
  return [
    head,
    '',
    row(header),
    `|${numeric.map((n) => (n ? '---:|' : ':---|')).join('')}`,
    ...rows.map(row),
    '',
    md(comparisonVerdict(r)),
    '',
    'AIC and BIC are of the observed target, from the likelihood the objective implies (squares: Gaussian; huber: the Huber density with a fitted scale); k + 1 parameters with the noise scale.',
  ].join('\n');
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
  states: LawStates,
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
      lines.push(`${code(law.name)}: ${notFitted(results, states, law.name)}  `);
      continue;
    }
    const residual = r.observed - r.fitted;
    lines.push(
      `${code(law.name)}: observed ${formatValue(r.observed)}, fitted ${formatValue(r.fitted)}, residual ${residual >= 0 ? '+' : ''}${formatValue(residual)} ${r.fitted !== 0 && Number.isFinite(residual / r.fitted) ? `(${((residual / r.fitted) * 100).toFixed(2)}%)` : ''}${r.heldOut ? ' — held out' : ''}  `,
    );
  }
  if (!any) lines.push('_no law fits this table_');
  return lines.join('\n');
}

function rowIndexIn(law: BoundLaw, start: number): number {
  const origin = law.data.origin;
  for (let i = 0; i < origin.length; i++) {
    const o = origin.at(i)!;
    if ('range' in o && o.range.start === start) return i;
  }
  return -1;
}

/** A `per` law: one row per group (its value, parameters, objective, runs), at most 20 shown. */
function groupTable(f: GroupFacts): string {
  const shown = f.groups.slice(0, 20);
  const rows = shown.map(
    (g) =>
      `| ${md(g.value)} | ${f.params.map((n) => g.params[n] ?? '—').join(' | ')} | ${g.objectiveValue} | ${g.fitted} |`,
  );
  return [
    `per ${code(f.per)}: ${f.groups.length} groups${f.groups.length > shown.length ? ` (first ${shown.length} shown)` : ''}`,
    '',
    `| ${md(f.per)} | ${f.params.map(md).join(' | ')} | objective | runs |`,
    `|---|${f.params.map(() => '---:|').join('')}---:|---:|`,
    ...rows,
  ].join('\n');
}
