// "Refit what changed": each law (and isoflop) gets a key built from everything its fit depends
// on — its source text, its data (hashed), the compute lines. A new document version keeps the
// results of every law whose key is unchanged (their numbers are valid for the new text too) and
// refits only the rest. The predict/optimize/frontier lines are not in the key: a new question to a kept
// law is answered from its cached result (cachedAnswers.ts), without a refit. Fit diagnostics of
// kept laws move with their law's text.
import { createHash } from 'node:crypto';
import type { Diagnostic } from '../core/diagnostics';
import type { BoundCompare, BoundIsoflop, BoundLaw, DataTable } from '../core/model';
import type { EnvelopeResult, IsoflopResult, StudyResults } from '../core/results';
import { comparisonResult } from '../present/comparison';
import type { Analysis } from '../core/study';
import { toJsonDiagnostic } from '../core/study';
import { exprToString } from '../core/semantics/evaluate';
import { fitSweep } from '../core/fit/sweep';
import {
  frontierResult,
  lawResult,
  optimumResult,
  planQuestion,
  planResult,
  predictionResult,
} from '../present/resultsLookup';
import { cachedFrontier, cachedOptimum, cachedPlan, cachedPrediction } from './cachedAnswers';

export interface FitKeys {
  laws: Map<string, string>;
  isoflops: Map<string, string>;
}

/** A fit result valid for one document version (some laws may still be missing while a fit runs). */
export interface FitRecord {
  version: number;
  analysis: Analysis;
  keys: FitKeys;
  results: StudyResults;
  /** Diagnostics the fit produced (engine errors on their law), in this version's offsets. */
  fitDiagnostics: Diagnostic[];
  /** Laws and isoflops with no result yet for this version. */
  missing: { laws: string[]; isoflops: string[] };
  /** Fitted with these inputs but the engine gave no result (its diagnostics say why): not retried until they change. */
  failed: { laws: string[]; isoflops: string[] };
  /**
   * The last results of laws and isoflops that have none for this version (their inputs changed or
   * broke): still shown by the editor, marked refitting or stale (fitState.ts), never as current.
   */
  carried: StudyResults;
}

