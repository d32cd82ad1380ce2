// Inlay hints after each `predict` (`= 1.94 [1.92, 1.97]`) and `optimize` (`N* = …, D* = …, L* = …`).
// A value from a result that is not current keeps its hint, marked (`… · refitting…`, `… · stale`).
import { comparisonResult, comparisonVerdict } from '../present/comparison';
import type { InlayHint } from 'vscode-languageserver';
import { InlayHintKind } from 'vscode-languageserver';
import type { IsoflopResult, StudyResults } from '../core/results';
import type { Analysis } from '../core/study';
import { groupFacts, groupText, optimumFacts, predictionFacts, sharedLine } from '../present/facts';
import { frontierEnds, inferenceShift } from '../present/questions';
import { formatInterval, formatValue } from '../present/numbers';
import { sweepLaw, sweepResult } from '../present/sweeps';
import {
  frontierResults,
  groupedBy,
  lawResult,
  optimumResults,
  planResult,
  predictionResults,
} from '../present/resultsLookup';
import { planSummary } from '../present/plans';
import { hintMark, stateNote, type LawFitState } from '../present/fitStates';

export function inlayHints(
  analysis: Analysis,
  results: StudyResults | undefined,
  range?: { start: number; end: number },
  states: (law: string) => LawFitState | undefined = () => undefined,
): InlayHint[] {
  if (!results) return [];
  const hints: InlayHint[] = [];
  const inRange = (r: { start: number; end: number }) => !range || (r.end >= range.start && r.start <= range.end);
  for (const p of analysis.model.predictions) {
    if (!inRange(p.range)) continue;
    // One answer, or one per group of a `per` law (each labelled with its group).
    const parts: string[] = [];
    for (const r of predictionResults(analysis, results, p)) {
      const f = predictionFacts(r, lawResult(results, p.law));
      // No value for a failed prediction: its diagnostic on this line says why.
      if (f.failed) continue;
      parts.push(`${f.group ? `${f.group}: ` : '= '}${f.value}${f.interval ? ` ${f.interval}` : ''}`);
    }
    if (parts.length === 0) continue;
    hints.push({
      position: lineEnd(analysis, p.range.end),
      label: `${groupsLabel(parts)}${hintMark(states(p.law))}`,
      kind: InlayHintKind.Type,
      paddingLeft: true,
      ...tooltip(states(p.law)),
    });
  }
  for (const o of analysis.model.optima) {
    if (!inRange(o.range)) continue;
    const target = analysis.model.laws.find((l) => l.name === o.law)?.target ?? 'L';
    const answers: string[] = [];
    const per = groupedBy(results, o.law);
    for (const r of optimumResults(analysis, results, o)) {
      const f = optimumFacts(r, analysis.model.computes, target, per);
      if (f.failed) continue;
      const parts = f.at.map((a) => `${a.name}* = ${a.value}`);
      if (f.ratio) parts.push(`${f.ratio.label} = ${f.ratio.value}`);
      parts.push(`${target}* = ${f.value}`);
      const shift = inferenceShift(r);
      if (shift) parts.push(shift);
      answers.push(`${f.group ? `${f.group}: ` : '→ '}${parts.join(', ')}`);
    }
    if (answers.length === 0) continue;
    hints.push({
      position: lineEnd(analysis, o.range.end),
      label: `${groupsLabel(answers)}${hintMark(states(o.law))}`,
      kind: InlayHintKind.Type,
      paddingLeft: true,
      ...tooltip(states(o.law)),
    });
  }
  for (const f of analysis.model.frontiers) {
    if (!inRange(f.range)) continue;
    const target = analysis.model.laws.find((l) => l.name === f.law)?.target ?? 'L';
    // One part per group of a `per` isoflop, labelled with its group.
    const per = groupedBy(results, f.law);
    const parts = frontierResults(analysis, results, f).flatMap((r) => {
      const ends = frontierEnds(r, target);
      return ends ? [`${r.group !== undefined ? `${groupText(per, r.group)}: ` : '→ '}${ends}`] : [];
    });
    if (parts.length === 0) continue;
    hints.push({
      position: lineEnd(analysis, f.range.end),
      label: `${groupsLabel(parts)}${hintMark(states(f.law))}`,
      kind: InlayHintKind.Type,
      paddingLeft: true,
      ...tooltip(states(f.law)),
    });
  }
  for (const p of analysis.model.plans ?? []) {
    if (!inRange(p.range)) continue;
    const r = planResult(results, p);
    const summary = r && planSummary(r);
    if (!summary) continue;
    hints.push({
      position: lineEnd(analysis, p.range.end),
      label: `→ ${summary}${hintMark(states(p.law))}`,
      kind: InlayHintKind.Type,
      paddingLeft: true,
      ...tooltip(states(p.law)),
    });
  }
  // After an isoflop's `minimum` line: the frontier exponent it gives and the budgets it kept.
  for (const s of analysis.parsed.file.statements) {
    if (s.kind !== 'Isoflop' || !s.name) continue;
    const item = s.items.filter((i) => i.kind === 'SweepMinimum').pop();
    const r = results.isoflops.find((i) => i.name === s.name!.text);
    if (!item || !r || !inRange(item.range)) continue;
    const label = minimumHint(r);
    if (label)
      hints.push({
        position: lineEnd(analysis, item.range.end),
        label: `${label}${hintMark(states(r.name))}`,
        kind: InlayHintKind.Type,
        paddingLeft: true,
        ...tooltip(states(r.name)),
      });
  }
  // `shared alpha, beta`: the joint values at the end of the line.
  for (const s of analysis.parsed.file.statements) {
    if (s.kind !== 'Law' || !s.name || !inRange(s.range)) continue;
    const clause = s.body.find((b) => b.kind === 'Shared');
    const r = lawResult(results, s.name.text);
    const g = r && groupFacts(r);
    if (!clause || !g || g.shared.length === 0) continue;
    hints.push({
      position: lineEnd(analysis, clause.range.end),
      label: `→ ${sharedLine(g)}${hintMark(states(s.name.text))}`,
      kind: InlayHintKind.Type,
      paddingLeft: true,
      ...tooltip(states(s.name.text)),
    });
  }
  for (const s of analysis.parsed.file.statements) {
    if (s.kind !== 'Sweep' || !s.name || !inRange(s.range)) continue;
    const r = sweepResult(results, s.name.text);
    const law = r && sweepLaw(r);
    if (!r || !law) continue;
    const iv = r.intervals?.exponent;
    hints.push({
      position: lineEnd(analysis, s.name.range.end),
      label: `→ ${law}${iv ? `, exponent ${formatInterval(iv)}` : ''}`,
      kind: InlayHintKind.Type,
      paddingLeft: true,
    });
  }
  for (const c of analysis.model.comparisons ?? []) {
    if (!inRange(c.range)) continue;
    const r = comparisonResult(results, c);
    if (!r) continue;
    hints.push({
      position: lineEnd(analysis, c.range.end),
      label: `→ ${comparisonVerdict(r)}`,
      kind: InlayHintKind.Type,
      paddingLeft: true,
    });
  }
  return hints;
}

