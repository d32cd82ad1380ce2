// Chinchilla approach 2: per compute budget a parabola of the target in ln(size); its vertex is the
// budget's optimum. Vertices outside the sampled sizes (or parabolas opening downward) are
// flagged and left out of the frontier, then ln N* and ln D* are regressed on ln C.
// `minimum parabola window K` and `minimum akima` find each budget's minimum as a sweep does
// (minimum.ts); akima interpolates ln(target) on Porian et al.'s (2024) dense grid. `… in D` seeks it
// along ln(tokens) instead, the other variable then read off its straight line within the budget.
import type { FrontierDraw } from './isoflopAnswers';
import type { BoundIsoflop } from '../model';
import type { IsoflopBudgetResult, IsoflopResult } from '../results';
import { diagnostic, type Diagnostic } from '../diagnostics';
import { leastSquares } from './linalg';
import { profileMinimum } from './minimum';
import { percentileInterval, mulberry32, streamSeed, studentQuantile } from './stats';

/** Runs whose budgets differ by less than this fraction belong to one isoFLOP profile. */
const BUDGET_TOLERANCE = 0.05;

interface BudgetFit extends IsoflopBudgetResult {
  /** Variance of ln N* per unit residual variance: g'(XᵀX)⁻¹g for the vertex (delta method). */
  vertexFactor: number;
  /** The parabola's residual sum of squares and degrees of freedom (runs − 3). */
  rss: number;
  dof: number;
  usable: boolean;
}

function fitBudget(
  budget: number,
  x: number[],
  yv: number[],
  lnD: number[],
  size: string,
  tokens: string,
): BudgetFit | undefined {
  const n = x.length;
  if (n < 3) return undefined;
  // Centre x for conditioning.
  const mx = x.reduce((a, b) => a + b, 0) / n;
  const xc = x.map((v) => v - mx);
  const cols = [Float64Array.from(xc, () => 1), Float64Array.from(xc), Float64Array.from(xc, (v) => v * v)];
  const y = Float64Array.from(yv);
  const c = leastSquares(cols, y);
  if (!c) return undefined;
  const [c0, c1, c2] = c;
  const vertexC = -c1 / (2 * c2);
  const xs = vertexC + mx;
  const xmin = Math.min(...x);
  const xmax = Math.max(...x);
  const edge = !(c2 > 0) || xs <= xmin || xs >= xmax;
  // ln D at the vertex: ln D is (near) affine in ln N within a budget.
  const dfit = leastSquares([Float64Array.from(xc, () => 1), Float64Array.from(xc)], Float64Array.from(lnD));
  const lnDs = dfit ? dfit[0] + dfit[1] * vertexC : NaN;
  // Residual variance and the covariance of (c1, c2) for the weight of this budget's vertex.
  let rss = 0;
  for (let i = 0; i < n; i++) rss += (y[i] - (c0 + c1 * xc[i] + c2 * xc[i] * xc[i])) ** 2;
  let vertexFactor = NaN;
  {
    const p = 3;
    const a = new Float64Array(9);
    for (let i = 0; i < p; i++)
      for (let j = 0; j < p; j++) for (let r = 0; r < n; r++) a[i * 3 + j] += cols[i][r] * cols[j][r];
    const inv = invert3(a);
    if (inv) {
      // d vertex / d c1 = -1/(2 c2), d vertex / d c2 = c1 / (2 c2^2)
      const g1 = -1 / (2 * c2);
      const g2 = c1 / (2 * c2 * c2);
      vertexFactor = g1 * g1 * inv[4] + 2 * g1 * g2 * inv[5] + g2 * g2 * inv[8];
    }
  }
  // Parabola reported in uncentred x: c0' + c1' x + c2' x^2.
  const parabola: [number, number, number] = [c0 - c1 * mx + c2 * mx * mx, c1 - 2 * c2 * mx, c2];
  return {
    budget,
    runs: n,
    at: { [size]: Math.exp(xs), [tokens]: Math.exp(lnDs) },
    value: c0 + c1 * vertexC + c2 * vertexC * vertexC,
    edge,
    parabola,
    vertexFactor,
    rss,
    dof: n - 3,
    usable: !edge && Number.isFinite(xs) && Number.isFinite(lnDs),
  };
}

