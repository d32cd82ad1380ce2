// Chinchilla approach 1 (Hoffmann et al. 2022, §3.1, Figure 2): the training-curve envelope. At
// log-spaced compute values over the whole logged range, the run with the lowest loss (each run's
// ln L interpolated linearly in ln C, only inside its own logged range) gives one point (N, D) of the
// optimum; ln N and ln D of those points are regressed on ln C. A point whose best run is the smallest
// or largest model says only "smaller (larger) would be better": it is marked and left out.
import { rowPlace, type BoundIsoflop } from '../model';
import type { EnvelopePoint, EnvelopeResult } from '../results';
import { diagnostic, type Diagnostic } from '../diagnostics';
import { checkCurves, rowsByRun } from '../data/curves';
import { powerLaw } from './isoflop';
import type { FrontierDraw } from './isoflopAnswers';
import { mulberry32, percentileInterval, streamSeed } from './stats';

/** Compute values on the envelope's grid, log-spaced over the logged range (documented in docs/engine.md). */
export const ENVELOPE_GRID = 250;

interface Curve {
  run: string;
  size: number;
  lnC: Float64Array; // increasing
  lnL: Float64Array;
  lnD: Float64Array;
}

/** Linear interpolation of ys at x in increasing xs (x inside [xs[0], xs[last]]). */
function interpolate(xs: Float64Array, ys: Float64Array, x: number): number {
  let lo = 0;
  let hi = xs.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (xs[mid] <= x) lo = mid;
    else hi = mid;
  }
  const span = xs[hi] - xs[lo];
  const t = span > 0 ? (x - xs[lo]) / span : 0;
  return ys[lo] + t * (ys[hi] - ys[lo]);
}

