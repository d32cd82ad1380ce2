// The likelihood each objective implies, maximised over its noise scale, for AIC and BIC.
//  - squares: Gaussian residuals, σ² = RSS/n:  ln L = −n/2 · (ln(2π·RSS/n) + 1).
//  - huber(δ): the density whose negative log is the Huber loss with a fitted scale τ (as
//    Besiroglu et al. 2024 read their objective): p(r) = exp(−ρ_δ(r)/τ) / Z(τ), with
//    Z(τ) = √(2πτ)·erf(δ/√(2τ)) + (2τ/δ)·exp(−δ²/(2τ)). The fitted parameters minimise Σρ_δ for
//    every τ, so they are the maximum-likelihood ones; τ is then maximised numerically.
// Both are densities of the residual in the objective's space; for `on log` the caller adds the
// Jacobian −Σ ln y so every law's likelihood is of the observed target y, whatever its space.
import type { Objective } from '../model';
import { lossOf } from './loss';
import { goldenMinimum } from './golden';

/** erf by Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7: a log-likelihood error far below 1e-3 per row). */
export function erf(x: number): number {
  const sign = x < 0 ? -1 : 1;
  const a = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * a);
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  return sign * (1 - poly * Math.exp(-a * a));
}

function gaussianLogLik(residuals: ArrayLike<number>): number {
  const n = residuals.length;
  let rss = 0;
  for (let i = 0; i < n; i++) rss += residuals[i] ** 2;
  return (-n / 2) * (Math.log((2 * Math.PI * rss) / n) + 1);
}

/** ln of the Huber density's normaliser Z(τ) (see the header). */
function huberLogNormaliser(tau: number, delta: number): number {
  const core = Math.sqrt(2 * Math.PI * tau) * erf(delta / Math.sqrt(2 * tau));
  const tails = ((2 * tau) / delta) * Math.exp((-delta * delta) / (2 * tau));
  return Math.log(core + tails);
}

function huberLogLik(residuals: ArrayLike<number>, delta: number): number {
  const n = residuals.length;
  const rho = lossOf({ loss: 'huber', delta, onLog: false });
  let sum = 0;
  for (let i = 0; i < n; i++) sum += rho.value(residuals[i]);
  const at = (lnTau: number) => -sum / Math.exp(lnTau) - n * huberLogNormaliser(Math.exp(lnTau), delta);
  // The optimum lies between the Laplace limit (τ = S/n) and the Gaussian one (τ = 2S/n):
  // a golden-section search over a wide bracket of ln τ around them.
  const centre = Math.log(sum / n);
  return -goldenMinimum((lnTau) => -at(lnTau), centre - 8, centre + 8, 200).min;
}

/**
 * Maximised log-likelihood of the residuals (objective space) under the objective's density;
 * null when it is unbounded (residuals all zero) or undefined.
 */
export function objectiveLogLik(residuals: ArrayLike<number>, objective: Objective): number | null {
  if (residuals.length === 0) return null;
  let any = false;
  for (let i = 0; i < residuals.length; i++) {
    if (!Number.isFinite(residuals[i])) return null;
    if (residuals[i] !== 0) any = true;
  }
  if (!any) return null;
  const v = objective.loss === 'squares' ? gaussianLogLik(residuals) : huberLogLik(residuals, objective.delta);
  return Number.isFinite(v) ? v : null;
}

/** AIC and BIC with k free parameters plus the noise scale. */
export function informationCriteria(logLik: number, k: number, n: number): { aic: number; bic: number } {
  return { aic: 2 * (k + 1) - 2 * logLik, bic: (k + 1) * Math.log(n) - 2 * logLik };
}
