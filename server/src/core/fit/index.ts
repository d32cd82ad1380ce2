// The fit engine's entry points: fitLaw for one bound law (law.ts, stage by stage), fitStudy for
// a whole study (laws, isoflops, predictions, optima). Pure core: no vscode imports; long work
// checks a cancellation signal/token and a time budget, so no fit hangs.
import { diagnostic, type Diagnostic } from '../diagnostics';
import type { StudyModel } from '../model';
import type {
  ComparisonResult,
  FrontierResult,
  LawResult,
  OptimumResult,
  PredictionResult,
  StudyResults,
} from '../results';
import { optimum, predict } from './answers';
import { compareLaws } from './compare';
import { traceFrontier } from './frontier';
import { fitIsoflop } from './isoflop';
import { isoflopOptimum } from './isoflopAnswers';
import { fitLaw } from './law';
import { publishedFit } from './published';
import { answerAllocation, needsTargetEngine } from './target';
import { cancelled, type FitOptions, type LawFit } from './types';

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
): Promise<{ results: Omit<StudyResults, 'diagnostics' | 'study'>; diagnostics: Diagnostic[] }> {
  const diagnostics: Diagnostic[] = [];
  const fits = new Map<string, LawFit>();
  const laws: LawResult[] = [];
  for (const law of model.laws) {
    if (cancelled(options)) break;
    const f = law.published ? publishedFit(law) : await fitLaw(law, options);
    fits.set(law.name, f);
    laws.push(f.result);
    diagnostics.push(...f.diagnostics);
    await new Promise((res) => setImmediate(res)); // let cancellation in between laws
  }
  const isoflopFits = new Map<string, ReturnType<typeof fitIsoflop>>();
  const isoflops = model.isoflops.map((iso) => {
    options.onProgress?.({ law: iso.name, phase: 'isoflop' });
    const r = fitIsoflop(iso);
    isoflopFits.set(iso.name, r);
    diagnostics.push(...r.diagnostics);
    return r.result;
  });
  // Approach 2: an isoflop's frontier power laws answer `optimize` and `frontier` for its budget.
  const isoflopAnswer = (name: string, budget: number) => {
    const iso = model.isoflops.find((i) => i.name === name)!;
    const r = isoflopFits.get(name)!;
    return isoflopOptimum(iso, r.result, r.draws, budget);
  };
  const predictions: PredictionResult[] = [];
  for (const pr of model.predictions) {
    const f = fits.get(pr.law);
    if (!f) continue;
    const { result, error } = predict(f, pr.at, model.computes);
    if (error) diagnostics.push(diagnostic('warning', 'scaling.predict-failed', error, pr.range));
    else if (!Number.isFinite(result.value))
      diagnostics.push(
        diagnostic('warning', 'scaling.predict-failed', 'the law gives no finite value at this point', pr.range),
      );
    predictions.push({ ...result, value: finiteOrNull(result.value) });
  }
  const optima: OptimumResult[] = [];
  for (const op of model.optima) {
    if (isoflopFits.has(op.law)) {
      const { result, error } = isoflopAnswer(op.law, Object.values(op.budget)[0]);
      if (error) diagnostics.push(diagnostic('warning', 'scaling.optimize-failed', error, op.range));
      optima.push({ ...result, value: finiteOrNull(result.value) });
      continue;
    }
    const f = fits.get(op.law);
    if (!f) continue;
    const { result, error, edge, code } = needsTargetEngine(op.budget, f.law.target)
      ? answerAllocation(f, op.budget, model.computes)
      : optimum(f, op.budget, model.computes);
    if (error) diagnostics.push(diagnostic('warning', code ?? 'scaling.optimize-failed', error, op.range));
    if (edge)
      diagnostics.push(
        diagnostic(
          'warning',
          'scaling.optimum-at-edge',
          'the law has no interior optimum along this budget within a wide search range',
          op.range,
        ),
      );
    if (!error && !Number.isFinite(result.value))
      diagnostics.push(
        diagnostic('warning', 'scaling.optimize-failed', 'the law gives no finite value at the optimum', op.range),
      );
    optima.push({ ...result, value: finiteOrNull(result.value) });
  }
  const frontiers: FrontierResult[] = [];
  for (const fr of model.frontiers) {
    const f = fits.get(fr.law);
    const answer = isoflopFits.has(fr.law)
      ? (budget: number) => isoflopAnswer(fr.law, budget)
      : f && ((budget: number) => optimum(f, { [fr.variable]: budget }, model.computes));
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
  const comparisons: ComparisonResult[] = [];
  for (const c of model.comparisons ?? []) {
    const compared = c.laws.map((n) => model.laws.find((l) => l.name === n));
    if (compared.some((l) => !l) || cancelled(options)) continue;
    options.onProgress?.({ law: c.laws.join(', '), phase: 'compare' });
    const r = await compareLaws(c, compared as typeof model.laws, fits, options);
    diagnostics.push(...r.diagnostics);
    comparisons.push(r.result);
  }
  return { results: { laws, isoflops, predictions, optima, frontiers, comparisons }, diagnostics };
}
