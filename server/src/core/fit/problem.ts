// A fitting problem: the compiled formula over the rows that enter the fit, the target, the
// objective, and the map between the user's parameters and the optimizer's internal vector.
// Positive scale parameters declared with `log` grids (A = e^a) are optimized as ln(param): the
// problem is far better conditioned there and positivity is free.
import type { BoundLaw, Objective, ParamSpec } from '../model';
import { Program, toNode, type Node } from './compile';
import { lossOf, type Loss } from './loss';

export interface FitProblem {
  names: string[];
  /** Indices (into names) of the parameters the optimizer moves. */
  free: number[];
  /** Full parameter vector with fixed values filled in; free entries are overwritten. */
  base: Float64Array;
  /** Per parameter: optimized as ln(param). */
  logParam: boolean[];
  /** Internal bounds of the free parameters. */
  lo: Float64Array;
  hi: Float64Array;
  node: Node;
  program: Program;
  rows: number;
  y: Float64Array;
  /** ln y when the objective is on log. */
  yT: Float64Array;
  objective: Objective;
  loss: Loss;
  /** Row weights (bootstrap counts); undefined = all 1. */
  weights: Float64Array | undefined;
}

/** Whether param j is optimized in log space. */
function isLogParam(spec: ParamSpec): boolean {
  return spec.logGrid && spec.lower >= 0;
}

/** Internal bound: open bounds are nudged inward so the optimizer never sits exactly on them. */
function internalBounds(spec: ParamSpec, log: boolean): [number, number] {
  let lo = spec.lower;
  let hi = spec.upper;
  if (log) {
    lo = lo > 0 ? Math.log(lo) : -Infinity;
    hi = hi < Infinity ? Math.log(hi) : Infinity;
  }
  const nudge = (x: number) => (Number.isFinite(x) ? 1e-12 * Math.max(1, Math.abs(x)) : 0);
  if (!spec.lowerClosed) lo += nudge(lo);
  if (!spec.upperClosed) hi -= nudge(hi);
  return [lo, hi];
}

export function buildProblem(
  law: Pick<BoundLaw, 'formula' | 'params' | 'variables' | 'objective'>,
  columns: Float64Array[],
  y: Float64Array,
): FitProblem {
  const names = law.params.map((p) => p.name);
  const node = toNode(law.formula, names, law.variables);
  const rows = y.length;
  const program = new Program(node, names.length, columns, rows);
  const free: number[] = [];
  const base = new Float64Array(names.length);
  const logParam = law.params.map(isLogParam);
  const lo: number[] = [];
  const hi: number[] = [];
  law.params.forEach((spec, j) => {
    if (spec.fixed !== undefined) {
      base[j] = spec.fixed;
      return;
    }
    free.push(j);
    const [l, h] = internalBounds(spec, logParam[j]);
    lo.push(l);
    hi.push(h);
  });
  const yT = law.objective.onLog ? y.map(Math.log) : y;
  return {
    names,
    free,
    base,
    logParam,
    lo: Float64Array.from(lo),
    hi: Float64Array.from(hi),
    node,
    program,
    rows,
    y,
    yT,
    objective: law.objective,
    loss: lossOf(law.objective),
    weights: undefined,
  };
}

/** Full parameter vector (user space) from the internal vector. */
export function toTheta(
  prob: FitProblem,
  u: ArrayLike<number>,
  out: Float64Array = new Float64Array(prob.base),
): Float64Array {
  prob.free.forEach((j, k) => (out[j] = prob.logParam[j] ? Math.exp(u[k]) : u[k]));
  return out;
}

/** Internal vector from user-space values of the free parameters. */
export function toInternal(prob: FitProblem, theta: ArrayLike<number>): Float64Array {
  return Float64Array.from(prob.free, (j) => (prob.logParam[j] ? Math.log(theta[j]) : theta[j]));
}

/**
 * Residuals and Jacobian in internal coordinates. Scratch buffers live on the evaluator so an
 * LM iteration allocates nothing.
 */
export class Evaluator {
  readonly n: number;
  readonly p: number;
  private readonly theta: Float64Array;
  private readonly f: Float64Array;
  private readonly jf: Float64Array | undefined;
  evaluations = 0;

  constructor(readonly prob: FitProblem) {
    this.n = prob.rows;
    this.p = prob.free.length;
    this.theta = new Float64Array(prob.base);
    this.f = new Float64Array(this.n);
    this.jf = new Float64Array(this.n * prob.names.length);
  }

  /** Fills r (and J, n×p internal) at u; returns the objective, NaN if any prediction is invalid. */
  eval(u: ArrayLike<number>, r: Float64Array, J?: Float64Array): number {
    const { prob, n, p, f } = this;
    this.evaluations++;
    toTheta(prob, u, this.theta);
    prob.program.evaluate(this.theta, f, J ? this.jf : undefined);
    const onLog = prob.objective.onLog;
    const w = prob.weights;
    let total = 0;
    for (let i = 0; i < n; i++) {
      const fi = f[i];
      const ri = (onLog ? Math.log(fi) : fi) - prob.yT[i];
      r[i] = ri;
      if (w) {
        if (w[i] !== 0) total += w[i] * prob.loss.value(ri);
      } else total += prob.loss.value(ri);
    }
    if (!Number.isFinite(total)) return NaN;
    if (J) {
      const P = prob.names.length;
      const jf = this.jf!;
      for (let k = 0; k < p; k++) {
        const j = prob.free[k];
        const chain = prob.logParam[j] ? this.theta[j] : 1;
        for (let i = 0; i < n; i++) J[i * p + k] = (jf[i * P + j] * chain) / (onLog ? f[i] : 1);
      }
    }
    return total;
  }

  get lo(): Float64Array {
    return this.prob.lo;
  }
  get hi(): Float64Array {
    return this.prob.hi;
  }
  get loss(): Loss {
    return this.prob.loss;
  }
  get weights(): Float64Array | undefined {
    return this.prob.weights;
  }

  /** Objective only. */
  value(u: ArrayLike<number>, r = new Float64Array(this.n)): number {
    return this.eval(u, r);
  }
}
