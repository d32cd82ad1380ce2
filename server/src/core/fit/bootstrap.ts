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
  /** Wall-clock deadline (Date.now() ms, valid across threads): later resamples are skipped. */
  deadline?: number;
  /** Iteration limit of each refit (default 200); a refit that reaches it counts as failed. */
  maxIterations?: number;
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

/** What became of one resample's refit. */
export const DrawStatus = { ok: 0, failed: 1, skipped: 2 } as const;

/** Draws (row-major, NaN unless ok) and a DrawStatus per resample. */
export interface BootstrapSlice {
  draws: Float64Array;
  status: Uint8Array;
}

/**
 * Refits resamples [from, to) from the full-data optimum (one local polish each). A refit that
 * stops without converging (iteration limit, non-finite objective) is failed, not a draw: its
 * parameters are wherever the optimizer gave up. Resamples past the deadline are skipped.
 */
export function runBootstrap(task: BootstrapTask, interrupt?: () => boolean): BootstrapSlice {
  const prob = buildProblem(task, task.columns, task.y);
  const ev = new Evaluator(prob);
  const ws = new LmWorkspace(ev.n, ev.p);
  const P = prob.names.length;
  const u0 = toInternal(prob, task.theta);
  const count = task.to - task.from;
  const draws = new Float64Array(count * P).fill(NaN);
  const status = new Uint8Array(count).fill(DrawStatus.skipped);
  for (let k = task.from; k < task.to; k++) {
    if ((task.deadline !== undefined && Date.now() > task.deadline) || interrupt?.()) break;
    prob.weights = resampleWeights(k, task.seed, prob.rows, task.groups, task.groupCount);
    const res = levenbergMarquardt(ev, u0, { maxIterations: task.maxIterations ?? 200, ftol: 1e-10 }, ws);
    if (res.stop === 'interrupted') break;
    const ok = res.converged && Number.isFinite(res.value);
    status[k - task.from] = ok ? DrawStatus.ok : DrawStatus.failed;
    if (ok) draws.set(toTheta(prob, res.u), (k - task.from) * P);
  }
  return { draws, status };
}
