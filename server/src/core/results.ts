// What a fitted study produces. A value a failed fit could not compute is null (as in the JSON),
// never NaN, so the compiler makes every display check for it.
// What a fitted study produces. `fit --json` prints exactly this shape (plus `study` and
// `diagnostics`); hover, inlay hints, reports and plots read the same objects, so their numbers agree.

export type Interval = [number, number];

export interface LawResult {
  name: string;
  formula: string;
  params: Record<string, number>;
  /**
   * Per free parameter; a parameter's entry is null when the data cannot pin it down (see the
   * `scaling.unidentifiable` diagnostic). The whole field is null without `uncertainty`.
   */
  intervals: Record<string, Interval | null> | null;
  objective: { kind: 'squares' | 'huber'; delta: number | null; space: 'linear' | 'log'; value: number | null };
  points: { fit: number; holdout: number; dropped: number };
  /** Error on the held-out runs: mean absolute percentage error as a fraction (0.012 = 1.2%), RMSE of log target. */
  holdout: { mape: number; rmse_log: number } | null;
  /**
   * Starts: declared by the grid, screened (initial objective evaluated, incl. seeds), optimized,
   * and agreed (optimized runs that ended at the best optimum); `search` is the law's strategy.
   */
  starts: {
    declared: number;
    screened: number;
    optimized: number;
    agreed: number;
    search: 'screened' | 'exhaustive';
    /** Of the optimized, the extra seeds the engine added (variable projection). */
    seeds?: number;
  };
  converged: boolean;
  stop_reason: string;
  /** A published law: not fitted; its source and how its numbers were verified. */
  published?: { id: string; source: string; units: string; verification: string };
  /** Bootstrap seed, when the law has `uncertainty bootstrap`. */
  seed: number | null;
  /**
   * How the parameters' `intervals` were made; null without them. `profile` only where profile
   * intervals were computed (a Huber fit with `uncertainty profile` gets `asymptotic` ones).
   */
  interval_method?: 'bootstrap' | 'asymptotic' | 'profile' | null;
  seconds: number;
  /** Spread among the best starts: how many distinct optima ended within 1e-6 relative of the best. */
  spread?: { best_objectives: number[]; distinct_optima: number };
  /** Per data row, in the order of the law's data table: observed, fitted, held out. */
  residuals?: { observed: number; fitted: number; heldOut: boolean }[];
  /** Bootstrap draws of each parameter (for the distribution plot), when bootstrapped. */
  draws?: Record<string, number[]>;
  level?: number | null;
  /** `weight EXPR`, as written: each row's term of the objective is multiplied by it. */
  weight?: string;
  /** `per COLUMN` (issue 10.1): the column, the jointly fitted parameters, and each group's fit. */
  per?: string;
  shared?: string[];
  groups?: GroupResult[];
  /** Bootstrap bookkeeping: refits that did not converge (left out) and resamples cut by the time budget. */
  bootstrap?: { resamples: number; failed: number; skipped: number };
}

/** One group of a `per` law: its value as written in the data, and every field of a law's entry. */
export type GroupResult = { value: string | number } & LawResult;

export interface IsoflopBudgetResult {
  budget: number;
  runs: number;
  at: Record<string, number>; // the minimum: N*, D*
  value: number; // L at the minimum
  edge: boolean; // minimum on the edge of the sampled sizes (or tokens): left out of the frontier
  /** The parabola: target = c0 + c1*x + c2*x^2 with x = ln(size) (parabola methods along the size only). */
  parabola?: [number, number, number];
}

export interface IsoflopResult {
  name: string;
  budgets: IsoflopBudgetResult[];
  frontier: {
    N: { exponent: number; coefficient: number };
    D: { exponent: number; coefficient: number };
  } | null;
  intervals: Record<string, Interval> | null;
  /** How the frontier exponents' intervals were made, when there are any. */
  uncertainty?: { method: 'bootstrap' | 'asymptotic' | 'profile'; level: number } | null;
  /** How each budget's minimum was found (`minimum …`), and along which variable (absent in older results). */
  minimum?: { method: 'parabola' | 'akima'; window: number | null; along: string };
  /** `per COLUMN`: the column and each group's analysis (the top level then has no budgets). */
  per?: string;
  groups?: ({ value: string | number } & IsoflopResult)[];
}