/** Grid points per interval between sampled sizes for `minimum akima`: Porian et al.'s interp_num_multiplier. */
const AKIMA_GRID = 25;

/**
 * A budget's minimum by `minimum parabola window K` or `minimum akima`, along ln(size) or ln(tokens).
 * No vertex variance: such budgets weigh equally in the frontier (`weighted` needs the parabola).
 */
function fitBudgetProfile(
  iso: BoundIsoflop,
  budget: number,
  lnSize: number[],
  lnTokens: number[],
  target: number[],
): BudgetFit | undefined {
  const how = iso.minimum ?? { method: 'parabola' as const };
  const [seek, other] = iso.along === 'tokens' ? [lnTokens, lnSize] : [lnSize, lnTokens];
  // Akima interpolates ln(target), as Porian et al. do; the parabolas the target itself, as today's default.
  const onLog = how.method === 'akima';
  const m = profileMinimum(seek, onLog ? target.map(Math.log) : target, onLog ? { ...how, grid: AKIMA_GRID } : how);
  if (!m) return undefined;
  // The other variable at the minimum: ln D is (near) affine in ln N within a budget (exactly, for C = 6ND).
  const mx = seek.reduce((a, b) => a + b, 0) / seek.length;
  const line = leastSquares(
    [Float64Array.from(seek, () => 1), Float64Array.from(seek, (v) => v - mx)],
    Float64Array.from(other),
  );
  const otherAt = line ? line[0] + line[1] * (m.x - mx) : NaN;
  const [lnN, lnD] = iso.along === 'tokens' ? [otherAt, m.x] : [m.x, otherAt];
  return {
    budget,
    runs: seek.length,
    at: { [iso.size]: Math.exp(lnN), [iso.tokens]: Math.exp(lnD) },
    value: onLog ? Math.exp(m.y) : m.y,
    edge: m.edge,
    ...(m.parabola && iso.along !== 'tokens' ? { parabola: m.parabola } : {}),
    vertexFactor: NaN,
    rss: 0,
    dof: 0,
    usable: !m.edge && Number.isFinite(lnN) && Number.isFinite(lnD),
  };
}

function invert3(m: Float64Array): Float64Array | undefined {
  const [a, b, c, d, e, f, g, h, i] = m;
  const A = e * i - f * h;
  const B = -(d * i - f * g);
  const C = d * h - e * g;
  const det = a * A + b * B + c * C;
  if (!det) return undefined;
  const inv = [
    A,
    -(b * i - c * h),
    b * f - c * e,
    B,
    a * i - c * g,
    -(a * f - c * d),
    C,
    -(a * h - b * g),
    a * e - b * d,
  ];
  return Float64Array.from(inv, (v) => v / det);
}

/**
 * Rows grouped by a positive value (a budget, a model size): rows within BUDGET_TOLERANCE of a
 * group's smallest value join it; the group's value is their geometric mean (exact when equal).
 * Shared with `sweep` (sweep.ts), whose `per` variable groups its runs the same way.
 */
export function groupRows(values: Float64Array, rows: number[]): Map<number, number[]> {
  const sorted = [...rows].sort((a, b) => values[a] - values[b]);
  const groups = new Map<number, number[]>();
  for (let k = 0; k < sorted.length;) {
    const first = values[sorted[k]];
    const members: number[] = [];
    while (k < sorted.length && values[sorted[k]] <= first * (1 + BUDGET_TOLERANCE)) members.push(sorted[k++]);
    const mean = Math.exp(members.reduce((sum, i) => sum + Math.log(values[i]), 0) / members.length);
    groups.set(members.every((i) => values[i] === first) ? first : mean, members);
  }
  return groups;
}

/** Power law y = k C^e through the points, least squares in log-log (weighted when asked). */
export function powerLaw(
  lnC: number[],
  lnY: number[],
  w?: number[],
): { exponent: number; coefficient: number } | undefined {
  if (lnC.length < 2) return undefined;
  const sol = leastSquares(
    [Float64Array.from(lnC, () => 1), Float64Array.from(lnC)],
    Float64Array.from(lnY),
    w ? Float64Array.from(w) : undefined,
  );
  if (!sol) return undefined;
  return { exponent: sol[1], coefficient: Math.exp(sol[0]) };
}

