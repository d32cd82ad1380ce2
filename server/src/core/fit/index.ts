// The fit engine's entry points: fitLaw for one bound law (law.ts, stage by stage), fitStudy for
// a whole study (laws, isoflops, predictions, optima). Pure core: no vscode imports; long work
// checks a cancellation signal/token and a time budget, so no fit hangs.
import { diagnostic, type Diagnostic } from '../diagnostics';
import type { StudyModel } from '../model';
import type {
  ComparisonResult,
  EnvelopeResult,
  FrontierResult,
  IsoflopResult,
  LawResult,
  OptimumResult,
  PlanResult,
  PredictionResult,
  StudyResults,
} from '../results';
import { optimum, predict } from './answers';
import { fitEnvelope } from './envelope';
import { compareLaws } from './compare';
import { traceFrontier } from './frontier';
import { fitIsoflop } from './isoflop';
import { isoflopOptimum, type FrontierDraw } from './isoflopAnswers';
import { fitLaw } from './law';
import { fitGroupedIsoflop, fitGroupedLaw, groupLabel, type GroupFit } from './groups';
import { fitSharedLaw } from './shared';
import { fitSweep } from './sweep';
import { publishedFit } from './published';
import { answerPlan } from './planAnswers';
import { answerAllocation, needsTargetEngine } from './target';
import { extrapolationMessage, farExtrapolations } from '../semantics/extrapolation';
import { cancelled, type FitOptions, type AnswerBasis, type LawFit } from './types';

export { optimum, predict } from './answers';
export { fitLaw } from './law';

/**
 * JSON has no NaN (it prints null); results carry null in memory too, so the editor and the CLI
 * read the same "no value" — always with a diagnostic saying why.
 */
function finiteOrNull(v: number | null): number | null {
  return v !== null && Number.isFinite(v) ? v : null;
}

