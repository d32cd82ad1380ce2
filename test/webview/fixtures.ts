// Realistic plot models for the webview tests and the bench: a synthetic Chinchilla isoFLOP sweep
// (L = E + A/N^alpha + B/D^beta with noise), two laws (chinchilla, kaplan), a hold-out, predictions, an optimum,
// an isoflop block with its frontier, and bootstrap draws. Built through the real buildPlotModel.

import {
  buildPlotModel,
  type CurveSampler,
  type IsoflopRuns,
  type LawRuns,
  type PlotModel,
  type PlotSources,
} from '../../protocol/plot';
import type {
  IsoflopBudgetResult,
  IsoflopResult,
  LawResult,
  OptimumResult,
  PredictionResult,
  StudyResults,
  SweepGroupResult,
  SweepResult,
} from '../../server/src/core/results';

/** Deterministic PRNG (mulberry32) and a normal draw. */
function rng(seed: number) {
  let a = seed >>> 0;
  const uniform = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const normal = () => {
    const u = Math.max(1e-12, uniform());
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * uniform());
  };
  return { uniform, normal };
}

const TRUE = { E: 1.69, A: 406.4, B: 410.7, alpha: 0.34, beta: 0.28 };

type P = Record<string, number>;
const chinchilla = (p: P, N: number, D: number) => p.E + p.A / N ** p.alpha + p.B / D ** p.beta;
const kaplan = (p: P, N: number) => (p.Nc / N) ** p.alphaN;

function quantile(sorted: number[], q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** Least squares of y on [1, x, x^2]. */
function quadFit(x: number[], y: number[]): [number, number, number] {
  const S = Array.from({ length: 5 }, (_, k) => x.reduce((s, v) => s + v ** k, 0));
  const T = Array.from({ length: 3 }, (_, k) => x.reduce((s, v, i) => s + v ** k * y[i], 0));
  const M = [
    [S[0], S[1], S[2], T[0]],
    [S[1], S[2], S[3], T[1]],
    [S[2], S[3], S[4], T[2]],
  ];
  for (let c = 0; c < 3; c++) {
    for (let r = c + 1; r < 3; r++) {
      const f = M[r][c] / M[c][c];
      for (let k = c; k < 4; k++) M[r][k] -= f * M[c][k];
    }
  }
  const out = [0, 0, 0];
  for (let r = 2; r >= 0; r--) {
    let s = M[r][3];
    for (let k = r + 1; k < 3; k++) s -= M[r][k] * out[k];
    out[r] = s / M[r][r];
  }
  return out as [number, number, number];
}

function lineFit(x: number[], y: number[]): { slope: number; intercept: number } {
  const n = x.length;
  const mx = x.reduce((a, b) => a + b, 0) / n;
  const my = y.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
  }
  const slope = sxx > 0 ? sxy / sxx : 0;
  return { slope, intercept: my - slope * mx };
}

export interface FixtureOptions {
  /** Number of runs (approximately: budgets × sizes). Default 72 (8 budgets × 9 sizes). */
  runs?: number;
  title?: string;
  /** Plot `by C`: one curve per budget. */
  by?: boolean;
  /** Include bootstrap draws and intervals (default true). */
  bootstrap?: boolean;
  /** Include the isoflop block (default true). */
  isoflop?: boolean;
  draws?: number;
  seed?: number;
  /** Law names (default chinchilla, kaplan); user text for escaping tests. */
  lawNames?: [string, string];
  /** Offset added to all observed losses (to make an update visibly different). */
  shift?: number;
  gridPoints?: number;
  /** Add `frontier chinchilla over C = 1e20..1e24 points 9` (bootstrap intervals when drawn). */
  frontier?: boolean;
  /** Add `sweep lr_star { over lr per N }`: 5 sizes × 7 learning rates, loss parabolic in ln lr with noise. */
  sweep?: boolean;
}

export interface Fixture {
  results: StudyResults;
  sources: PlotSources;
  model: PlotModel;
}