/** One point of approach 1's envelope: at this compute, the run with the lowest (interpolated) loss. */
export interface EnvelopePoint {
  budget: number;
  run: string;
  at: Record<string, number>; // that run's N, and its D at this compute
  value: number; // L on the envelope
  /** The best run is the smallest or largest model overall: the point says nothing about the optimum. */
  edge: boolean;
}

/** Chinchilla's approach 1: the training-curve envelope and the frontier regressed through it. */
export interface EnvelopeResult {
  name: string;
  points: EnvelopePoint[];
  frontier: IsoflopResult['frontier'];
  intervals: Record<string, Interval> | null;
  /** How the frontier exponents' intervals were made (bootstrap by run), when there are any. */
  uncertainty?: { method: 'bootstrap'; level: number } | null;
}

export interface PredictionResult {
  law: string;
  at: Record<string, number>;
  /** null when the prediction failed (a diagnostic on its line says why). */
  value: number | null;
  /** Confidence interval of the law's mean at this point; null without uncertainty or when the data cannot pin it down. */
  interval: Interval | null;
  /** Prediction interval for one new run's observed value: the mean's uncertainty plus the residual noise. */
  observation_interval: Interval | null;
  level: number | null;
  /** On a `per` law: the group this prediction is for. */
  group?: string | number;
  /** How `interval` was made (absent without one, and in older results). */
  interval_method?: 'bootstrap' | 'asymptotic' | 'profile';
}

export interface OptimumResult {
  law: string;
  budget: Record<string, number>;
  at: Record<string, number>; // N, D (and any other free variable)
  /** L*; null when no optimum could be computed (a diagnostic on its line says why). */
  value: number | null;
  /** Per quantity (N, D, …, and the target); null when it depends on what the data cannot pin down. */
  intervals: Record<string, Interval | null>;
  /** On a `per` law: the group this optimum is for. */
  group?: string | number;
  /** How the `intervals` were made (absent without any, and in older results). */
  interval_method?: 'bootstrap' | 'asymptotic' | 'profile';
  /** With `inference = I`: training plus inference FLOPs (k·N·D + 2·N·I) at the allocation. */
  total_compute?: number;
  /** With `inference = I`: the training-only answer to the same question, to show how far N*, D* move. */
  training_only?: { at: Record<string, number>; value: number };
}

/** `frontier LAW over C = a..b`: one optimum per budget (each as `optimize LAW for C = budget`). */
export interface FrontierResult {
  law: string;
  /** The budget variable (C). */
  variable: string;
  points: Pick<OptimumResult, 'budget' | 'at' | 'value' | 'intervals'>[];
  /** On a `per` isoflop: the group this frontier is for (one entry per group). */
  group?: string | number;
}

/** One proposed run of a `plan`: where, what it costs, and the target's expected width once it (and the runs before it) are in. */
export interface PlannedRunResult {
  at: Record<string, number>;
  cost: number;
  expected_width: number;
  /** The law's value there now (where the plot draws the run). */
  predicted: number | null;
}

/**
 * `plan LAW at … budget B` | `plan LAW for C = … budget B`: the runs, chosen greedily by expected
 * interval reduction per unit of compute from the current fit's Fisher information, that shrink
 * the target's interval most within the budget. Widths are asymptotic (delta-method, Student t)
 * widths at `level`, whatever the law's own uncertainty method.
 */