/** A `per` law's answers, three at most on the line (the hover lists every group). */
const MAX_GROUPS_INLINE = 3;
function groupsLabel(parts: string[]): string {
  if (parts.length <= MAX_GROUPS_INLINE) return parts.join('; ');
  return `${parts.slice(0, MAX_GROUPS_INLINE).join('; ')}; … ${parts.length - MAX_GROUPS_INLINE} more groups (hover)`;
}

function tooltip(s: LawFitState | undefined): { tooltip?: string } {
  const n = stateNote(s);
  return n ? { tooltip: n } : {};
}

/** The end of the statement's code (before a trailing comment is fine: the statement range ends at its code). */
function lineEnd(analysis: Analysis, offset: number) {
  return analysis.lines.position(offset);
}

/** "→ N* ∝ C^0.4987, 11 of 12 budgets kept"; a `per` isoflop: "→ 15 groups, N* exponents 0.497 … 0.871". */
function minimumHint(r: IsoflopResult): string | undefined {
  const [sizeVar = 'N'] = Object.keys((r.groups?.[0] ?? r).budgets[0]?.at ?? {});
  if (r.groups) {
    const e = r.groups.map((g) => g.frontier?.N.exponent).filter((x): x is number => x !== undefined);
    if (e.length === 0) return undefined;
    return `→ ${r.groups.length} groups, ${sizeVar}* exponents ${formatValue(Math.min(...e))} … ${formatValue(Math.max(...e))}`;
  }
  if (!r.frontier) return undefined;
  const kept = r.budgets.filter((b) => !b.edge).length;
  return `→ ${sizeVar}* exponent ${formatValue(r.frontier.N.exponent)}, ${kept} of ${r.budgets.length} budgets kept`;
}
