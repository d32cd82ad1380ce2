// Objectives: sum (not mean) of squares or Huber over residuals, optionally weighted per row.
import type { Objective } from '../model';

export interface Loss {
  /** rho(r): the per-row objective. */
  value(r: number): number;
  /** rho'(r). */
  slope(r: number): number;
  /** rho'(r)/r: the IRLS curvature weight (a majoriser of rho around r). */
  curvature(r: number): number;
}

export const squares: Loss = {
  value: (r) => r * r,
  slope: (r) => 2 * r,
  curvature: () => 2,
};

/** scipy.special.huber: r^2/2 inside delta, delta(|r| - delta/2) outside (Hoffmann, Epoch). */
function huber(delta: number): Loss {
  return {
    value: (r) => {
      const a = Math.abs(r);
      return a <= delta ? 0.5 * r * r : delta * (a - 0.5 * delta);
    },
    slope: (r) => (Math.abs(r) <= delta ? r : r > 0 ? delta : -delta),
    curvature: (r) => {
      const a = Math.abs(r);
      return a <= delta ? 1 : delta / a;
    },
  };
}

export function lossOf(o: Objective): Loss {
  return o.loss === 'squares' ? squares : huber(o.delta);
}