export function fitIsoflop(iso: BoundIsoflop): {
  result: IsoflopResult;
  diagnostics: Diagnostic[];
  /** Each bootstrap resample's frontier, for intervals of N*(C) and D*(C) (isoflopAnswers.ts). */
  draws?: FrontierDraw[];
} {
  const diagnostics: Diagnostic[] = [];
  const col = (name: string) => iso.data.numeric.get(name);
  const C = col(iso.budget);
  const N = col(iso.size);
  const D = col(iso.tokens);
  const L = col(iso.target);
  const empty: IsoflopResult = {
    name: iso.name,
    budgets: [],
    frontier: null,
    intervals: null,
    minimum: minimumOf(iso),
  };
  if (!C || !N || !D || !L) {
    diagnostics.push(
      diagnostic(
        'error',
        'scaling.isoflop-missing-column',
        `isoflop '${iso.name}' needs columns ${iso.budget}, ${iso.size}, ${iso.tokens}, ${iso.target}`,
        iso.range,
      ),
    );
    return { result: empty, diagnostics };
  }
  // The default (a parabola over all of a budget's runs, along the size) keeps its own fit and its vertex variance.
  const byProfile = iso.minimum !== undefined || iso.along === 'tokens';
  // Group rows by budget. A budget computed per run (C = 6ND from rounded N and D) scatters around
  // its nominal value, so nearby budgets are one group (groupRows).
  const valid: number[] = [];
  for (let i = 0; i < iso.data.rowCount; i++) {
    if (![C[i], N[i], D[i], L[i]].every((v) => Number.isFinite(v)) || N[i] <= 0 || D[i] <= 0 || C[i] <= 0) continue;
    if (byProfile && iso.minimum?.method === 'akima' && !(L[i] > 0)) continue; // ln(target) needs it positive
    valid.push(i);
  }
  const groups = groupRows(C, valid);
  const fits: BudgetFit[] = [];
  const tooFew: string[] = [];
  const edges: string[] = [];
  const fmt = (c: number) => c.toExponential(2);
  for (const [budget, rows] of [...groups].sort((x, y) => x[0] - y[0])) {
    const lnN = rows.map((i) => Math.log(N[i]));
    const lnD = rows.map((i) => Math.log(D[i]));
    const f = byProfile
      ? fitBudgetProfile(
          iso,
          budget,
          lnN,
          lnD,
          rows.map((i) => L[i]),
        )
      : fitBudget(
          budget,
          lnN,
          rows.map((i) => L[i]),
          lnD,
          iso.size,
          iso.tokens,
        );
    if (!f) {
      tooFew.push(`${fmt(budget)} (${rows.length})`);
      continue;
    }
    if (f.edge) edges.push(fmt(budget));
    fits.push(f);
  }
  // One diagnostic per kind, not per budget: continuous budgets would otherwise flood the editor.
  const list = (xs: string[]) => xs.slice(0, 6).join(', ') + (xs.length > 6 ? `, … (${xs.length} in all)` : '');
  if (tooFew.length > 0)
    diagnostics.push(
      diagnostic(
        'warning',
        'scaling.isoflop-too-few-runs',
        `${tooFew.length} budget(s) have fewer than 3 runs, too few for a ${iso.minimum?.method === 'akima' ? 'minimum' : 'parabola'}, and are skipped: ${list(tooFew)} — runs are grouped by their exact ${iso.budget} value`,
        iso.range,
      ),
    );
  if (edges.length > 0)
    diagnostics.push(
      diagnostic(
        'warning',
        'scaling.isoflop-edge-minimum',
        `the minimum is not inside the sampled ${iso.along === 'tokens' ? 'tokens' : 'sizes'} for budget(s) ${list(edges)}, so they are left out of the frontier`,
        iso.range,
      ),
    );
  const usable = fits.filter((f) => f.usable);
  // A 3-run parabola passes through its points: no residual variance of its own. Such budgets
  // borrow the variance pooled over the budgets that have one; with none, the variances are taken
  // equal (they cancel out of the weighted fit) and only the vertex factors weigh.
  const pooledDof = usable.reduce((a, f) => a + Math.max(0, f.dof), 0);
  const pooled = pooledDof > 0 ? usable.reduce((a, f) => a + (f.dof > 0 ? f.rss : 0), 0) / pooledDof : 1;
  const varLnN = (f: BudgetFit) => (f.dof > 0 ? f.rss / f.dof : pooled) * f.vertexFactor;
  const frontierOf = (pts: BudgetFit[]) => {
    const lnC = pts.map((f) => Math.log(f.budget));
    const w = iso.weighted ? pts.map((f) => (varLnN(f) > 0 ? 1 / varLnN(f) : 0)) : undefined;
    const n = powerLaw(
      lnC,
      pts.map((f) => Math.log(f.at[iso.size])),
      w,
    );
    const d = powerLaw(
      lnC,
      pts.map((f) => Math.log(f.at[iso.tokens])),
      w,
    );
    return n && d ? { N: n, D: d } : null;
  };
  const frontier = usable.length >= 2 ? frontierOf(usable) : null;
  if (!frontier)
    diagnostics.push(
      diagnostic(
        'warning',
        'scaling.isoflop-no-frontier',
        'fewer than two budgets with an interior minimum: no frontier',
        iso.range,
      ),
    );
  let intervals: IsoflopResult['intervals'] = null;
  let frontierDraws: FrontierDraw[] | undefined;
  const u = iso.uncertainty;
  if (frontier && u.method === 'bootstrap') {
    // Resample budgets' vertices (the frontier's data points) with replacement.
    const draws = { N: [] as number[], D: [] as number[] };
    frontierDraws = [];
    for (let k = 0; k < u.resamples; k++) {
      const rand = mulberry32(streamSeed(u.seed, k));
      const pick = usable.map(() => usable[Math.floor(rand() * usable.length)]);
      if (new Set(pick.map((p) => p.budget)).size < 2) continue;
      const f = frontierOf(pick);
      if (f) {
        draws.N.push(f.N.exponent);
        draws.D.push(f.D.exponent);
        frontierDraws.push(f);
      }
    }
    const iN = percentileInterval(draws.N, u.level);
    const iD = percentileInterval(draws.D, u.level);
    if (iN && iD) intervals = { [`${iso.size}_exponent`]: iN, [`${iso.tokens}_exponent`]: iD };
  } else if (frontier && (u.method === 'asymptotic' || u.method === 'profile') && usable.length > 2) {
    // The frontier is a straight-line fit: its exact t-interval serves `profile` as well.
    // Student's t with the frontier regression's residual degrees of freedom (budgets − 2).
    const z = studentQuantile((1 + u.level) / 2, usable.length - 2);
    const lnC = usable.map((f) => Math.log(f.budget));
    const se = (ys: number[], slope: number, icpt: number) => {
      const m = lnC.reduce((a, b) => a + b, 0) / lnC.length;
      const sxx = lnC.reduce((a, b) => a + (b - m) ** 2, 0);
      const rss = ys.reduce((a, y, i) => a + (y - icpt - slope * lnC[i]) ** 2, 0);
      return Math.sqrt(rss / (ys.length - 2) / sxx);
    };
    const sN = se(
      usable.map((f) => Math.log(f.at[iso.size])),
      frontier.N.exponent,
      Math.log(frontier.N.coefficient),
    );
    const sD = se(
      usable.map((f) => Math.log(f.at[iso.tokens])),
      frontier.D.exponent,
      Math.log(frontier.D.coefficient),
    );
    intervals = {
      [`${iso.size}_exponent`]: [frontier.N.exponent - z * sN, frontier.N.exponent + z * sN],
      [`${iso.tokens}_exponent`]: [frontier.D.exponent - z * sD, frontier.D.exponent + z * sD],
    };
  }
  const budgets: IsoflopBudgetResult[] = fits.map(
    ({ vertexFactor: _v, rss: _r, dof: _d, usable: _u, ...rest }) => rest,
  );
  const uncertainty = intervals && u.method !== 'none' ? { method: u.method, level: u.level } : null;
  return {
    result: { name: iso.name, budgets, frontier, intervals, uncertainty, minimum: minimumOf(iso) },
    diagnostics,
    draws: frontierDraws,
  };
}

/** How the budgets' minima were found, for the JSON and the hover. */
export function minimumOf(iso: BoundIsoflop): NonNullable<IsoflopResult['minimum']> {
  const m = iso.minimum ?? { method: 'parabola' as const };
  return {
    method: m.method,
    window: m.method === 'parabola' ? (m.window ?? null) : null,
    along: iso.along === 'tokens' ? iso.tokens : iso.size,
  };
}
