// One law's fit, stage by stage: rows → starts → search → checks at the optimum → hold-out →
// uncertainty. Each stage reports its own diagnostics; a stage that cannot go on ends the fit
// with a result that says why (stop_reason) and no parameters.
import { nowMs } from './clock';
import type { Diagnostic } from '../diagnostics';
import type { BoundLaw } from '../model';
import type { LawResult } from '../results';
import { checkOptimum } from './checks';
import { evalScalar, type Node } from './compile';
import { holdoutMetrics } from './holdout';
import { toTheta } from './problem';
import { prepareRows, type LawRows } from './rows';
import { prepareStarts, search } from './searchStage';
import type { FitOptions, LawFit, StageFailure } from './types';
import { estimateUncertainty } from './uncertainty';

export function emptyResult(law: BoundLaw, stop: string, seconds: number, points: LawResult['points']): LawResult {
  const o = law.objective;
  return {
    name: law.name,
    formula: law.formulaText,
    params: {},
    intervals: null,
    objective: {
      kind: o.loss,
      delta: o.loss === 'huber' ? o.delta : null,
      space: o.onLog ? 'log' : 'linear',
      value: null,
    },
    points,
    holdout: null,
    starts: { declared: 0, screened: 0, optimized: 0, agreed: 0, search: law.search ?? 'screened' },
    converged: false,
    stop_reason: stop,
    seed: law.uncertainty.method === 'bootstrap' ? law.uncertainty.seed : null,
    seconds,
  };
}

/** Fits one law: rows, multi-start search, diagnostics, hold-out metrics, uncertainty. */
export async function fitLaw(law: BoundLaw, opts: FitOptions = {}): Promise<LawFit> {
  const t0 = nowMs();
  const diags: Diagnostic[] = [];
  const seconds = () => (nowMs() - t0) / 1000;
  const fail = ({ failed, points = { fit: 0, holdout: 0, dropped: 0 }, node }: StageFailure): LawFit => ({
    result: emptyResult(law, failed, seconds(), points),
    diagnostics: diags,
    theta: undefined,
    node,
    law,
    covariance: undefined,
    draws: undefined,
    level: null,
  });
  const rows = prepareRows(law, diags);
  if ('failed' in rows) return fail(rows);
  const starts = prepareStarts(law, rows, diags);
  if ('failed' in starts) return fail(starts);
  const found = await search(law, starts, rows, opts, diags);
  if ('failed' in found) return fail(found);
  const { ms, best, timedOut } = found;
  const theta = toTheta(starts.prob, best.u);
  const atOptimum = checkOptimum(law, starts, found, theta, diags);
  const params: Record<string, number> = {};
  law.params.forEach((spec, j) => (params[spec.name] = theta[j]));
  const holdout = holdoutMetrics(law, rows, theta, diags);
  const { intervals, covariance, draws, level, drawRecord, bootstrap, profiled, profiler, basis } =
    await estimateUncertainty(law, starts, found, theta, atOptimum, rows, opts, diags);
  const o = law.objective;
  const u = law.uncertainty;
  const result: LawResult = {
    name: law.name,
    formula: law.formulaText,
    params,
    intervals,
    objective: {
      kind: o.loss,
      delta: o.loss === 'huber' ? o.delta : null,
      space: o.onLog ? 'log' : 'linear',
      value: best.value,
    },
    points: rows.points,
    holdout,
    starts: {
      declared: ms.declared,
      screened: ms.screened,
      optimized: ms.optimized,
      agreed: ms.agreed,
      seeds: ms.seeds,
      search: law.search === 'exhaustive' || opts.exhaustive ? 'exhaustive' : 'screened',
    },
    converged: best.converged && !timedOut,
    stop_reason: timedOut ? 'time-budget' : best.stop,
    seed: u.method === 'bootstrap' ? u.seed : null,
    interval_method:
      intervals === null ? null : profiled ? 'profile' : u.method === 'bootstrap' ? 'bootstrap' : 'asymptotic',
    seconds: seconds(),
    spread: { best_objectives: ms.optima.slice(0, 5).map((x) => x.value), distinct_optima: atOptimum.nearBest },
    residuals: residualsOf(law, rows, rows.node, theta),
    level,
  };
  if (drawRecord) result.draws = drawRecord;
  if (bootstrap) result.bootstrap = bootstrap;
  if (law.weightText) result.weight = law.weightText;
  opts.onProgress?.({ law: law.name, phase: 'done' });
  return { result, diagnostics: diags, theta, node: rows.node, law, covariance, draws, level, basis, profiler };
}

/** Observed and fitted values of every row, held-out ones marked. */
function residualsOf(
  law: BoundLaw,
  { columnsAll, yAll }: LawRows,
  node: Node,
  theta: Float64Array,
): LawResult['residuals'] {
  const residuals: LawResult['residuals'] = [];
  const vars = new Float64Array(columnsAll.length);
  for (let i = 0; i < law.data.rowCount; i++) {
    columnsAll.forEach((c, k) => (vars[k] = c[i]));
    residuals.push({ observed: yAll[i], fitted: evalScalar(node, theta, vars), heldOut: !!law.heldOut[i] });
  }
  return residuals;
}