/** Fits a whole study. */
export async function fitStudy(
  model: StudyModel,
  options: FitOptions = {},
): Promise<{
  results: Omit<StudyResults, 'diagnostics' | 'study'>;
  diagnostics: Diagnostic[];
  /** Per fitted law, what intervals of later predict/optimize answers need (not part of the JSON). */
  bases: Record<string, AnswerBasis>;
}> {
  const diagnostics: Diagnostic[] = [];
  const fits = new Map<string, LawFit & { groupFits?: GroupFit[] }>();
  const laws: LawResult[] = [];
  for (const law of model.laws) {
    if (cancelled(options)) break;
    const f = law.published
      ? publishedFit(law)
      : law.per
        ? law.shared
          ? await fitSharedLaw(law, options)
          : await fitGroupedLaw(law, options)
        : await fitLaw(law, options);
    fits.set(law.name, f);
    laws.push(f.result);
    diagnostics.push(...f.diagnostics);
    await new Promise((res) => setImmediate(res)); // let cancellation in between laws
  }
  const isoflops: IsoflopResult[] = [];
  const envelopes: EnvelopeResult[] = [];
  // Approach 2 (isoflop) and approach 1 (envelope): the frontier power laws answer `optimize` and
  // `frontier` for the budget; the minima (isoflop budgets, envelope points) give L*(C).
  // One basis per isoflop, or one per group of a `per` isoflop (each answer then carries its group).
  type IsoflopBasis = Parameters<typeof isoflopOptimum>[1] & { draws?: FrontierDraw[]; group?: string | number };
  const isoflopFits = new Map<string, IsoflopBasis[]>();
  for (const iso of model.isoflops) {
    options.onProgress?.({ law: iso.name, phase: 'isoflop' });
    if (iso.method === 'envelope') {
      const r = fitEnvelope(iso);
      diagnostics.push(...r.diagnostics);
      envelopes.push(r.result);
      isoflopFits.set(iso.name, [{ frontier: r.result.frontier, budgets: r.result.points, draws: r.draws }]);
    } else if (iso.per) {
      const r = fitGroupedIsoflop(iso);
      diagnostics.push(...r.diagnostics);
      isoflops.push(r.result);
      isoflopFits.set(
        iso.name,
        (r.result.groups ?? []).map((g, j) => ({ ...g, draws: r.draws[j], group: g.value })),
      );
    } else {
      const r = fitIsoflop(iso);
      diagnostics.push(...r.diagnostics);
      isoflops.push(r.result);
      isoflopFits.set(iso.name, [{ ...r.result, draws: r.draws }]);
    }
  }
  const sweeps = model.sweeps.map((sw) => {
    options.onProgress?.({ law: sw.name, phase: 'isoflop' });
    const r = fitSweep(sw);
    diagnostics.push(...r.diagnostics);
    return r.result;
  });
  // A `per` isoflop answers once per group, from that group's frontier, each answer tagged with its group.
  const isoflopAnswer = (name: string, basis: IsoflopBasis, budget: number) => {
    const iso = model.isoflops.find((i) => i.name === name)!;
    const { result, error } = isoflopOptimum(iso, basis, basis.draws, budget);
    const prefix = basis.group !== undefined ? `${groupLabel(iso.per!.column, basis.group)}: ` : '';
    return {
      result: basis.group !== undefined ? { ...result, group: basis.group } : result,
      ...(error ? { error: prefix + error } : {}),
    };
  };
  const predictions: PredictionResult[] = [];
  for (const pr of model.predictions) {
    const law = fits.get(pr.law);
    if (!law) continue;
    // A `per` law answers once per group, each answer carrying its group's value.
    for (const f of eachGroup(law)) {
      const { result, error } = predict(f, pr.at, model.computes);
      const prefix = 'value' in f ? `${groupLabel(law.law.per!.column, f.value)}: ` : '';
      if (error) diagnostics.push(diagnostic('warning', 'scaling.predict-failed', prefix + error, pr.range));
      else if (!Number.isFinite(result.value))
        diagnostics.push(
          diagnostic(
            'warning',
            'scaling.predict-failed',
            `${prefix}the law gives no finite value at this point`,
            pr.range,
          ),
        );
      predictions.push({ ...result, value: finiteOrNull(result.value), ...('value' in f ? { group: f.value } : {}) });
    }
  }
  const optima: OptimumResult[] = [];
  for (const op of model.optima) {
    const bases = isoflopFits.get(op.law);
    if (bases) {
      for (const basis of bases) {
        const { result, error } = isoflopAnswer(op.law, basis, Object.values(op.budget)[0]);
        if (error) diagnostics.push(diagnostic('warning', 'scaling.optimize-failed', error, op.range));
        optima.push({ ...result, value: finiteOrNull(result.value) });
      }
      continue;
    }
    const law = fits.get(op.law);
    if (!law) continue;
    // A `per` law answers once per group, each answer carrying its group's value.
    for (const f of eachGroup(law)) {
      const prefix = 'value' in f ? `${groupLabel(law.law.per!.column, f.value)}: ` : '';
      const { result, error, edge, code } = needsTargetEngine(op.budget, f.law.target)
        ? answerAllocation(f, op.budget, model.computes)
        : optimum(f, op.budget, model.computes);
      if (error) diagnostics.push(diagnostic('warning', code ?? 'scaling.optimize-failed', prefix + error, op.range));
      if (edge)
        diagnostics.push(
          diagnostic(
            'warning',
            'scaling.optimum-at-edge',
            `${prefix}the law has no interior optimum along this budget within a wide search range`,
            op.range,
          ),
        );
      if (!error && !Number.isFinite(result.value))
        diagnostics.push(
          diagnostic(
            'warning',
            'scaling.optimize-failed',
            `${prefix}the law gives no finite value at the optimum`,
            op.range,
          ),
        );
      // A target loss question's reach is known only from its answer: warn as check warns of a budget.
      if (!error && f.law.target in op.budget)
        for (const e of farExtrapolations(f.law, result.at, model.computes))
          diagnostics.push(
            diagnostic('warning', 'scaling.extrapolation', prefix + extrapolationMessage('the optimum', e), op.range, {
              data: { variable: e.variable, factor: e.factor },
            }),
          );
      optima.push({ ...result, value: finiteOrNull(result.value), ...('value' in f ? { group: f.value } : {}) });
    }
  }
  const frontiers: FrontierResult[] = [];
  for (const fr of model.frontiers) {
    const isoBases = isoflopFits.get(fr.law);
    if (isoBases) {
      // One frontier per group of a `per` isoflop, tagged with its group.
      for (const basis of isoBases) {
        const { result, error } = traceFrontier(fr, (budget) => isoflopAnswer(fr.law, basis, budget));
        if (error) diagnostics.push(diagnostic('warning', 'scaling.optimize-failed', error, fr.range));
        frontiers.push(basis.group !== undefined ? { ...result, group: basis.group } : result);
      }
      continue;
    }
    const f = fits.get(fr.law);
    const answer = f && ((budget: number) => optimum(f, { [fr.variable]: budget }, model.computes));
    if (!answer) continue;
    const { result, error, edges } = traceFrontier(fr, answer);
    if (error) diagnostics.push(diagnostic('warning', 'scaling.optimize-failed', error, fr.range));
    if (edges.length > 0)
      diagnostics.push(
        diagnostic(
          'warning',
          'scaling.optimum-at-edge',
          `the law has no interior optimum at ${edges.length} of the frontier's budgets within a wide search range`,
          fr.range,
        ),
      );
    frontiers.push(result);
  }
  // Plans rank a few hundred candidate runs each: cheap, but they let cancellation in between.
  const plans: PlanResult[] = [];
  for (const pl of model.plans ?? []) {
    const f = fits.get(pl.law);
    if (!f || cancelled(options)) continue;
    options.onProgress?.({ law: pl.law, phase: 'plan' });
    const { result, error } = answerPlan(f, pl, model.computes);
    if (error) diagnostics.push(diagnostic('warning', 'scaling.plan-failed', error, pl.range));
    plans.push(result);
    await new Promise((res) => setImmediate(res));
  }
  const comparisons: ComparisonResult[] = [];
  for (const c of model.comparisons ?? []) {
    const compared = c.laws.map((n) => model.laws.find((l) => l.name === n));
    if (compared.some((l) => !l) || cancelled(options)) continue;
    options.onProgress?.({ law: c.laws.join(', '), phase: 'compare' });
    const r = await compareLaws(c, compared as typeof model.laws, fits, options);
    diagnostics.push(...r.diagnostics);
    comparisons.push(r.result);
  }
  const bases: Record<string, AnswerBasis> = {};
  for (const [name, f] of fits) bases[name] = { basis: f.basis, covariance: f.covariance };
  return {
    results: { laws, isoflops, envelopes, predictions, optima, frontiers, plans, sweeps, comparisons },
    diagnostics,
    bases,
  };
}

/** The fits a question is answered from: the law's own, or each group's. */
function eachGroup(f: LawFit & { groupFits?: GroupFit[] }): (LawFit | GroupFit)[] {
  return f.groupFits ?? [f];
}