export function chinchillaFixture(o: FixtureOptions = {}): Fixture {
  const totalRuns = o.runs ?? 72;
  const r = rng(o.seed ?? 7);
  const nDraws = o.bootstrap === false ? 0 : (o.draws ?? 400);
  const [chName, kaName] = o.lawNames ?? ['chinchilla', 'kaplan'];
  const shift = o.shift ?? 0;

  // --- the sweep: budgets × sizes on isoFLOP lines D = C / (6N)
  const budgetsCountFinal = totalRuns <= 100 ? 8 : Math.max(8, Math.round(Math.sqrt(totalRuns)));
  const perBudget = Math.ceil(totalRuns / budgetsCountFinal);
  const budgets = Array.from({ length: budgetsCountFinal }, (_, i) => 6e18 * 10 ** ((i * 4) / (budgetsCountFinal - 1)));
  const labels: string[] = [];
  const N: number[] = [];
  const D: number[] = [];
  const C: number[] = [];
  const L: number[] = [];
  const group: string[] = [];
  const budgetOf: number[] = [];
  let k = 0;
  for (const c of budgets) {
    const nOpt = 0.6 * Math.sqrt(c / 6 / 20);
    for (let j = 0; j < perBudget && k < totalRuns; j++, k++) {
      const n = nOpt * 10 ** (-1.1 + (2.2 * j) / Math.max(1, perBudget - 1) + 0.02 * r.normal());
      const d = c / (6 * n);
      labels.push(`r${String(k + 1).padStart(totalRuns >= 10000 ? 5 : 3, '0')}`);
      N.push(n);
      D.push(d);
      C.push(6 * n * d);
      L.push(chinchilla(TRUE, n, d) * Math.exp(0.01 * r.normal()) + shift);
      group.push(c.toPrecision(3).replace('e+', 'e'));
      budgetOf.push(c);
    }
  }
  const heldOut = N.map((n) => n >= 5e9);

  // --- "fitted" parameters near the truth, with bootstrap draws around them
  const chParams: P = { E: 1.7, A: 398.2, B: 415.1, alpha: 0.337, beta: 0.283 };
  const kaParams: P = { Nc: 8.8e13, alphaN: 0.076 };
  const rel: P = { E: 0.01, A: 0.08, B: 0.08, alpha: 0.02, beta: 0.02, Nc: 0.2, alphaN: 0.03 };
  const makeDraws = (p: P) => {
    const d: Record<string, number[]> = {};
    for (const [name, v] of Object.entries(p))
      d[name] = Array.from({ length: nDraws }, () => v * (1 + rel[name] * r.normal()));
    return d;
  };
  const chDraws = makeDraws(chParams);
  const kaDraws = makeDraws(kaParams);
  const level = 0.9;
  const intervalsOf = (d: Record<string, number[]>) => {
    const out: Record<string, [number, number]> = {};
    for (const [name, v] of Object.entries(d)) {
      const s = [...v].sort((a, b) => a - b);
      out[name] = [quantile(s, 0.05), quantile(s, 0.95)];
    }
    return out;
  };
  const drawParams = (d: Record<string, number[]>, i: number) => {
    const p: P = {};
    for (const [name, v] of Object.entries(d)) p[name] = v[i];
    return p;
  };

  const evalLaw = (law: string, p: P, n: number, d: number) => (law === chName ? chinchilla(p, n, d) : kaplan(p, n));
  const paramsOf = (law: string) => (law === chName ? chParams : kaParams);
  const drawsOf = (law: string) => (law === chName ? chDraws : kaDraws);

  const residuals = (law: string) =>
    N.map((n, i) => ({ observed: L[i], fitted: evalLaw(law, paramsOf(law), n, D[i]), heldOut: heldOut[i] }));

  const lawResult = (name: string, formula: string, params: P, draws: Record<string, number[]>): LawResult => ({
    name,
    formula,
    params,
    intervals: nDraws > 0 ? intervalsOf(draws) : null,
    objective: { kind: 'huber', delta: 1e-3, space: 'log', value: 0.0123 },
    points: { fit: heldOut.filter((h) => !h).length, holdout: heldOut.filter(Boolean).length, dropped: 0 },
    holdout: { mape: 0.012, rmse_log: 0.015 },
    starts: { declared: 4500, screened: 4504, optimized: 64, agreed: 40, search: 'screened' },
    converged: true,
    stop_reason: 'gradient tolerance',
    seed: nDraws > 0 ? 7 : null,
    seconds: 0.8,
    residuals: residuals(name),
    ...(nDraws > 0 ? { draws, level } : { level: null }),
  });

  const laws = [
    lawResult(chName, 'L = E + A / N^alpha + B / D^beta', chParams, chDraws),
    lawResult(kaName, 'L = (Nc / N)^alphaN', kaParams, kaDraws),
  ];

  const predictions: PredictionResult[] = [
    {
      law: chName,
      at: { N: 70e9, D: 1.4e12, C: 6 * 70e9 * 1.4e12 },
      value: chinchilla(chParams, 70e9, 1.4e12),
      interval: null,
      observation_interval: null,
      level,
    },
    { law: kaName, at: { N: 70e9 }, value: kaplan(kaParams, 70e9), interval: null, observation_interval: null, level },
  ];
  for (const p of predictions) {
    if (nDraws === 0) continue;
    const vals = Array.from({ length: nDraws }, (_, i) =>
      evalLaw(p.law, drawParams(drawsOf(p.law), i), p.at.N, p.at.D ?? 0),
    ).sort((a, b) => a - b);
    p.interval = [quantile(vals, 0.05), quantile(vals, 0.95)];
  }

  // Chinchilla's closed-form optimum under C = 6ND.
  const optimumAt = (p: P, c: number) => {
    const G = ((p.alpha * p.A) / (p.beta * p.B)) ** (1 / (p.alpha + p.beta));
    const n = G * (c / 6) ** (p.beta / (p.alpha + p.beta));
    return { N: n, D: c / (6 * n) };
  };
  const cOpt = 5.76e23;
  const at = optimumAt(chParams, cOpt);
  const optIntervals: Record<string, [number, number]> = {};
  if (nDraws > 0) {
    const ns: number[] = [];
    const ds: number[] = [];
    const ls: number[] = [];
    for (let i = 0; i < nDraws; i++) {
      const p = drawParams(chDraws, i);
      const a = optimumAt(p, cOpt);
      ns.push(a.N);
      ds.push(a.D);
      ls.push(chinchilla(p, a.N, a.D));
    }
    const q = (v: number[]): [number, number] => {
      const s = v.sort((a, b) => a - b);
      return [quantile(s, 0.05), quantile(s, 0.95)];
    };
    optIntervals.N = q(ns);
    optIntervals.D = q(ds);
    optIntervals.L = q(ls);
  }
  const optima: OptimumResult[] = [
    { law: chName, budget: { C: cOpt }, at, value: chinchilla(chParams, at.N, at.D), intervals: optIntervals },
  ];

  // A traced frontier: the same closed-form optimum at 9 log-spaced budgets, intervals from the draws.
  const frontierPoints = Array.from({ length: 9 }, (_, i) => 1e20 * 10 ** (i / 2)).map((c) => {
    const a = optimumAt(chParams, c);
    const intervals: Record<string, [number, number]> = {};
    if (nDraws > 0) {
      const cols: Record<string, number[]> = { N: [], D: [], L: [] };
      for (let i = 0; i < nDraws; i++) {
        const p = drawParams(chDraws, i);
        const o = optimumAt(p, c);
        cols.N.push(o.N);
        cols.D.push(o.D);
        cols.L.push(chinchilla(p, o.N, o.D));
      }
      for (const [k, v] of Object.entries(cols)) {
        const sorted = v.sort((x, y) => x - y);
        intervals[k] = [quantile(sorted, 0.05), quantile(sorted, 0.95)];
      }
    }
    return { budget: { C: c }, at: a, value: chinchilla(chParams, a.N, a.D), intervals };
  });

  // --- isoflop: a parabola in ln N per budget, minima, power laws N*(C), D*(C)
  const isoBudgets: IsoflopBudgetResult[] = budgets.map((c) => {
    const idx = budgetOf.map((b, i) => (b === c ? i : -1)).filter((i) => i >= 0);
    const x = idx.map((i) => Math.log(N[i]));
    const y = idx.map((i) => L[i]);
    const coef = quadFit(x, y);
    const xm = -coef[1] / (2 * coef[2]);
    const nStar = Math.exp(xm);
    const edge = xm <= Math.min(...x) || xm >= Math.max(...x);
    return {
      budget: c,
      runs: idx.length,
      at: { N: nStar, D: c / (6 * nStar) },
      value: coef[0] + coef[1] * xm + coef[2] * xm * xm,
      edge,
      parabola: coef,
    };
  });
  const fN = lineFit(
    isoBudgets.map((b) => Math.log(b.budget)),
    isoBudgets.map((b) => Math.log(b.at.N)),
  );
  const fD = lineFit(
    isoBudgets.map((b) => Math.log(b.budget)),
    isoBudgets.map((b) => Math.log(b.at.D)),
  );
  const isoflop: IsoflopResult = {
    name: 'approach2',
    budgets: isoBudgets,
    frontier: {
      N: { exponent: fN.slope, coefficient: Math.exp(fN.intercept) },
      D: { exponent: fD.slope, coefficient: Math.exp(fD.intercept) },
    },
    intervals: { 'N.exponent': [fN.slope - 0.03, fN.slope + 0.03], 'D.exponent': [fD.slope - 0.03, fD.slope + 0.03] },
  };

  // --- a learning-rate sweep: loss a parabola in ln lr around lr*(N) = 0.5·N^-0.3, with noise
  const sweepSizes = [1e8, 3e8, 1e9, 3e9, 1e10];
  const lrs = Array.from({ length: 7 }, (_, i) => 3e-4 * 10 ** (i / 3));
  const sweepRuns = { over: [] as number[], per: [] as number[], value: [] as number[] };
  const sweepGroups: SweepGroupResult[] = sweepSizes.map((n) => {
    const x = lrs.map((lr) => Math.log(lr));
    const y = lrs.map(
      (lr) => 2 + 30 / n ** 0.2 + 0.05 * (Math.log(lr) - Math.log(0.5 * n ** -0.3)) ** 2 + 0.003 * r.normal(),
    );
    lrs.forEach((lr, i) => {
      sweepRuns.over.push(lr);
      sweepRuns.per.push(n);
      sweepRuns.value.push(y[i]);
    });
    const coef = quadFit(x, y);
    const xm = -coef[1] / (2 * coef[2]);
    const edge = xm <= x[0] || xm >= x[x.length - 1];
    const low = y.indexOf(Math.min(...y));
    return {
      value: n,
      runs: lrs.length,
      at: { lr: edge ? lrs[low] : Math.exp(xm) },
      value_min: edge ? y[low] : coef[0] + coef[1] * xm + coef[2] * xm * xm,
      edge,
      parabola: coef,
    };
  });
  const inLaw = sweepGroups.filter((g) => !g.edge);
  const sweepLine = lineFit(
    inLaw.map((g) => Math.log(g.value)),
    inLaw.map((g) => Math.log(g.at.lr)),
  );
  const sweep: SweepResult = {
    name: 'lr_star',
    over: 'lr',
    per: 'N',
    target: 'L',
    minimum: { method: 'parabola', window: null },
    groups: sweepGroups,
    law: { exponent: sweepLine.slope, coefficient: Math.exp(sweepLine.intercept) },
    intervals: { exponent: [sweepLine.slope - 0.02, sweepLine.slope + 0.02], coefficient: null },
    uncertainty: { method: 'bootstrap', level: 0.9 },
  };

  const results: StudyResults = {
    study: o.title ?? 'Chinchilla approach 3',
    laws,
    isoflops: o.isoflop === false ? [] : [isoflop],
    predictions,
    optima,
    ...(o.frontier ? { frontiers: [{ law: chName, variable: 'C', points: frontierPoints }] } : {}),
    ...(o.sweep ? { sweeps: [sweep] } : {}),
    diagnostics: [],
  };

  // --- the run tables and the sampler the server would implement
  const lawRuns: LawRuns = { id: 'sweep', labels, columns: { N, D, C, L }, ...(o.by ? { groups: group } : {}) };
  const isoRuns: IsoflopRuns = { budgetVar: 'C', sizeVar: 'N', labels, budget: budgetOf, size: N, value: L };

  const trend = lineFit(
    N.map((n) => Math.log(n)),
    D.map((d) => Math.log(d)),
  );
  const sampler: CurveSampler = {
    sample(req) {
      const name = req.law.name;
      if (name === kaName && req.along === 'D') return null;
      // Where the other variables sit: on the isoFLOP line of the group's budget, or along the runs' own
      // log-log trend of D on N (what a server would do: follow the data, so the curve runs through the cloud).
      const budget = req.group !== null && req.by === 'C' && req.along !== 'C' ? Number(req.group) : null;
      const fixed = req.fixed;
      const path = (x: number): [number, number] => {
        // Through a predict/optimize point: the other variable held at the point's value (N for a curve along C).
        if (fixed?.N && req.along !== 'N') return req.along === 'C' ? [fixed.N, x / (6 * fixed.N)] : [fixed.N, x];
        if (fixed?.D && req.along === 'N') return [x, fixed.D];
        if (req.along === 'N') return [x, budget ? budget / (6 * x) : Math.exp(trend.intercept) * x ** trend.slope];
        if (req.along === 'D')
          return [budget ? budget / (6 * x) : (x / Math.exp(trend.intercept)) ** (1 / trend.slope), x];
        const n = (x / (6 * Math.exp(trend.intercept))) ** (1 / (1 + trend.slope));
        return [n, x / (6 * n)];
      };
      const p = paramsOf(name);
      const y = req.x.map((x) => evalLaw(name, p, ...path(x)));
      const held: Record<string, number> | undefined = fixed
        ? req.along === 'N'
          ? { D: fixed.D }
          : { N: fixed.N }
        : undefined;
      const at = held && Object.values(held).every((v) => v > 0) ? held : undefined;
      if (nDraws === 0) return { y, at };
      const d = drawsOf(name);
      const lo: number[] = [];
      const hi: number[] = [];
      const m = Math.min(nDraws, 200);
      for (const x of req.x) {
        const [n, dd] = path(x);
        const vals = Array.from({ length: m }, (_, i) => evalLaw(name, drawParams(d, i), n, dd)).sort((a, b) => a - b);
        lo.push(quantile(vals, 0.05));
        hi.push(quantile(vals, 0.95));
      }
      return { y, lo, hi, at };
    },
    // Chinchilla's closed form (domain-anchors §2.8): N* = G (C/6)^(β/(α+β)), D* = (C/6)^(α/(α+β)) / G.
    allocation(law, _variable, budgets) {
      if (law.name !== chName) return null;
      const { A, B, alpha, beta } = chParams;
      const s = alpha + beta;
      const G = ((alpha * A) / (beta * B)) ** (1 / s);
      const n = budgets.map((c) => G * (c / 6) ** (beta / s));
      const d = budgets.map((c, i) => c / (6 * n[i]));
      return { at: { N: n, D: d }, value: n.map((v, i) => chinchilla(chParams, v, d[i])) };
    },
    frontierBand(iso, variable, budgets) {
      const f = iso.frontier?.[variable as 'N' | 'D'];
      const iv = iso.intervals?.[`${variable}.exponent`];
      if (!f || !iv) return null;
      const c0 = Math.sqrt(budgets[0] * budgets[budgets.length - 1]);
      const at = (c: number, e: number) => f.coefficient * c0 ** f.exponent * (c / c0) ** e;
      return {
        lo: budgets.map((c) => Math.min(at(c, iv[0]), at(c, iv[1]))),
        hi: budgets.map((c) => Math.max(at(c, iv[0]), at(c, iv[1]))),
      };
    },
  };

  const sources: PlotSources = {
    title: o.title,
    source: 'file:///work/examples/chinchilla.scaling',
    target: 'L',
    by: o.by ? 'C' : null,
    runs: { [chName]: lawRuns, [kaName]: lawRuns },
    isoflopRuns: { approach2: isoRuns },
    ...(o.sweep ? { sweepRuns: { lr_star: sweepRuns } } : {}),
    sampler,
    gridPoints: o.gridPoints,
  };
  return { results, sources, model: buildPlotModel(results, sources) };
}

/** The plot model of a synthetic sweep (see chinchillaFixture). */
export function chinchillaModel(o: FixtureOptions = {}): PlotModel {
  return chinchillaFixture(o).model;
}

/** A 10,000-run model for the performance bench. */
export function largeModel(runs = 10_000, o: FixtureOptions = {}): PlotModel {
  return chinchillaFixture({ runs, draws: 200, ...o }).model;
}