// Keys hash the data with SHA-256 (node:crypto): a 32-bit hash of 100,000-row columns would let
// two different data sets share a key (and a stale fit) once in a few billion edits; SHA-256 is
// also faster than a JavaScript loop over the column's bytes.
function hashTable(table: DataTable, columns: string[], extra?: Uint8Array): string {
  const h = createHash('sha256');
  for (const c of columns) {
    const values = table.numeric.get(c);
    // A marker per column, so a missing column and an empty one hash differently.
    h.update(values ? `[${c}:${values.length}]` : `[${c}:none]`);
    if (values) h.update(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
  }
  if (extra) h.update(extra);
  return `${table.rowCount}:${h.digest('hex')}`;
}

export function fitKeys(analysis: Analysis): FitKeys {
  const m = analysis.model;
  const computes = m.computes.map((c) => `${c.name}=${exprToString(c.formula)}`).join(';');
  const laws = new Map<string, string>();
  for (const law of m.laws) laws.set(law.name, lawKey(analysis, law, computes));
  comparisonKeys(m.comparisons ?? [], laws);
  const isoflops = new Map<string, string>();
  for (const iso of m.isoflops) isoflops.set(iso.name, isoflopKey(analysis, iso, computes));
  return { laws, isoflops };
}

function lawKey(analysis: Analysis, law: BoundLaw, computes: string): string {
  const m = analysis.model;
  const source = analysis.text.slice(law.range.start, law.range.end);
  const columns = [...new Set([...law.variables, law.target, ...m.computes.map((c) => c.name)])].sort();
  const byColumn = law.uncertainty.method === 'bootstrap' ? law.uncertainty.by : undefined;
  // The `by` column decides the bootstrap's groups: a text column (files) or a numeric one (inline runs).
  const byValues = byColumn ? (law.data.text.get(byColumn) ?? Array.from(law.data.numeric.get(byColumn) ?? [])) : [];
  const by = byColumn ? JSON.stringify(byValues) : '';
  return [
    source,
    law.formulaText,
    JSON.stringify(law.params.map((p) => ({ ...p, range: undefined }))),
    JSON.stringify(law.objective),
    JSON.stringify(law.uncertainty),
    computes,
    hashTable(law.data, columns, law.heldOut),
    by.length > 10000 ? hashString(by) : by,
  ].join('\u0000');
}

/**
 * A comparison needs all its laws fitted in one job (its CV refits each of them): every member's
 * key takes the comparison and all members' keys, so a change to one refits them together.
 */
function comparisonKeys(comparisons: readonly BoundCompare[], laws: Map<string, string>): void {
  const base = new Map(laws);
  for (const c of comparisons) {
    const group = hashString(JSON.stringify([c.name, c.laws, c.cv, c.laws.map((n) => base.get(n))]));
    for (const n of c.laws) if (laws.has(n)) laws.set(n, `${laws.get(n)}\u0000compare:${group}`);
  }
}

function isoflopKey(analysis: Analysis, iso: BoundIsoflop, computes: string): string {
  const source = analysis.text.slice(iso.range.start, iso.range.end);
  return [
    source,
    JSON.stringify({ ...iso, data: undefined, range: undefined }),
    // Its approach-2 questions: a changed `optimize`/`frontier` line refits it (cheap).
    JSON.stringify([
      analysis.model.optima.filter((o) => o.law === iso.name).map((o) => o.budget),
      analysis.model.frontiers.filter((f) => f.law === iso.name).map((f) => [f.from, f.to, f.points]),
    ]),
    computes,
    hashTable(iso.data, [iso.budget, iso.size, iso.tokens, iso.target]),
    // An envelope's curves are told apart by the run column: renaming runs regroups them.
    iso.run
      ? hashString(JSON.stringify(iso.data.text.get(iso.run) ?? Array.from(iso.data.numeric.get(iso.run) ?? [])))
      : '',
  ].join('\u0000');
}

function hashString(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

/** What a fit of `analysis` must compute, given the record of an earlier version. */
export function planFit(previous: FitRecord | undefined, keys: FitKeys): { laws: string[]; isoflops: string[] } {
  const laws = [...keys.laws.entries()]
    .filter(([n, k]) => !previous || isMissing(previous, 'laws', n) || previous.keys.laws.get(n) !== k)
    .map(([n]) => n);
  const isoflops = [...keys.isoflops.entries()]
    .filter(([n, k]) => !previous || isMissing(previous, 'isoflops', n) || previous.keys.isoflops.get(n) !== k)
    .map(([n]) => n);
  return { laws, isoflops };
}

function isMissing(r: FitRecord, what: 'laws' | 'isoflops', name: string): boolean {
  return r.missing[what].includes(name);
}

/**
 * The record for a new version: results of unchanged laws carried over, fresh results (of the laws
 * in `fitted`) filled in, everything else missing.
 */
export function combine(
  analysis: Analysis,
  version: number,
  keys: FitKeys,
  previous: FitRecord | undefined,
  fresh?: { results: StudyResults; fitDiagnostics: Diagnostic[]; laws: string[]; isoflops: string[] },
): FitRecord {
  const m = analysis.model;
  const keptLaws = new Set(
    previous
      ? [...keys.laws]
          .filter(([n, k]) => previous.keys.laws.get(n) === k && !isMissing(previous, 'laws', n))
          .map(([n]) => n)
      : [],
  );
  const keptIsoflops = new Set(
    previous
      ? [...keys.isoflops]
          .filter(([n, k]) => previous.keys.isoflops.get(n) === k && !isMissing(previous, 'isoflops', n))
          .map(([n]) => n)
      : [],
  );
  const freshLaws = new Set(fresh?.laws ?? []);
  const freshIsoflops = new Set(fresh?.isoflops ?? []);
  const failed: FitRecord['failed'] = { laws: [], isoflops: [] };
  // A question's results come with its law's fit, or its isoflop's (approach-2 answers).
  const isFresh = (name: string) => freshLaws.has(name) || freshIsoflops.has(name);
  const isKept = (name: string) => keptLaws.has(name) || keptIsoflops.has(name);
  const source = (law: string) => (isFresh(law) ? fresh!.results : isKept(law) ? previous!.results : undefined);
  const sourceAnalysis = (law: string) => (isFresh(law) ? analysis : previous!.analysis);

  const results: StudyResults = {
    study: m.title ?? null,
    laws: [],
    isoflops: [],
    envelopes: [],
    predictions: [],
    optima: [],
    frontiers: [],
    plans: [],
    comparisons: [],
    diagnostics: [],
  };
  const missing: FitRecord['missing'] = { laws: [], isoflops: [] };
  for (const law of m.laws) {
    const r = source(law.name)?.laws.find((l) => l.name === law.name);
    if (r) results.laws.push(r);
    else if (freshLaws.has(law.name) || (keptLaws.has(law.name) && previous!.failed.laws.includes(law.name)))
      failed.laws.push(law.name);
    else missing.laws.push(law.name);
  }
  for (const iso of m.isoflops) {
    const from = freshIsoflops.has(iso.name)
      ? fresh!.results
      : keptIsoflops.has(iso.name)
        ? previous!.results
        : undefined;
    // Envelopes (approach 1) ride with the isoflops: keyed, planned and fitted the same way.
    const r =
      iso.method === 'envelope'
        ? from?.envelopes?.find((x) => x.name === iso.name)
        : from?.isoflops.find((x) => x.name === iso.name);
    if (r && iso.method === 'envelope') results.envelopes!.push(r as EnvelopeResult);
    else if (r) results.isoflops.push(r as IsoflopResult);
    else if (
      freshIsoflops.has(iso.name) ||
      (keptIsoflops.has(iso.name) && previous!.failed.isoflops.includes(iso.name))
    ) {
      failed.isoflops.push(iso.name);
    } else missing.isoflops.push(iso.name);
  }
  for (const p of m.predictions) {
    const from = source(p.law);
    if (!from) continue;
    const a = sourceAnalysis(p.law);
    const bound =
      a.model.predictions.find((x) => x.law === p.law && JSON.stringify(x.at) === JSON.stringify(p.at)) ?? p;
    const law = m.laws.find((l) => l.name === p.law);
    const lr = lawResult(from, p.law);
    const r = predictionResult(a, from, bound) ?? (law && lr && cachedPrediction(law, lr, p, m.computes));
    if (r) results.predictions.push(r);
  }
  for (const o of m.optima) {
    const from = source(o.law);
    if (!from) continue;
    const a = sourceAnalysis(o.law);
    const bound =
      a.model.optima.find((x) => x.law === o.law && JSON.stringify(x.budget) === JSON.stringify(o.budget)) ?? o;
    const law = m.laws.find((l) => l.name === o.law);
    const lr = lawResult(from, o.law);
    const r = optimumResult(a, from, bound) ?? (law && lr && cachedOptimum(law, lr, o, m.computes));
    if (r) results.optima.push(r);
  }
  for (const f of m.frontiers) {
    const from = source(f.law);
    if (!from) continue;
    const law = m.laws.find((l) => l.name === f.law);
    const lr = lawResult(from, f.law);
    const r = frontierResult(sourceAnalysis(f.law), from, f) ?? (law && lr && cachedFrontier(law, lr, f, m.computes));
    if (r) results.frontiers!.push(r);
  }
  for (const p of m.plans ?? []) {
    const from = source(p.law);
    if (!from) continue;
    const law = m.laws.find((l) => l.name === p.law);
    const lr = lawResult(from, p.law);
    const r = planResult(from, p) ?? (law && lr && cachedPlan(law, lr, p, m.computes));
    if (r) results.plans!.push(r);
  }
  // Sweeps are arithmetic on a few minima: computed afresh for every version, never carried over
  // (their old diagnostics are dropped below: relocate() knows no sweep).
  const sweepRuns = m.sweeps.map(fitSweep);
  results.sweeps = sweepRuns.map((r) => r.result);
  // A comparison comes with its laws' fit: all fresh (fitted together) or all kept.
  for (const c of m.comparisons ?? []) {
    const from = c.laws.every((n) => freshLaws.has(n))
      ? fresh!.results
      : c.laws.every((n) => keptLaws.has(n))
        ? previous!.results
        : undefined;
    const r = comparisonResult(from, c);
    if (r) results.comparisons!.push(r);
  }
  // Fit diagnostics: fresh ones as they are; kept laws' and isoflops' ones (including those on
  // their predict and optimize lines) moved with the text they are on.
  const fitDiagnostics: Diagnostic[] = [...(fresh?.fitDiagnostics ?? []), ...sweepRuns.flatMap((r) => r.diagnostics)];
  if (previous) {
    for (const d of previous.fitDiagnostics) {
      const moved = relocate(d, previous.analysis, analysis);
      if (!moved) continue;
      const kept =
        moved.owner.kind === 'law'
          ? keptLaws.has(moved.owner.name) && !freshLaws.has(moved.owner.name)
          : keptIsoflops.has(moved.owner.name) && !freshIsoflops.has(moved.owner.name);
      if (kept) fitDiagnostics.push(moved.diagnostic);
    }
  }
  const all = [...analysis.diagnostics, ...fitDiagnostics].sort((a, b) => a.range.start - b.range.start);
  results.diagnostics = all.map((d) => toJsonDiagnostic(d, analysis.lines));
  const carried = carryOver(analysis, results, previous);
  return { version, analysis, keys, results, fitDiagnostics, missing, failed, carried };
}

function emptyResults(): StudyResults {
  return {
    study: null,
    laws: [],
    isoflops: [],
    predictions: [],
    optima: [],
    frontiers: [],
    plans: [],
    diagnostics: [],
  };
}

/**
 * The previous record's shown results (its own and those it carried) of each law or isoflop that
 * has no result now but is still declared in the text — with its predict, optimize and frontier answers.
 */
function carryOver(analysis: Analysis, results: StudyResults, previous: FitRecord | undefined): StudyResults {
  const carried = emptyResults();
  if (!previous) return carried;
  const declared = new Set(
    analysis.parsed.file.statements.flatMap((s) =>
      (s.kind === 'Law' || s.kind === 'Isoflop') && s.name ? [s.name.text] : [],
    ),
  );
  const shown = [previous.results, previous.carried];
  const laws = new Set<string>();
  for (const from of shown) {
    for (const law of from.laws) {
      if (!declared.has(law.name) || laws.has(law.name) || results.laws.some((l) => l.name === law.name)) continue;
      laws.add(law.name);
      carried.laws.push(law);
      carried.predictions.push(...from.predictions.filter((p) => p.law === law.name));
      carried.optima.push(...from.optima.filter((o) => o.law === law.name));
      carried.frontiers!.push(...(from.frontiers ?? []).filter((f) => f.law === law.name));
      carried.plans!.push(...(from.plans ?? []).filter((p) => p.law === law.name));
    }
    for (const iso of from.isoflops) {
      if (!declared.has(iso.name) || carried.isoflops.some((i) => i.name === iso.name)) continue;
      if (!results.isoflops.some((i) => i.name === iso.name)) carried.isoflops.push(iso);
    }
  }
  return carried;
}

/**
 * A fit diagnostic of `from` in `to`'s offsets, with what it belongs to: a law or an isoflop (by
 * name), or a predict or optimize line (the same question to the same law; its owner is that law).
 * Undefined when its statement is gone.
 */
function relocate(
  d: Diagnostic,
  from: Analysis,
  to: Analysis,
): { diagnostic: Diagnostic; owner: { kind: 'law' | 'isoflop'; name: string } } | undefined {
  const inside = (r: { start: number; end: number }) => r.start <= d.range.start && d.range.end <= r.end;
  const move = (oldStart: number, newStart: number) => ({
    ...d,
    range: { start: d.range.start + newStart - oldStart, end: d.range.end + newStart - oldStart },
  });
  const oldLaw = from.model.laws.find((l) => inside(l.range));
  if (oldLaw) {
    const newLaw = to.model.laws.find((l) => l.name === oldLaw.name);
    return (
      newLaw && { diagnostic: move(oldLaw.range.start, newLaw.range.start), owner: { kind: 'law', name: oldLaw.name } }
    );
  }
  const oldIso = from.model.isoflops.find((i) => inside(i.range));
  if (oldIso) {
    const newIso = to.model.isoflops.find((i) => i.name === oldIso.name);
    return (
      newIso && {
        diagnostic: move(oldIso.range.start, newIso.range.start),
        owner: { kind: 'isoflop', name: oldIso.name },
      }
    );
  }
  // The k-th question with this law and point in `from` is the k-th such question in `to`.
  const question = <Q extends { law: string; range: { start: number; end: number } }>(
    olds: Q[],
    news: Q[],
    point: (q: Q) => Record<string, number>,
  ) => {
    const old = olds.find((q) => inside(q.range));
    if (!old) return undefined;
    const same = (q: Q) => q.law === old.law && JSON.stringify(point(q)) === JSON.stringify(point(old));
    const k = olds.filter(same).indexOf(old);
    const now = news.filter(same)[k];
    return (
      now && { diagnostic: move(old.range.start, now.range.start), owner: { kind: 'law' as const, name: old.law } }
    );
  };
  const oldCompare = (from.model.comparisons ?? []).find((c) => inside(c.range));
  if (oldCompare) {
    const same = (c: BoundCompare) =>
      JSON.stringify([c.name, c.laws, c.cv]) === JSON.stringify([oldCompare.name, oldCompare.laws, oldCompare.cv]);
    const now = (to.model.comparisons ?? []).find(same);
    return (
      now && { diagnostic: move(oldCompare.range.start, now.range.start), owner: { kind: 'law', name: now.laws[0] } }
    );
  }
  return (
    question(from.model.predictions, to.model.predictions, (p) => p.at) ??
    question(from.model.optima, to.model.optima, (o) => o.budget) ??
    question(from.model.plans ?? [], to.model.plans ?? [], planQuestion)
  );
}

/** Moves fit diagnostics from one version's offsets to another's, with their statement (others are dropped). */
export function moveDiagnostics(diagnostics: Diagnostic[], from: Analysis, to: Analysis): Diagnostic[] {
  if (from === to) return diagnostics;
  const out: Diagnostic[] = [];
  for (const d of diagnostics) {
    const moved = relocate(d, from, to);
    if (moved) out.push(moved.diagnostic);
  }
  return out;
}
