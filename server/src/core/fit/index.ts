// The fit engine's entry points: fitLaw for one bound law, fitStudy for a whole study (laws,
// isoflops, predictions, optima). Pure core: no vscode imports; long work checks a cancellation
// signal/token and a time budget, so no fit hangs.
import { diagnostic, type Diagnostic } from '../diagnostics';
import type { BoundLaw, ComputeDef, StudyModel } from '../model';
import type {
  EnvelopeResult,
  Interval,
  IsoflopResult,
  LawResult,
  OptimumResult,
  PredictionResult,
  StudyResults,
} from '../results';
import { CompileError, evalScalar, Program, toNode, type Node } from './compile';
import { checkDesign, checkIdentifiable, positiveVariables, splitRows } from './diagnose';
import { fitEnvelope } from './envelope';
import { fitIsoflop } from './isoflop';
import { declaredStarts, multiStart } from './multistart';
import { optimizeAllocation, type OptimizeContext } from './optimize';
import { bootstrapParallel } from './pool';
import { buildProblem, Evaluator, toTheta, type FitProblem } from './problem';
import { normalQuantile, percentileInterval } from './stats';

export { compileFormula } from './api';
export { catalogue } from '../laws';

export interface CancellationToken {
  isCancelled(): boolean;
}

export interface FitOptions {
  signal?: AbortSignal;
  token?: CancellationToken;
  /** Worker threads for bootstrap refits (default: 2). */
  workers?: number;
  /** Path of the bundled fit worker, when it is not dist/fitWorker.js beside this bundle. */
  workerFile?: string;
  /** Wall-clock budget per stage of a law (multi-start search, bootstrap), ms (default 60 s); the best so far is kept. */
  timeBudgetMs?: number;
  /** Optimize every declared start instead of the screened best. */
  exhaustive?: boolean;
  onProgress?: (p: { law: string; phase: 'fit' | 'uncertainty' | 'isoflop' | 'done' }) => void;
}

/** A fitted law with what predictions and optima need. */
export interface LawFit {
  result: LawResult;
  diagnostics: Diagnostic[];
  /** Full parameter vector (user space), undefined when the fit failed. */
  theta: Float64Array | undefined;
  node: Node | undefined;
  law: BoundLaw;
  /** Covariance of theta (user space, P×P) for `asymptotic`. */
  covariance: Float64Array | undefined;
  /** Bootstrap draws, K×P row-major. */
  draws: Float64Array | undefined;
  level: number | null;
}

function emptyResult(law: BoundLaw, stop: string, seconds: number, points: LawResult['points']): LawResult {
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
      value: NaN,
    },
    points,
    holdout: null,
    starts: { declared: 0, optimized: 0 },
    converged: false,
    stop_reason: stop,
    seed: law.uncertainty.method === 'bootstrap' ? law.uncertainty.seed : null,
    seconds,
  };
}

function cancelled(opts: FitOptions): boolean {
  return !!(opts.signal?.aborted || opts.token?.isCancelled());
}

