// Checks on the optimum a law's search found: parameters on their bounds, identifiability (from
// the Jacobian there, which the asymptotic intervals reuse), convergence, and flat valleys.
import { diagnostic, type Diagnostic } from '../diagnostics';
import type { BoundLaw } from '../model';
import { checkIdentifiable } from './diagnose';
import type { FitProblem } from './problem';
import type { Search, Starts } from './searchStage';

/** The linearisation at the optimum. */
export interface AtOptimum {
  /** Residuals at the optimum, one per fitted row. */
  r: Float64Array;
  /** (JᵀJ)⁻¹ in the optimizer's coordinates, free × free. */
  inverse: Float64Array;
  /** Distinct optima within 1e-6 of the best objective. */
  nearBest: number;
  /** Jacobian at the optimum, n × free, optimizer coordinates. */
  J: Float64Array;
  /** Directions the data cannot pin down (unit vectors in coordinates scaled by `scale`: u = scale·x). */
  weakDirs: Float64Array[];
  scale: Float64Array;
}

export function checkOptimum(
  law: BoundLaw,
  { prob, ev }: Starts,
  { ms, best }: Search,
  theta: Float64Array,
  diags: Diagnostic[],
): AtOptimum {
  const names = law.params.map((p) => p.name);
  const freeNames = prob.free.map((j) => names[j]);
  checkBounds(law, prob, theta, diags);
  // Jacobian at the optimum for identifiability and asymptotic errors.
  const n = prob.rows;
  const p = prob.free.length;
  const r = new Float64Array(n);
  const J = new Float64Array(n * p);
  ev.eval(best.u, r, J);
  // A weighted fit linearises as rows scaled by √w: (JᵀWJ)⁻¹ and Σ w r² for the intervals.
  const w = prob.weights;
  if (w)
    for (let i = 0; i < n; i++) {
      const s = Math.sqrt(w[i]);
      r[i] *= s;
      for (let k = 0; k < p; k++) J[i * p + k] *= s;
    }
  const coordinateNames = prob.free.map((j) => (prob.logParam[j] ? `ln ${names[j]}` : names[j]));
  const ident = checkIdentifiable(law, J, n, p, freeNames, diags, coordinateNames);
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
  return { r, inverse: ident.inverse, nearBest: nearBest.length, J, weakDirs: ident.weakDirs, scale: ident.scale };
}

/** Ending on a bound. */
export function checkBounds(law: BoundLaw, prob: FitProblem, theta: Float64Array, diags: Diagnostic[]): void {
  prob.free.forEach((j) => {
    const spec = law.params[j];
    const v = theta[j];
    // Relative to the parameter's scale: the width of a finite range, else its own size (k = 4.5e-8
    // in (0, inf) is a small scale, not one on its bound).
    const width = spec.upper - spec.lower;
    const finiteAbs = (b: number) => (Number.isFinite(b) ? Math.abs(b) : 0);
    const scale = Number.isFinite(width) ? width : Math.max(Math.abs(v), finiteAbs(spec.lower), finiteAbs(spec.upper));
    const at = (b: number) => Number.isFinite(b) && Math.abs(v - b) <= 1e-6 * scale;
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
}

function fmt(v: number): string {
  return Number.isFinite(v) ? Number(v.toPrecision(6)).toString() : String(v);
}
