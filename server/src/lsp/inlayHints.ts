// Inlay hints after each `predict` (`= 1.94 [1.92, 1.97]`) and `optimize` (`N* = …, D* = …, L* = …`).
// A value from a result that is not current keeps its hint, marked (`… · refitting…`, `… · stale`).
import { comparisonResult, comparisonVerdict } from '../present/comparison';
import type { InlayHint } from 'vscode-languageserver';
import { InlayHintKind } from 'vscode-languageserver';
import type { StudyResults } from '../core/results';
import type { Analysis } from '../core/study';
import { groupFacts, optimumFacts, predictionFacts, sharedLine } from '../present/facts';
import { frontierEnds, inferenceShift } from '../present/questions';
import { formatInterval } from '../present/numbers';
import { sweepLaw, sweepResult } from '../present/sweeps';
import { frontierResult, lawResult, optimumResults, predictionResults } from '../present/resultsLookup';
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
    const per = lawResult(results, o.law)?.per;
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
    const r = frontierResult(analysis, results, f);
    const target = analysis.model.laws.find((l) => l.name === f.law)?.target ?? 'L';
    const ends = r && frontierEnds(r, target);
    if (!ends) continue;
    hints.push({
      position: lineEnd(analysis, f.range.end),
      label: `→ ${ends}${hintMark(states(f.law))}`,
      kind: InlayHintKind.Type,
      paddingLeft: true,
      ...tooltip(states(f.law)),
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
