// Bootstrap refits. Each resample is a vector of row weights (counts), so the compiled problem
// is reused: no copying of rows. Resample k draws from its own seeded stream, which makes the
// result independent of how resamples are split across workers.
import type { Expr } from '../syntax/ast';
import type { Objective, ParamSpec } from '../model';
import { levenbergMarquardt, LmWorkspace } from './lm';
import { buildProblem, Evaluator, toInternal, toTheta } from './problem';
import { mulberry32, streamSeed } from './stats';

/** Everything a worker needs to rebuild a law's problem (structured-clone friendly). */
export interface BootstrapTask {
  formula: Expr;
  params: ParamSpec[];
  variables: string[];
  objective: Objective;
  columns: Float64Array[];
  y: Float64Array;
  /** Group id per row (0..groups-1); undefined: resample rows. */
  groups: Int32Array | undefined;
  groupCount: number;
  theta: Float64Array;
  seed: number;
  from: number;
  to: number;
  /** Wall-clock deadline (Date.now() ms, valid across threads): later resamples are left NaN. */
  deadline?: number;
}

/** Row weights of resample k. */
function resampleWeights(
  k: number,
  seed: number,
  rows: number,
  groups: Int32Array | undefined,
  groupCount: number,
): Float64Array {
  const rand = mulberry32(streamSeed(seed, k));
  const w = new Float64Array(rows);
  if (!groups) {
    for (let i = 0; i < rows; i++) w[Math.floor(rand() * rows)]++;
    return w;
  }
  const gw = new Float64Array(groupCount);
  for (let g = 0; g < groupCount; g++) gw[Math.floor(rand() * groupCount)]++;
  for (let i = 0; i < rows; i++) w[i] = gw[groups[i]];
  return w;
}

/** Refits resamples [from, to) from the full-data optimum (one local polish each). Returns draws row-major. */
export function runBootstrap(task: BootstrapTask, interrupt?: () => boolean): Float64Array {
  const prob = buildProblem(task, task.columns, task.y);
  const ev = new Evaluator(prob);
  const ws = new LmWorkspace(ev.n, ev.p);
  const P = prob.names.length;
  const u0 = toInternal(prob, task.theta);
  const out = new Float64Array((task.to - task.from) * P).fill(NaN);
  for (let k = task.from; k < task.to; k++) {
    if ((task.deadline !== undefined && Date.now() > task.deadline) || interrupt?.()) break;
    prob.weights = resampleWeights(k, task.seed, prob.rows, task.groups, task.groupCount);
    const res = levenbergMarquardt(ev, u0, { maxIterations: 200, ftol: 1e-10 }, ws);
    const theta = Number.isFinite(res.value) ? toTheta(prob, res.u) : new Float64Array(P).fill(NaN);
    out.set(theta, (k - task.from) * P);
  }
  return out;
}
