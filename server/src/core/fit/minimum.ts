// The minimum of a sampled 1-D profile y(x), x being the log of the swept variable: a sweep's loss
// against ln(lr) in one group. Three ways, as approach 2 practice has them: a least-squares
// parabola through every point, a parabola through the K points around the lowest one (a
// profile that is not a parabola far from its minimum), or an Akima spline through the points
// (no shape assumed). `edge` says the minimum is not inside the sampled range: the profile was
// not swept far enough, and its x is then the lowest sampled point's, not an extrapolation.
import { leastSquares } from './linalg';

/**
 * `grid` (akima only): seek the minimum on `grid` evenly spaced points per interval between
 * sampled x (Porian et al. 2024 use 25 on a log grid), the argmin on the grid; interior unless it
 * is the grid's first or last point. Without it, the spline's exact minimum.
 */
export type MinimumMethod = { method: 'parabola'; window?: number } | { method: 'akima'; grid?: number };

export interface ProfileMinimum {
  /** x (a log) and y at the minimum. */
  x: number;
  y: number;
  edge: boolean;
  /** The parabola y = c0 + c1 x + c2 x² (parabola methods only). */
  parabola?: [number, number, number];
  /** The x range the minimum was sought over (the window for `parabola window K`). */
  range: [number, number];
}

/** Distinct x (sorted) with the mean y of the runs at each: repeated runs of one setting average out. */
export function profilePoints(x: number[], y: number[]): { x: number[]; y: number[] } {
  const byX = new Map<number, { sum: number; n: number }>();
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i]) || !Number.isFinite(y[i])) continue;
    const s = byX.get(x[i]) ?? { sum: 0, n: 0 };
    s.sum += y[i];
    s.n++;
    byX.set(x[i], s);
  }
  const xs = [...byX.keys()].sort((a, b) => a - b);
  return { x: xs, y: xs.map((v) => byX.get(v)!.sum / byX.get(v)!.n) };
}

function lowest(y: number[]): number {
  let k = 0;
  for (let i = 1; i < y.length; i++) if (y[i] < y[k]) k = i;
  return k;
}

function parabolaMinimum(x: number[], y: number[], all: { x: number[]; y: number[] }): ProfileMinimum | undefined {
  const mx = x.reduce((a, b) => a + b, 0) / x.length;
  const xc = x.map((v) => v - mx);
  const c = leastSquares(
    [Float64Array.from(xc, () => 1), Float64Array.from(xc), Float64Array.from(xc, (v) => v * v)],
    Float64Array.from(y),
  );
  if (!c) return undefined;
  const [c0, c1, c2] = c;
  const parabola: [number, number, number] = [c0 - c1 * mx + c2 * mx * mx, c1 - 2 * c2 * mx, c2];
  const range: [number, number] = [x[0], x[x.length - 1]];
  const vertex = mx - c1 / (2 * c2);
  if (c2 > 0 && vertex > range[0] && vertex < range[1]) {
    const v = vertex - mx;
    return { x: vertex, y: c0 + c1 * v + c2 * v * v, edge: false, parabola, range };
  }
  // Opening downward or a vertex outside the points: the lowest point sampled, flagged.
  const k = lowest(all.y);
  return { x: all.x[k], y: all.y[k], edge: true, parabola, range };
}

/** Akima's spline through the points (with his end extrapolation), as its cubic Hermite pieces. */
function akimaPieces(x: number[], y: number[]): { c: number; d: number; t: number }[] {
  const n = x.length;
  const m = new Array<number>(n + 3);
  for (let i = 0; i < n - 1; i++) m[i + 2] = (y[i + 1] - y[i]) / (x[i + 1] - x[i]);
  m[1] = 2 * m[2] - m[3];
  m[0] = 2 * m[1] - m[2];
  m[n + 1] = 2 * m[n] - m[n - 1];
  m[n + 2] = 2 * m[n + 1] - m[n];
  const t = x.map((_, i) => {
    const w1 = Math.abs(m[i + 3] - m[i + 2]);
    const w2 = Math.abs(m[i + 1] - m[i]);
    return w1 + w2 > 0 ? (w1 * m[i + 1] + w2 * m[i + 2]) / (w1 + w2) : (m[i + 1] + m[i + 2]) / 2;
  });
  // On [x_i, x_i+1]: p(s) = y_i + t_i s + c s² + d s³, s = x − x_i.
  return x.slice(0, -1).map((_, i) => {
    const h = x[i + 1] - x[i];
    return {
      t: t[i],
      c: (3 * m[i + 2] - 2 * t[i] - t[i + 1]) / h,
      d: (t[i] + t[i + 1] - 2 * m[i + 2]) / (h * h),
    };
  });
}