/** Fits one law: rows, multi-start search, diagnostics, hold-out metrics, uncertainty. */
export async function fitLaw(law: BoundLaw, opts: FitOptions = {}): Promise<LawFit> {
  const t0 = performance.now();
  const diags: Diagnostic[] = [];
  const seconds = () => (performance.now() - t0) / 1000;
  const fail = (stop: string, points = { fit: 0, holdout: 0, dropped: 0 }, node?: Node): LawFit => ({
    result: emptyResult(law, stop, seconds(), points),
    diagnostics: diags,
    theta: undefined,
    node,
    law,
    covariance: undefined,
    draws: undefined,
    level: null,
  });
  const names = law.params.map((p) => p.name);
  let node: Node;
  try {
    node = toNode(law.formula, names, law.variables);
  } catch (e) {
    const range = e instanceof CompileError ? e.expr.range : law.range;
    diags.push(diagnostic('error', 'scaling.formula', (e as Error).message, range));
    return fail('formula-error');
  }
  const missing = [...law.variables, law.target].filter((v) => !law.data.numeric.has(v));
  if (missing.length > 0) {
    diags.push(diagnostic('error', 'scaling.missing-column', `no numeric data for ${missing.join(', ')}`, law.range));
    return fail('missing-data', undefined, node);
  }
  const columnsAll = law.variables.map((v) => law.data.numeric.get(v)!);
  const yAll = law.data.numeric.get(law.target)!;
  const split = splitRows(law, columnsAll, yAll, positiveVariables(node), diags);
  const points = { fit: split.fit.length, holdout: split.holdout.length, dropped: split.dropped };
  const freeCount = law.params.filter((p) => p.fixed === undefined).length;
  if (split.fit.length < freeCount || split.fit.length === 0) {
    diags.push(
      diagnostic(
        'error',
        'scaling.too-few-rows',
        `${split.fit.length} usable row(s) for ${freeCount} free parameter(s): nothing to fit`,
        law.range,
      ),
    );
    return fail('too-few-rows', points, node);
  }
  checkDesign(law, columnsAll, yAll, split.fit, freeCount, diags);
  const pick = (src: Float64Array, rows: number[]) => Float64Array.from(rows, (i) => src[i]);
  const columns = columnsAll.map((c) => pick(c, split.fit));
  const y = pick(yAll, split.fit);
  let prob: FitProblem;
  try {
    prob = buildProblem(law, columns, y);
  } catch (e) {
    diags.push(diagnostic('error', 'scaling.formula', (e as Error).message, law.range));
    return fail('formula-error', points, node);
  }
  const ev = new Evaluator(prob);
  const starts = declaredStarts(
    prob,
    law.params.map((p) => p.starts),
  );
  const deadline = performance.now() + (opts.timeBudgetMs ?? 60_000);
  let timedOut = false;
  const interrupt = () => {
    if (cancelled(opts)) return true;
    if (performance.now() > deadline) timedOut = true;
    return timedOut;
  };
  opts.onProgress?.({ law: law.name, phase: 'fit' });
  const ms = await multiStart(ev, starts, { interrupt, exhaustive: opts.exhaustive, columns });
  if (cancelled(opts)) {
    diags.push(diagnostic('info', 'scaling.fit-cancelled', 'the fit was cancelled', law.range));
    return fail('cancelled', points, node);
  }
  const best = ms.best;
  if (!best || !Number.isFinite(best.value)) {
    diags.push(
      diagnostic(
        'error',
        'scaling.fit-diverged',
        'no start gave a finite objective: the formula produces NaN, infinite or (on log) non-positive predictions',
        law.range,
      ),
    );
    return fail('diverged', points, node);
  }
  if (timedOut)
    diags.push(
      diagnostic(
        'warning',
        'scaling.fit-time-budget',
        `the time budget ran out after ${ms.optimized} of ${ms.declared} starts; the best so far is shown`,
        law.range,
      ),
    );
  const theta = toTheta(prob, best.u);
  const freeNames = prob.free.map((j) => names[j]);
  // Ending on a bound.
  prob.free.forEach((j) => {
    const spec = law.params[j];
    const v = theta[j];
    const at = (b: number) => Number.isFinite(b) && Math.abs(v - b) <= 1e-6 * Math.max(1, Math.abs(b));
    if (at(spec.lower) || at(spec.upper) || (prob.logParam[j] && spec.lower === 0 && v < 1e-200)) {
      diags.push(
        diagnostic(
          'warning',
          'scaling.param-at-bound',
          `${spec.name} = ${fmt(v)} ended on its bound; the optimum may lie beyond it`,
          spec.range,
          {
            data: { param: spec.name, value: v },
          },
        ),
      );
    }
  });
  // Jacobian at the optimum for identifiability and asymptotic errors.
  const n = prob.rows;
  const p = prob.free.length;
  const r = new Float64Array(n);
  const J = new Float64Array(n * p);
  ev.eval(best.u, r, J);
  const ident = checkIdentifiable(law, J, n, p, freeNames, diags);
  if (!best.converged)
    diags.push(
      diagnostic(
        'warning',
        'scaling.fit-not-converged',
        `the best start stopped without converging (${best.stop})`,
        law.range,
      ),
    );
  const relTol = 1e-6;
  const nearBest = ms.optima.filter((o) => o.value <= best.value * (1 + relTol) + 1e-300);
  if (nearBest.length > 1)
    diags.push(
      diagnostic(
        'info',
        'scaling.flat-optimum',
        `${nearBest.length} distinct optima end within 1e-6 of the best objective: the parameters sit in a flat valley`,
        law.range,
      ),
    );
  const params: Record<string, number> = {};
  names.forEach((nm, j) => (params[nm] = theta[j]));
  // Hold-out metrics.
  let holdout: LawResult['holdout'] = null;
  if (split.holdout.length > 0) {
    const hcols = columnsAll.map((c) => pick(c, split.holdout));
    const hy = pick(yAll, split.holdout);
    const hp = new Program(node, names.length, hcols, hy.length);
    const f = new Float64Array(hy.length);
    hp.evaluate(theta, f);
    let ape = 0;
    let sq = 0;
    for (let i = 0; i < hy.length; i++) {
      ape += Math.abs(f[i] - hy[i]) / Math.abs(hy[i]);
      sq += (Math.log(f[i]) - Math.log(hy[i])) ** 2;
    }
    const mape = ape / hy.length;
    const rmseLog = Math.sqrt(sq / hy.length);
    if (Number.isFinite(mape) && Number.isFinite(rmseLog)) holdout = { mape, rmse_log: rmseLog };
    else {
      // A held-out observed value of 0 (or a non-positive prediction) has no relative or log error.
      diags.push(
        diagnostic(
          'warning',
          'scaling.holdout-undefined',
          `law '${law.name}': the hold-out error is undefined: a held-out run has ${law.target} <= 0 or the law predicts a value <= 0 for it`,
          law.nameRange,
        ),
      );
    }
  }
  // Uncertainty.
  const u = law.uncertainty;
  let intervals: Record<string, Interval> | null = null;
  let covariance: Float64Array | undefined;
  let draws: Float64Array | undefined;
  let level: number | null = null;
  let drawRecord: Record<string, number[]> | undefined;
  if (u.method === 'asymptotic') {
    level = u.level;
    let rss = 0;
    for (let i = 0; i < n; i++) rss += r[i] * r[i];
    const s2 = n > p ? rss / (n - p) : NaN;
    const P = names.length;
    covariance = new Float64Array(P * P);
    const z = normalQuantile((1 + u.level) / 2);
    intervals = {};
    for (let a = 0; a < p; a++) {
      const ja = prob.free[a];
      const ca = prob.logParam[ja] ? theta[ja] : 1;
      for (let b = 0; b < p; b++) {
        const jb = prob.free[b];
        const cb = prob.logParam[jb] ? theta[jb] : 1;
        covariance[ja * P + jb] = s2 * ident.inverse[a * p + b] * ca * cb;
      }
      const sdInternal = Math.sqrt(s2 * ident.inverse[a * p + a]);
      const ui = best.u[a];
      // Log-parametrised scales get intervals symmetric in ln(param): positive, like the parameter.
      intervals[names[ja]] = prob.logParam[ja]
        ? [Math.exp(ui - z * sdInternal), Math.exp(ui + z * sdInternal)]
        : [ui - z * sdInternal, ui + z * sdInternal];
    }
  } else if (u.method === 'bootstrap') {
    level = u.level;
    opts.onProgress?.({ law: law.name, phase: 'uncertainty' });
    let groups: Int32Array | undefined;
    let groupCount = 0;
    if (u.by) {
      const text = law.data.text.get(u.by);
      const num = law.data.numeric.get(u.by);
      if (!text && !num) {
        diags.push(
          diagnostic(
            'warning',
            'scaling.unknown-column',
            `no column '${u.by}' to group the bootstrap by; resampling rows`,
            law.range,
          ),
        );
      } else {
        const ids = new Map<string, number>();
        groups = Int32Array.from(split.fit, (i) => {
          const key = text ? text[i] : String(num![i]);
          let id = ids.get(key);
          if (id === undefined) ids.set(key, (id = ids.size));
          return id;
        });
        groupCount = ids.size;
        if (groupCount < freeCount + 2)
          diags.push(
            diagnostic(
              'warning',
              'scaling.few-groups',
              `only ${groupCount} groups in '${u.by}' for ${freeCount} parameters: bootstrap intervals will be unreliable`,
              law.range,
            ),
          );
      }
    }
    try {
      draws = await bootstrapParallel(
        {
          formula: law.formula,
          params: law.params,
          variables: law.variables,
          objective: law.objective,
          columns,
          y,
          groups,
          groupCount,
          theta,
          seed: u.seed,
          deadline: Date.now() + (opts.timeBudgetMs ?? 60_000),
        },
        u.resamples,
        opts.workers ?? 2,
        opts.signal,
        opts.workerFile,
      );
    } catch {
      diags.push(diagnostic('info', 'scaling.fit-cancelled', 'the bootstrap was cancelled', law.range));
    }
    if (draws) {
      const P = names.length;
      const K = u.resamples;
      intervals = {};
      drawRecord = {};
      let failed = 0;
      for (let k = 0; k < K; k++) if (!Number.isFinite(draws[k * P])) failed++;
      if (failed > 0)
        diags.push(
          diagnostic(
            'warning',
            'scaling.bootstrap-failures',
            `${failed} of ${K} bootstrap refits failed and are left out`,
            law.range,
          ),
        );
      for (const j of prob.free) {
        const col = Array.from({ length: K }, (_, k) => draws![k * P + j]);
        drawRecord[names[j]] = col;
        const iv = percentileInterval(col, u.level);
        if (iv) intervals[names[j]] = iv;
      }
    }
  }
  const o = law.objective;
  const residuals: LawResult['residuals'] = [];
  {
    const vars = new Float64Array(columnsAll.length);
    for (let i = 0; i < law.data.rowCount; i++) {
      columnsAll.forEach((c, k) => (vars[k] = c[i]));
      residuals.push({ observed: yAll[i], fitted: evalScalar(node, theta, vars), heldOut: !!law.heldOut[i] });
    }
  }
  const stop = timedOut ? 'time-budget' : best.stop;
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
    points,
    holdout,
    starts: { declared: ms.declared, optimized: ms.optimized },
    converged: best.converged && !timedOut,
    stop_reason: stop,
    seed: u.method === 'bootstrap' ? u.seed : null,
    seconds: seconds(),
    spread: { best_objectives: ms.optima.slice(0, 5).map((x) => x.value), distinct_optima: nearBest.length },
    residuals,
    level,
  };
  if (drawRecord) result.draws = drawRecord;
  opts.onProgress?.({ law: law.name, phase: 'done' });
  return { result, diagnostics: diags, theta, node, law, covariance, draws, level };
}