export interface PlanResult {
  law: string;
  /** The prediction (at a point) or the optimum's quantity (N* for a compute budget) to sharpen, with its value now. */
  target:
    | { kind: 'predict'; at: Record<string, number>; value: number | null }
    | { kind: 'optimum'; budget: Record<string, number>; quantity: string; value: number | null };
  budget: number;
  /** The compute variable that prices each run. */
  cost_variable: string;
  /** How many candidate runs were ranked (a log grid within and beyond the data). */
  candidates: number;
  runs: PlannedRunResult[];
  /** null when no plan could be made (a diagnostic on its line says why). */
  width_before: number | null;
  width_after: number | null;
  /** The compute the proposed runs spend together (≤ budget). */
  spent: number;
  level: number;
}

/** One group of a `sweep` (one value of its `per` variable): where the swept variable is best. */
export interface SweepGroupResult {
  /** The `per` variable's value (N). */
  value: number;
  runs: number;
  /** The best value of the swept variable: `{lr: 3e-3}`. */
  at: Record<string, number>;
  /** The target at that minimum. */
  value_min: number;
  /** The minimum is not inside the swept values (then `at` is the lowest run's); left out of the law. */
  edge: boolean;
  /** The parabola in ln(over), target = c0 + c1·x + c2·x², for the parabola methods. */
  parabola?: [number, number, number];
}

/** `sweep NAME { over lr  per N … }`: the best `over` per group, then over* = coefficient · per^exponent. */
export interface SweepResult {
  name: string;
  over: string;
  per: string;
  target: string;
  minimum: { method: 'parabola' | 'akima'; window: number | null };
  groups: SweepGroupResult[];
  /** null with fewer than two groups with an interior minimum (a diagnostic says so). */
  law: { exponent: number; coefficient: number } | null;
  /** Of the law's exponent and coefficient; null without uncertainty or without a law. */
  intervals: { exponent: Interval | null; coefficient: Interval | null } | null;
  uncertainty: { method: 'bootstrap' | 'asymptotic' | 'profile'; level: number } | null;
}

/** One law's row in a `compare` table. Values a law could not give are null (a diagnostic says why). */
export interface ComparedLaw {
  law: string;
  /** Free parameters of the law (a published law: 0). The noise scale counts once more in AIC and BIC. */
  k: number;
  /** Rows the likelihood is over: the law's fitted rows. */
  n: number;
  objective: { kind: 'squares' | 'huber'; delta: number | null; space: 'linear' | 'log' };
  /** Maximised log-likelihood of the observed target (see docs/engine.md, "Comparing laws"). */
  log_likelihood: number | null;
  aic: number | null;
  bic: number | null;
  holdout: { mape: number; rmse_log: number } | null;
  /** RMSE of ln target over every row, each predicted by the refit that left its fold out; null without `cv`. */
  cv: number | null;
}

/** `compare a, b [cv …]`: the laws side by side, the best by the criterion named. */
export interface ComparisonResult {
  name?: string;
  /** `cv` when the statement asks for cross-validation, else `aic`. */
  criterion: 'aic' | 'cv';
  /** The folds: K by a seeded shuffle, or one per value of a column; null without `cv`. */
  cv: { folds: number; seed: number } | { by: string; folds: number } | null;
  /** The winning law's name; null when a law has no value of the criterion. */
  best: string | null;
  laws: ComparedLaw[];
}

export interface JsonDiagnostic {
  severity: 'error' | 'warning' | 'info' | 'hint';
  code: string;
  message: string;
  line: number; // 1-based
  column: number; // 1-based
}

export interface StudyResults {
  study: string | null;
  laws: LawResult[];
  isoflops: IsoflopResult[];
  /** Approach 1 results; always written by fitStudy (optional only for documents made before it existed). */
  envelopes?: EnvelopeResult[];
  predictions: PredictionResult[];
  optima: OptimumResult[];
  /** Absent in results from before frontiers existed. */
  frontiers?: FrontierResult[];
  /** Absent in results from before plans existed. */
  plans?: PlanResult[];
  /** Absent in results from before sweeps existed. */
  sweeps?: SweepResult[];
  /** Absent in results from before `compare` existed. */
  comparisons?: ComparisonResult[];
  diagnostics: JsonDiagnostic[];
}
