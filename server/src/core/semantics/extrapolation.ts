// The one extrapolation rule: how far a `predict` or `optimize` point lies outside a law's fitted
// runs, per variable and on every `compute` value the point implies (C = 6ND at N = 70B, D = 1.4T
// is far past the data's compute even when N and D alone are not). The validator warns from it
// (scaling.extrapolation, so `check` and `fit` report it) and the hover shows the same warnings.
import type { BoundLaw, ComputeDef } from '../model';
import { formatNumber } from '../text';
import { evaluateConstant, namesIn } from './evaluate';

/** How far past the fitted runs a question may reach before we warn. */
export const EXTRAPOLATION_FACTOR = 10;

export interface Extrapolation {
  variable: string;
  value: number;
  /** value / largest fitted, or smallest fitted / value; 1 inside the range. */
  factor: number;
  above: boolean;
  /** The largest (above) or smallest fitted value. */
  edge: number;
}

/** Every variable of the point the law's runs have, and each compute value the point implies. */
export function extrapolations(law: BoundLaw, point: Record<string, number>, computes: ComputeDef[]): Extrapolation[] {
  const values: Record<string, number> = {};
  for (const [k, v] of Object.entries(point)) {
    if (law.variables.includes(k) || computes.some((c) => c.name === k)) values[k] = v;
  }
  for (const c of computes) {
    if (c.name in values || ![...namesIn(c.formula).keys()].every((n) => Object.hasOwn(values, n))) continue;
    const implied = evaluateConstant(c.formula, values);
    if (Number.isFinite(implied)) values[c.name] = implied;
  }
  const out: Extrapolation[] = [];
  for (const [variable, value] of Object.entries(values)) {
    const column = law.data.numeric.get(variable);
    if (!column || !(value > 0)) continue;
    let lo = Infinity;
    let hi = -Infinity;
    for (let r = 0; r < column.length; r++) {
      if (law.heldOut[r] || !(column[r] > 0)) continue;
      lo = Math.min(lo, column[r]);
      hi = Math.max(hi, column[r]);
    }
    if (!Number.isFinite(lo)) continue;
    const above = value > hi;
    const factor = above ? value / hi : value < lo ? lo / value : 1;
    out.push({ variable, value, factor, above, edge: above ? hi : lo });
  }
  return out;
}

/** Those past EXTRAPOLATION_FACTOR: what `check`, `fit` and the hover warn about. */
export function farExtrapolations(
  law: BoundLaw,
  point: Record<string, number>,
  computes: ComputeDef[],
): Extrapolation[] {
  return extrapolations(law, point, computes).filter((e) => e.factor > EXTRAPOLATION_FACTOR);
}

export function extrapolationMessage(what: string, e: Extrapolation): string {
  return `${what}: ${e.variable} = ${formatNumber(e.value)} is ${e.factor.toFixed(e.factor < 100 ? 1 : 0)}× ${e.above ? 'above the largest' : 'below the smallest'} fitted ${e.variable} (${formatNumber(e.edge)})`;
}