/**
 * JSON has no NaN (it prints null); results carry null in memory too, so the editor and the CLI
 * read the same "no value" — always with a diagnostic saying why.
 */
function finiteOrNull(v: number): number {
  return Number.isFinite(v) ? v : (null as unknown as number);
}

function fmt(v: number): string {
  return Number.isFinite(v) ? Number(v.toPrecision(6)).toString() : String(v);
}

/** Values of the law's variables at a point; missing ones come from `compute` definitions. */
export function resolvePoint(
  at: Record<string, number>,
  variables: string[],
  computes: ComputeDef[],
): Float64Array | string {
  const known: Record<string, number> = { ...at };
  for (const c of computes) {
    if (c.name in known) continue;
    try {
      const names = Object.keys(known);
      known[c.name] = evalScalar(
        toNode(c.formula, [], names),
        [],
        names.map((nm) => known[nm]),
      );
    } catch {
      // The compute reads a variable the point does not give; fine unless the law needs it.
    }
  }
  const missing = variables.filter((v) => !Number.isFinite(known[v]));
  if (missing.length > 0) return missing.join(', ');
  return Float64Array.from(variables, (v) => known[v]);
}

/** Interval of g(theta) from bootstrap draws (percentiles) or the covariance (delta method). */
function intervalOf(fit: LawFit, g: (theta: Float64Array) => number): Interval | null {
  const P = fit.law.params.length;
  if (fit.draws && fit.level !== null) {
    const K = fit.draws.length / P;
    const vals: number[] = [];
    for (let k = 0; k < K; k++) {
      const th = fit.draws.subarray(k * P, (k + 1) * P);
      if (Number.isFinite(th[0])) vals.push(g(th));
    }
    return percentileInterval(vals, fit.level);
  }
  if (fit.covariance && fit.theta && fit.level !== null) {
    const th = Float64Array.from(fit.theta);
    const g0 = g(th);
    const grad = new Float64Array(P);
    for (let j = 0; j < P; j++) {
      const h = 1e-6 * Math.max(1e-8, Math.abs(th[j]));
      const keep = th[j];
      th[j] = keep + h;
      const up = g(th);
      th[j] = keep - h;
      const down = g(th);
      th[j] = keep;
      grad[j] = (up - down) / (2 * h);
    }
    let v = 0;
    for (let a = 0; a < P; a++)
      for (let b = 0; b < P; b++) if (grad[a] && grad[b]) v += grad[a] * grad[b] * fit.covariance[a * P + b];
    const z = normalQuantile((1 + fit.level) / 2);
    const sd = Math.sqrt(Math.max(0, v));
    return Number.isFinite(sd) ? [g0 - z * sd, g0 + z * sd] : null;
  }
  return null;
}

