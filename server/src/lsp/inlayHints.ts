// Inlay hints after each `predict` (`= 1.94 [1.92, 1.97]`) and `optimize` (`N* = …, D* = …, L* = …`).
// A value from a result that is not current keeps its hint, marked (`… · refitting…`, `… · stale`).
import type { InlayHint } from 'vscode-languageserver';
import { InlayHintKind } from 'vscode-languageserver';
import type { StudyResults } from '../core/results';
import type { Analysis } from '../core/study';
import { interval, num } from '../present/numbers';
import { optimumResult, predictionResult } from '../present/resultsLookup';
import { stateNote, type LawFitState } from './fitState';

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
    const r = predictionResult(analysis, results, p);
    // No hint for a failed prediction: its diagnostic on this line says why.
    if (!r || !isFiniteNumber(r.value)) continue;
    hints.push({
      position: lineEnd(analysis, p.range.end),
      label: `= ${num(r.value)}${r.interval ? ` ${interval(r.interval)}` : ''}${mark(states(p.law))}`,
      kind: InlayHintKind.Type,
      paddingLeft: true,
      ...tooltip(states(p.law)),
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
    hints.push({
      position: lineEnd(analysis, o.range.end),
      label: `→ ${parts.join(', ')}${mark(states(o.law))}`,
      kind: InlayHintKind.Type,
      paddingLeft: true,
      ...tooltip(states(o.law)),
    });
  }
  return hints;
}

/** A short mark after a value that is not current (the tooltip has the whole note). */
function mark(s: LawFitState | undefined): string {
  if (!s || s.state === 'fitted' || s.state === 'fitting') return '';
  return ` · ${s.state === 'refitting' ? 'refitting…' : s.state}`;
}

function tooltip(s: LawFitState | undefined): { tooltip?: string } {
  const n = stateNote(s);
  return n ? { tooltip: n } : {};
}

function isFiniteNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

/** The end of the statement's code (before a trailing comment is fine: the statement range ends at its code). */
function lineEnd(analysis: Analysis, offset: number) {
  return analysis.lines.position(offset);
}