export function fitEnvelope(iso: BoundIsoflop): {
  result: EnvelopeResult;
  diagnostics: Diagnostic[];
  /** Each bootstrap resample's frontier, for the intervals of `optimize`/`frontier` answers. */
  draws?: FrontierDraw[];
} {
  const diagnostics: Diagnostic[] = [];
  const empty: EnvelopeResult = { name: iso.name, points: [], frontier: null, intervals: null };
  const col = (name: string) => iso.data.numeric.get(name);
  const [C, N, D, L] = [col(iso.budget), col(iso.size), col(iso.tokens), col(iso.target)];
  const runColumn = iso.run ? (iso.data.text.get(iso.run) ?? col(iso.run)) : undefined;
  if (!C || !N || !D || !L || !runColumn) {
    diagnostics.push(
      diagnostic(
        'error',
        'scaling.isoflop-missing-column',
        `envelope '${iso.name}' needs columns ${iso.budget}, ${iso.size}, ${iso.tokens}, ${iso.target} and a run column`,
        iso.range,
      ),
    );
    return { result: empty, diagnostics };
  }
  const runs =
    typeof runColumn[0] === 'string' ? (runColumn as string[]) : Array.from(runColumn as ArrayLike<number>, String);
  const byRun = rowsByRun(runs);
  const at = (i: number) => {
    const o = iso.data.origin.at(i)!;
    return o && 'file' in o ? `${rowPlace(o, i)}: ` : '';
  };
  // Curves must move forward in compute; runs with one point have no curve.
  const bad = new Set<string>();
  for (const { problem: p, runs: count } of checkCurves(runs, C, byRun)) {
    const others = count > 1 ? ` (and ${count - 1} more)` : '';
    if (p.kind !== 'one-point') bad.add(p.run);
    diagnostics.push(
      diagnostic(
        p.kind === 'one-point' ? 'warning' : 'error',
        p.kind === 'one-point' ? 'scaling.curve-one-point' : 'scaling.curve-order',
        p.kind === 'one-point'
          ? `${at(p.row)}run '${p.run}' has one logged point${others}: it is left out of the envelope`
          : `${at(p.row)}run '${p.run}' ${p.kind === 'repeated' ? `logs ${iso.budget} ${p.step} twice` : `goes back in ${iso.budget}`}${others}: its curve is left out of the envelope`,
        iso.range,
      ),
    );
  }
  const curves: Curve[] = [];
  for (const [run, rows] of byRun) {
    if (bad.has(run)) continue;
    const ok = rows.filter((i) => C[i] > 0 && L[i] > 0 && D[i] > 0 && N[i] > 0);
    if (ok.length < 2) continue;
    curves.push({
      run,
      size: N[ok[ok.length - 1]],
      lnC: Float64Array.from(ok, (i) => Math.log(C[i])),
      lnL: Float64Array.from(ok, (i) => Math.log(L[i])),
      lnD: Float64Array.from(ok, (i) => Math.log(D[i])),
    });
  }
  if (curves.length < 3) {
    diagnostics.push(
      diagnostic(
        'warning',
        'scaling.isoflop-no-frontier',
        `envelope '${iso.name}' has ${curves.length} usable curve(s): approach 1 needs runs of three or more sizes`,
        iso.range,
      ),
    );
    return { result: empty, diagnostics };
  }
  const lo = Math.min(...curves.map((c) => c.lnC[0]));
  const hi = Math.max(...curves.map((c) => c.lnC[c.lnC.length - 1]));
  const grid = Float64Array.from({ length: ENVELOPE_GRID }, (_, k) => lo + ((hi - lo) * k) / (ENVELOPE_GRID - 1));
  // lnL of each curve at each grid compute (NaN outside its logged range): computed once, reused by
  // every bootstrap resample, which only changes which curves compete.
  const R = curves.length;
  const loss = new Float64Array(ENVELOPE_GRID * R).fill(NaN);
  for (let r = 0; r < R; r++) {
    const c = curves[r];
    const first = c.lnC[0];
    const last = c.lnC[c.lnC.length - 1];
    for (let g = 0; g < ENVELOPE_GRID; g++)
      if (grid[g] >= first && grid[g] <= last) loss[g * R + r] = interpolate(c.lnC, c.lnL, grid[g]);
  }
  const sizes = curves.map((c) => c.size);
  const smallest = Math.min(...sizes);
  const largest = Math.max(...sizes);
  /** The best curve per grid point among `alive` (0/1 per curve); -1 where none is logged. */
  const bestRuns = (alive: Uint8Array): Int32Array => {
    const best = new Int32Array(ENVELOPE_GRID).fill(-1);
    for (let g = 0; g < ENVELOPE_GRID; g++) {
      let min = Infinity;
      for (let r = 0; r < R; r++) {
        const v = loss[g * R + r];
        if (alive[r] && v < min) {
          min = v;
          best[g] = r;
        }
      }
    }
    return best;
  };
  const frontierOf = (best: Int32Array, alive: Uint8Array) => {
    let lo = Infinity;
    let hi = -Infinity;
    for (let r = 0; r < R; r++)
      if (alive[r]) {
        lo = Math.min(lo, sizes[r]);
        hi = Math.max(hi, sizes[r]);
      }
    const lnC: number[] = [];
    const lnN: number[] = [];
    const lnD: number[] = [];
    for (let g = 0; g < ENVELOPE_GRID; g++) {
      const r = best[g];
      if (r < 0 || sizes[r] === lo || sizes[r] === hi) continue;
      lnC.push(grid[g]);
      lnN.push(Math.log(sizes[r]));
      lnD.push(interpolate(curves[r].lnC, curves[r].lnD, grid[g]));
    }
    if (new Set(lnN).size < 2) return null;
    const n = powerLaw(lnC, lnN);
    const d = powerLaw(lnC, lnD);
    return n && d ? { N: n, D: d } : null;
  };
  const all = new Uint8Array(R).fill(1);
  const best = bestRuns(all);
  const points: EnvelopePoint[] = [];
  for (let g = 0; g < ENVELOPE_GRID; g++) {
    const r = best[g];
    if (r < 0) continue;
    const c = curves[r];
    points.push({
      budget: Math.exp(grid[g]),
      run: c.run,
      at: { [iso.size]: c.size, [iso.tokens]: Math.exp(interpolate(c.lnC, c.lnD, grid[g])) },
      value: Math.exp(loss[g * R + r]),
      edge: c.size === smallest || c.size === largest,
    });
  }
  const frontier = frontierOf(best, all);
  if (!frontier)
    diagnostics.push(
      diagnostic(
        'warning',
        'scaling.isoflop-no-frontier',
        `on every compute of envelope '${iso.name}' the best run is the smallest or largest model, or only one size is optimal: no frontier (add runs of sizes in between, or longer curves)`,
        iso.range,
      ),
    );
  let intervals: EnvelopeResult['intervals'] = null;
  let frontierDraws: FrontierDraw[] | undefined;
  const u = iso.uncertainty;
  if (frontier && u.method === 'bootstrap') {
    // Resample whole runs (curves) with replacement: a run drawn twice competes once on the envelope.
    const draws = { N: [] as number[], D: [] as number[] };
    frontierDraws = [];
    const alive = new Uint8Array(R);
    for (let k = 0; k < u.resamples; k++) {
      const rand = mulberry32(streamSeed(u.seed, k));
      alive.fill(0);
      for (let i = 0; i < R; i++) alive[Math.floor(rand() * R)] = 1;
      const f = frontierOf(bestRuns(alive), alive);
      if (f) {
        draws.N.push(f.N.exponent);
        draws.D.push(f.D.exponent);
        frontierDraws.push(f);
      }
    }
    const iN = percentileInterval(draws.N, u.level);
    const iD = percentileInterval(draws.D, u.level);
    if (iN && iD) intervals = { [`${iso.size}_exponent`]: iN, [`${iso.tokens}_exponent`]: iD };
  }
  const uncertainty = intervals && u.method === 'bootstrap' ? { method: u.method, level: u.level } : null;
  return { result: { name: iso.name, points, frontier, intervals, uncertainty }, diagnostics, draws: frontierDraws };
}