export function predict(
  fit: LawFit,
  at: Record<string, number>,
  computes: ComputeDef[],
): { result: PredictionResult; error?: string } {
  const base: PredictionResult = { law: fit.law.name, at, value: NaN, interval: null, level: fit.level };
  if (!fit.theta || !fit.node) return { result: base, error: `law '${fit.law.name}' has no fit` };
  const point = resolvePoint(at, fit.law.variables, computes);
  if (typeof point === 'string') return { result: base, error: `a value for ${point} is needed` };
  const node = fit.node;
  const value = evalScalar(node, fit.theta, point);
  return { result: { ...base, value, interval: intervalOf(fit, (th) => evalScalar(node, th, point)) } };
}

function dataRanges(law: BoundLaw): Record<string, [number, number]> {
  const out: Record<string, [number, number]> = {};
  for (const v of law.variables) {
    const c = law.data.numeric.get(v);
    if (!c) continue;
    let lo = Infinity;
    let hi = -Infinity;
    for (const x of c) {
      if (!(x > 0 && Number.isFinite(x))) continue;
      lo = Math.min(lo, x);
      hi = Math.max(hi, x);
    }
    if (lo <= hi) out[v] = [lo, hi];
  }
  return out;
}

export function optimum(
  fit: LawFit,
  budget: Record<string, number>,
  computes: ComputeDef[],
): { result: OptimumResult; error?: string; edge?: boolean } {
  const base: OptimumResult = { law: fit.law.name, budget, at: {}, value: NaN, intervals: {} };
  if (!fit.theta || !fit.node) return { result: base, error: `law '${fit.law.name}' has no fit` };
  const ctx: OptimizeContext = {
    node: fit.node,
    params: fit.law.params.map((p) => p.name),
    variables: fit.law.variables,
    computes,
    ranges: dataRanges(fit.law),
  };
  const alloc = optimizeAllocation(ctx, fit.theta, budget);
  if (!alloc)
    return {
      result: base,
      error: `no compute definition ties two of ${fit.law.name}'s variables (${fit.law.variables.join(', ')}) to ${Object.keys(budget).join(', ')}`,
    };
  const intervals: Record<string, Interval> = {};
  for (const key of Object.keys(alloc.at)) {
    const iv = intervalOf(fit, (th) => optimizeAllocation(ctx, th, budget)?.at[key] ?? NaN);
    if (iv) intervals[key] = iv;
  }
  const iv = intervalOf(fit, (th) => optimizeAllocation(ctx, th, budget)?.value ?? NaN);
  if (iv) intervals[fit.law.target] = iv;
  return { result: { ...base, at: alloc.at, value: alloc.value, intervals }, edge: alloc.edge };
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
    const f = await fitLaw(law, options);
    fits.set(law.name, f);
    laws.push(f.result);
    diagnostics.push(...f.diagnostics);
    await new Promise((res) => setImmediate(res)); // let cancellation in between laws
  }
  const isoflops: IsoflopResult[] = [];
  const envelopes: EnvelopeResult[] = [];
  for (const iso of model.isoflops) {
    options.onProgress?.({ law: iso.name, phase: 'isoflop' });
    if (iso.method === 'envelope') {
      const r = fitEnvelope(iso);
      diagnostics.push(...r.diagnostics);
      envelopes.push(r.result);
    } else {
      const r = fitIsoflop(iso);
      diagnostics.push(...r.diagnostics);
      isoflops.push(r.result);
    }
  }
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
    const f = fits.get(op.law);
    if (!f) continue;
    const { result, error, edge } = optimum(f, op.budget, model.computes);
    if (error) diagnostics.push(diagnostic('warning', 'scaling.optimize-failed', error, op.range));
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
  return { results: { laws, isoflops, envelopes, predictions, optima }, diagnostics };
}
