// Inlay hints after each `predict` (`= 1.94 [1.92, 1.97]`) and `optimize` (`N* = …, D* = …, L* = …`).
import { comparisonResult, comparisonVerdict } from '../present/comparison';
import type { InlayHint } from 'vscode-languageserver';
import { InlayHintKind } from 'vscode-languageserver';
import type { StudyResults } from '../core/results';
import type { Analysis } from '../core/study';
import { optimumFacts, predictionFacts } from '../present/facts';
import { frontierEnds, inferenceShift } from '../present/questions';
import { frontierResult, lawResult, optimumResult, predictionResult } from '../present/resultsLookup';

export function inlayHints(
  analysis: Analysis,
  results: StudyResults | undefined,
  range?: { start: number; end: number },
): InlayHint[] {
  if (!results) return [];
  const hints: InlayHint[] = [];
  const inRange = (r: { start: number; end: number }) => !range || (r.end >= range.start && r.start <= range.end);
  for (const p of analysis.model.predictions) {
    if (!inRange(p.range)) continue;
    const r = predictionResult(analysis, results, p);
    const f = r && predictionFacts(r, lawResult(results, p.law));
    // No hint for a failed prediction: its diagnostic on this line says why.
    if (!f || f.failed) continue;
    hints.push({
      position: lineEnd(analysis, p.range.end),
      label: `= ${f.value}${f.interval ? ` ${f.interval}` : ''}`,
      kind: InlayHintKind.Type,
      paddingLeft: true,
    });
  }
  for (const o of analysis.model.optima) {
    if (!inRange(o.range)) continue;
    const r = optimumResult(analysis, results, o);
    const target = analysis.model.laws.find((l) => l.name === o.law)?.target ?? 'L';
    const f = r && optimumFacts(r, analysis.model.computes, target);
    if (!r || !f || f.failed) continue;
    const parts = f.at.map((a) => `${a.name}* = ${a.value}`);
    if (f.ratio) parts.push(`${f.ratio.label} = ${f.ratio.value}`);
    parts.push(`${target}* = ${f.value}`);
    const shift = inferenceShift(r);
    if (shift) parts.push(shift);
    hints.push({
      position: lineEnd(analysis, o.range.end),
      label: `→ ${parts.join(', ')}`,
      kind: InlayHintKind.Type,
      paddingLeft: true,
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
      label: `→ ${ends}`,
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

/** The end of the statement's code (before a trailing comment is fine: the statement range ends at its code). */
function lineEnd(analysis: Analysis, offset: number) {
  return analysis.lines.position(offset);
}