/** The Akima spline's exact minimum: each cubic piece's stationary points, and the sampled points. */
function akimaMinimum(x: number[], y: number[]): ProfileMinimum {
  const n = x.length;
  const pieces = akimaPieces(x, y);
  let best = { x: x[lowest(y)], y: y[lowest(y)] };
  for (let i = 0; i < n - 1; i++) {
    const { t, c, d } = pieces[i];
    const h = x[i + 1] - x[i];
    const p = (s: number) => y[i] + s * (t + s * (c + s * d));
    // p'(s) = t + 2c s + 3d s² = 0.
    const roots =
      Math.abs(d) < 1e-300
        ? c !== 0
          ? [-t / (2 * c)]
          : []
        : (() => {
            const disc = 4 * c * c - 12 * d * t;
            if (disc < 0) return [];
            const r = Math.sqrt(disc);
            return [(-2 * c + r) / (6 * d), (-2 * c - r) / (6 * d)];
          })();
    for (const s of roots) {
      if (!(s > 0 && s < h)) continue;
      const v = p(s);
      if (v < best.y) best = { x: x[i] + s, y: v };
    }
  }
  const edge = best.x <= x[0] || best.x >= x[n - 1];
  return { ...best, edge, range: [x[0], x[n - 1]] };
}

/**
 * The Akima spline's argmin on (n − 1)·perInterval evenly spaced x from the first sampled point to
 * the last, both included (numpy's geomspace in the log, as Porian et al. 2024 sample it). An
 * argmin at either end of the grid is an edge.
 */
function akimaGridMinimum(x: number[], y: number[], perInterval: number): ProfileMinimum {
  const n = x.length;
  const pieces = akimaPieces(x, y);
  const count = Math.max(3, (n - 1) * perInterval);
  const step = (x[n - 1] - x[0]) / (count - 1);
  let best = { k: 0, x: x[0], y: Infinity };
  let piece = 0;
  for (let k = 0; k < count; k++) {
    const g = k === count - 1 ? x[n - 1] : x[0] + k * step;
    while (piece < n - 2 && g > x[piece + 1]) piece++;
    const { t, c, d } = pieces[piece];
    const s = g - x[piece];
    const v = y[piece] + s * (t + s * (c + s * d));
    if (v < best.y) best = { k, x: g, y: v };
  }
  return { x: best.x, y: best.y, edge: best.k === 0 || best.k === count - 1, range: [x[0], x[n - 1]] };
}

/**
 * The minimum of one group's profile; undefined with fewer than three distinct x (no curvature to
 * find) or a window below three points.
 */
export function profileMinimum(xRaw: number[], yRaw: number[], how: MinimumMethod): ProfileMinimum | undefined {
  const all = profilePoints(xRaw, yRaw);
  if (all.x.length < 3) return undefined;
  if (how.method === 'akima') return how.grid ? akimaGridMinimum(all.x, all.y, how.grid) : akimaMinimum(all.x, all.y);
  const k = how.window;
  if (k === undefined || k >= all.x.length) return parabolaMinimum(all.x, all.y, all);
  if (k < 3) return undefined;
  // The K points around the lowest one, shifted inward at the ends of the sweep.
  const low = lowest(all.y);
  const from = Math.max(0, Math.min(all.x.length - k, low - Math.floor((k - 1) / 2)));
  const w = { x: all.x.slice(from, from + k), y: all.y.slice(from, from + k) };
  const r = parabolaMinimum(w.x, w.y, all);
  // The lowest point at the end of the whole sweep is an edge, whatever the window's parabola says.
  if (r && (low === 0 || low === all.x.length - 1) && !r.edge)
    return { x: all.x[low], y: all.y[low], edge: true, parabola: r.parabola, range: r.range };
  return r;
}
