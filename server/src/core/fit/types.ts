// What the stages of a law's fit share with their callers: the options a fit runs under, and the
// fitted law that predictions and optima read.
import type { Diagnostic } from '../diagnostics';
import type { BoundLaw } from '../model';
import type { LawResult } from '../results';
import type { Node } from './compile';
import type { QuantityProfiler } from './profileQuantity';

interface CancellationToken {
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
  onProgress?: (p: { law: string; phase: 'fit' | 'uncertainty' | 'isoflop' | 'compare' | 'plan' | 'done' }) => void;
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
  /** Noise and identifiability at the optimum, for intervals of derived quantities. */
  basis?: IntervalBasis;
  /** With `uncertainty profile`: the profile-likelihood interval of a quantity g(θ) (see profileQuantity.ts). */
  profiler?: QuantityProfiler;
}

/**
 * What a fitted law's later answers need for their intervals, besides its result (which carries the
 * draws): kept beside the results, not in the JSON, so the editor can answer a new predict line.
 */
export interface AnswerBasis {
  basis?: IntervalBasis;
  covariance?: Float64Array;
}

/** What intervals of predictions and optima need besides the draws or the covariance. */
export interface IntervalBasis {
  /** Residual degrees of freedom: fitted rows − free parameters. */
  dof: number;
  /** Residual variance in the objective's space (ln target for `on log`): rss/dof, or a robust scale² for Huber. */
  s2: number;
  onLog: boolean;
  /** Residuals at the optimum (objective space), resampled for bootstrap observation intervals. */
  residuals: Float64Array;
  /** Directions the data cannot pin down, unit vectors in scaled optimizer coordinates (u = scale·x). */
  weakDirs: Float64Array[];
  scale: Float64Array;
  /** Free parameters' indices, and which are optimized as ln(value). */
  free: number[];
  logParam: boolean[];
}

/** A stage that ends the fit early: why it stopped, and what is known so far. */
export interface StageFailure {
  failed: string;
  points?: LawResult['points'];
  node?: Node;
}

export function cancelled(opts: FitOptions): boolean {
  return !!(opts.signal?.aborted || opts.token?.isCancelled());
}
