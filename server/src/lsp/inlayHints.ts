// Inlay hints after each `predict` (`= 1.94 [1.92, 1.97]`) and `optimize` (`N* = …, D* = …, L* = …`).
import type { InlayHint } from 'vscode-languageserver';
import { InlayHintKind } from 'vscode-languageserver';
import type { StudyResults } from '../core/results';
import type { Analysis } from '../core/study';
import { interval, num } from '../present/numbers';
import { frontierEnds, inferenceShift } from '../present/questions';
import { frontierResult, optimumResult, predictionResult } from '../present/resultsLookup';

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
    // No hint for a failed prediction: its diagnostic on this line says why.
    if (!r || !isFiniteNumber(r.value)) continue;
    hints.push({
      position: lineEnd(analysis, p.range.end),
      label: `= ${num(r.value)}${r.interval ? ` ${interval(r.interval)}` : ''}`,
      kind: InlayHintKind.Type,
      paddingLeft: true,
    });
  }
  for (const o of analysis.model.optima) {
    if (!inRange(o.range)) continue;
    const r = optimumResult(analysis, results, o);
    if (!r || !isFiniteNumber(r.value) || !Object.values(r.at).every(isFiniteNumber)) continue;
    const target = analysis.model.laws.find((l) => l.name === o.law)?.target ?? 'L';
    const parts = Object.entries(r.at).map(([k, v]) => `${k}* = ${num(v)}`);
    if (r.at.N && r.at.D) parts.push(`D*/N* = ${(r.at.D / r.at.N).toFixed(1)}`);
    parts.push(`${target}* = ${num(r.value)}`);
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
  return hints;
}

function isFiniteNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

/** The end of the statement's code (before a trailing comment is fine: the statement range ends at its code). */
function lineEnd(analysis: Analysis, offset: number) {
  return analysis.lines.position(offset);
}
