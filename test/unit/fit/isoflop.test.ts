import assert from 'node:assert/strict';
import { fitIsoflop } from '../../../server/src/core/fit/isoflop';
import type { BoundIsoflop } from '../../../server/src/core/model';
import { olsSlope, table } from './helpers';

/** IsoFLOP rows from L = E + A/N^a + B/D^b with D = C/(6N), at sizes N = centre * 2^k. */
function iso(
  centres: Record<number, number>,
  weighted = false,
  uncertainty: BoundIsoflop['uncertainty'] = { method: 'none' },
): BoundIsoflop {
  const C: number[] = [];
  const N: number[] = [];
  const D: number[] = [];
  const L: number[] = [];
  for (const [c, centre] of Object.entries(centres)) {
    for (let k = -3; k <= 3; k++) {
      const n = centre * 2 ** k;
      const d = Number(c) / (6 * n);
      C.push(Number(c));
      N.push(n);
      D.push(d);
      L.push(1.8 + 480 / n ** 0.35 + 2100 / d ** 0.35);
    }
  }
  return {
    name: 'a2',
    range: { start: 3, end: 9 },
    budget: 'C',
    size: 'N',
    tokens: 'D',
    target: 'L',
    weighted,
    data: table('t', { C, N, D, L }),
    uncertainty,
  };
}

describe('isoflop (approach 2)', () => {
  // With alpha = beta the exact optimum is N* = (A/B)^(1/(2 alpha)) (C/6)^0.5, so N* ∝ C^0.5; the
  // parabola in ln N only approximates each isoFLOP curve, so the exponent is checked to 0.01.
  // truthN only centres the sampled sizes near (not at) the optimum.
  const truthN = (c: number) => Math.sqrt(((480 / 2100) * c) / 6);
  it('groups budgets within 5% of each other, as docs/engine.md says (C = 6ND from rounded N, D)', () => {
    const b = iso({ 1e18: truthN(1e18), 1e19: truthN(1e19), 1e20: truthN(1e20) });
    const C = b.data.numeric.get('C')!;
    for (let i = 0; i < C.length; i++) C[i] *= 1 + 0.01 * ((i % 3) - 1);
    const { result } = fitIsoflop(b);
    assert.equal(result.budgets.length, 3);
    assert.deepEqual(
      result.budgets.map((x) => x.runs),
      [7, 7, 7],
    );
    for (const [x, c] of result.budgets.map((x, i) => [x.budget, [1e18, 1e19, 1e20][i]]))
      assert.ok(Math.abs(x / c - 1) < 0.01, `${x} vs ${c}`);
  });

  it('recovers N* ∝ C^0.5 when alpha = beta, unweighted and weighted', () => {
    const budgets = { 1e18: truthN(1e18), 1e19: truthN(1e19), 1e20: truthN(1e20), 1e21: truthN(1e21) };
    for (const weighted of [false, true]) {
      const { result, diagnostics } = fitIsoflop(iso(budgets, weighted));
      assert.deepEqual(diagnostics, []);
      assert.ok(result.frontier);
      assert.ok(Math.abs(result.frontier.N.exponent - 0.5) < 0.01, `${result.frontier.N.exponent}`);
      assert.ok(Math.abs(result.frontier.D.exponent - 0.5) < 0.01);
    }
  });
  it('weighted: 1/Var(ln N*) weights change the frontier, and equal an independent computation', () => {
    const budgets = {
      1e18: truthN(1e18),
      1e19: truthN(1e19),
      1e20: truthN(1e20),
      1e21: truthN(1e21),
      1e22: truthN(1e22),
    };
    const noisy = (b: BoundIsoflop) => {
      // The largest budget is noisy: a tilt that moves its vertex and a ±0.02 zigzag the parabola
      // cannot follow (large residual variance); the others carry a ±1e-4 zigzag.
      const L = b.data.numeric.get('L')!;
      const C = b.data.numeric.get('C')!;
      for (let i = 0; i < L.length; i++) {
        const k = (i % 7) - 3;
        L[i] += C[i] === 1e22 ? 0.01 * k + 0.02 * (-1) ** k : 1e-4 * (-1) ** k;
      }
      return b;
    };
    const plain = fitIsoflop(noisy(iso(budgets, false)));
    const weighted = fitIsoflop(noisy(iso(budgets, true)));
    assert.deepEqual(plain.diagnostics, []);
    assert.deepEqual(weighted.diagnostics, []);

    // Independently: per budget, the least-squares parabola in x = ln N by 3×3 normal equations
    // (uncentred, Cramer's rule), its vertex x* = -b/(2c), and Var(x*) by the delta method from
    // s²(XᵀX)⁻¹; then the weighted line of x* on ln C. With C = 6ND exactly, ln D* = ln(C/6) − x*,
    // so the D exponent is 1 − the N exponent.
    const b = iso(budgets, true);
    noisy(b);
    const [Cs, Ns, Ls] = ['C', 'N', 'L'].map((k) => b.data.numeric.get(k)!);
    const lnC: number[] = [];
    const vertex: number[] = [];
    const weight: number[] = [];
    for (const c of Object.keys(budgets).map(Number)) {
      const rows = [...Cs.keys()].filter((i) => Cs[i] === c);
      const x = rows.map((i) => Math.log(Ns[i]));
      const y = rows.map((i) => Ls[i]);
      const S = (f: (j: number) => number) => x.reduce((sum, _, j) => sum + f(j), 0);
      const m = [
        [x.length, S((j) => x[j]), S((j) => x[j] ** 2)],
        [S((j) => x[j]), S((j) => x[j] ** 2), S((j) => x[j] ** 3)],
        [S((j) => x[j] ** 2), S((j) => x[j] ** 3), S((j) => x[j] ** 4)],
      ];
      const det3 = (a: number[][]) =>
        a[0][0] * (a[1][1] * a[2][2] - a[1][2] * a[2][1]) -
        a[0][1] * (a[1][0] * a[2][2] - a[1][2] * a[2][0]) +
        a[0][2] * (a[1][0] * a[2][1] - a[1][1] * a[2][0]);
      const rhs = [S((j) => y[j]), S((j) => x[j] * y[j]), S((j) => x[j] ** 2 * y[j])];
      const swap = (col: number, v: number[]) => m.map((row, r) => row.map((e, k) => (k === col ? v[r] : e)));
      const det = det3(m);
      const [a0, a1, a2] = [0, 1, 2].map((col) => det3(swap(col, rhs)) / det);
      const s2 = S((j) => (y[j] - a0 - a1 * x[j] - a2 * x[j] ** 2) ** 2) / (x.length - 3);
      // (XᵀX)⁻¹ entries for (a1, a2) by cofactors of the symmetric m.
      const inv11 = (m[0][0] * m[2][2] - m[0][2] ** 2) / det;
      const inv22 = (m[0][0] * m[1][1] - m[0][1] ** 2) / det;
      const inv12 = -(m[0][0] * m[1][2] - m[0][1] * m[0][2]) / det;
      const g1 = -1 / (2 * a2);
      const g2 = a1 / (2 * a2 * a2);
      lnC.push(Math.log(c));
      vertex.push(-a1 / (2 * a2));
      weight.push(1 / (s2 * (g1 * g1 * inv11 + 2 * g1 * g2 * inv12 + g2 * g2 * inv22)));
    }
    const slope = (w: number[]) => {
      const W = w.reduce((p, q) => p + q, 0);
      const mc = lnC.reduce((p, q, j) => p + w[j] * q, 0) / W;
      const mv = vertex.reduce((p, q, j) => p + w[j] * q, 0) / W;
      const sxy = lnC.reduce((p, q, j) => p + w[j] * (q - mc) * (vertex[j] - mv), 0);
      const sxx = lnC.reduce((p, q, j) => p + w[j] * (q - mc) ** 2, 0);
      return sxy / sxx;
    };
    const wantWeighted = slope(weight);
    const wantPlain = slope(weight.map(() => 1));
    // Tolerance 1e-7 (observed ≤ 1e-9): the same least squares solved two ways, centred there and
    // uncentred here, where the x⁴ sums (x = ln N ≈ 18..28) lose digits. The weights move the
    // exponent by 0.044, far beyond it.
    const near = (got: number, want: number, what: string) =>
      assert.ok(Math.abs(got - want) <= 1e-7, `${what}: engine ${got}, independent ${want}`);
    near(plain.result.frontier!.N.exponent, wantPlain, 'unweighted N exponent');
    near(weighted.result.frontier!.N.exponent, wantWeighted, 'weighted N exponent');
    near(weighted.result.frontier!.D.exponent, 1 - wantWeighted, 'weighted D exponent');
    // The weights matter here, and they discount the noisy budget: the weighted exponent is the
    // closer one to the truth 0.5.
    const [w, u] = [weighted, plain].map((r) => r.result.frontier!.N.exponent);
    assert.ok(Math.abs(w - u) > 0.01, `weighted ${w} vs unweighted ${u}`);
    assert.ok(Math.abs(w - 0.5) < Math.abs(u - 0.5) / 5, `weighted ${w}, unweighted ${u}, truth 0.5`);
  });
  it('groups budgets computed per run (C = 6ND from rounded N, D) within 5% into one profile', () => {
    const budgets = { 1e18: truthN(1e18), 1e19: truthN(1e19), 1e20: truthN(1e20), 1e21: truthN(1e21) };
    const exact = fitIsoflop(iso(budgets)).result;
    const jittered = iso(budgets);
    const C = jittered.data.numeric.get('C')!;
    // ±0.2%, as 4-significant-digit N and D give; sorted order within a budget is scrambled too.
    for (let i = 0; i < C.length; i++) C[i] *= 1 + 0.002 * Math.sin(7 * i);
    const { result, diagnostics } = fitIsoflop(jittered);
    assert.deepEqual(diagnostics, []);
    assert.equal(result.budgets.length, 4);
    assert.deepEqual(
      result.budgets.map((b) => b.runs),
      [7, 7, 7, 7],
    );
    // Each budget is the geometric mean of its runs' C: within 0.2% of the nominal budget.
    result.budgets.forEach((b, k) => assert.ok(Math.abs(b.budget / 10 ** (18 + k) - 1) < 0.002, `${b.budget}`));
    assert.ok(Math.abs(result.frontier!.N.exponent - exact.frontier!.N.exponent) < 0.01);
  });
  it('flags a minimum outside the sampled sizes and leaves it out', () => {
    const budgets = { 1e18: truthN(1e18), 1e19: truthN(1e19), 1e20: truthN(1e20), 1e21: truthN(1e21) * 100 };
    const { result, diagnostics } = fitIsoflop(iso(budgets));
    assert.deepEqual(
      diagnostics.map((d) => [d.code, d.message, d.range]),
      [
        [
          'scaling.isoflop-edge-minimum',
          'the minimum is not inside the sampled sizes for budget(s) 1.00e+21, so they are left out of the frontier',
          { start: 3, end: 9 },
        ],
      ],
    );
    assert.equal(result.budgets.filter((b) => b.edge).length, 1);
    assert.ok(result.frontier && Math.abs(result.frontier.N.exponent - 0.5) < 0.01);
  });
  it('bootstrap intervals of the exponents are deterministic', () => {
    const budgets = { 1e18: truthN(1e18) * 1.3, 1e19: truthN(1e19), 1e20: truthN(1e20) / 1.2, 1e21: truthN(1e21) };
    const u = { method: 'bootstrap' as const, resamples: 50, seed: 3, level: 0.9, by: undefined };
    const a = fitIsoflop(iso(budgets, false, u)).result.intervals;
    const b = fitIsoflop(iso(budgets, false, u)).result.intervals;
    assert.ok(a && a.N_exponent);
    assert.deepEqual(a, b);
  });

  it('asymptotic exponent intervals use Student t with budgets − 2 degrees of freedom', () => {
    const cs = [1e18, 1e19, 1e20, 1e21, 1e22];
    // Centres off the optimum by a budget-dependent factor, so the frontier has residuals.
    const centres = Object.fromEntries(cs.map((c, i) => [c, truthN(c) * (1 + 0.15 * Math.sin(3 * i))]));
    const { result } = fitIsoflop(iso(centres, false, { method: 'asymptotic', level: 0.9 }));
    assert.equal(result.budgets.filter((b) => !b.edge).length, 5);
    const x = result.budgets.map((b) => Math.log(b.budget));
    const y = result.budgets.map((b) => Math.log(b.at.N));
    const half = 2.3533634348018233 * olsSlope(x, y).se; // scipy.stats.t.ppf(0.95, 3)
    const [lo, hi] = result.intervals!.N_exponent!;
    assert.ok(Math.abs((hi - lo) / (2 * half) - 1) < 1e-9, `width ${hi - lo} vs t-interval ${2 * half}`);
  });

  it('weighted: budgets of exactly 3 runs still get a weight (their parabola has no residual variance)', () => {
    const cs = [1e18, 1e19, 1e20, 1e21];
    // The exact optimum for alpha = beta, so the 3 middle sizes bracket it.
    const optN = (c: number) => (480 / 2100) ** (1 / 0.7) * Math.sqrt(c / 6);
    const b = iso(Object.fromEntries(cs.map((c) => [c, optN(c)])), true);
    // Keep the 3 middle sizes of each budget (k = −1, 0, 1 of −3..3).
    const keep = Array.from({ length: b.data.rowCount }, (_, i) => Math.abs((i % 7) - 3) <= 1);
    const cols = Object.fromEntries([...b.data.numeric].map(([k, v]) => [k, v.filter((_, i) => keep[i])]));
    const { result, diagnostics } = fitIsoflop({ ...b, data: table('t3', cols) });
    assert.deepEqual(
      result.budgets.map((x) => x.runs),
      [3, 3, 3, 3],
    );
    assert.ok(result.frontier, JSON.stringify(diagnostics.map((d) => d.message)));
    assert.ok(Math.abs(result.frontier.N.exponent - 0.5) < 0.02, `${result.frontier.N.exponent}`);
  });

  // `minimum …` (issue 10.5): the exact optimum for alpha = beta is N* = (A/B)^(1/(2 alpha)) (C/6)^0.5.
  const optN = (c: number) => (480 / 2100) ** (1 / 0.7) * Math.sqrt(c / 6);
  const cs = [1e18, 1e19, 1e20, 1e21];
  it('minimum akima: each budget N* near the exact optimum, N* ∝ C^0.5', () => {
    // Sizes a factor 2 apart, centred off the optimum so no sampled size sits on it.
    const b = iso(Object.fromEntries(cs.map((c) => [c, optN(c) * 1.3])));
    const { result, diagnostics } = fitIsoflop({ ...b, minimum: { method: 'akima' } });
    assert.deepEqual(diagnostics, []);
    assert.deepEqual(result.minimum, { method: 'akima', window: null, along: 'N' });
    // A spline through points ln 2 apart finds the minimum of a smooth curve to a few % in N
    // (Akima's slopes are not exact); the frontier exponent, a difference of such errors, to 0.01.
    for (const x of result.budgets) {
      assert.equal(x.edge, false);
      assert.ok(Math.abs(Math.log(x.at.N / optN(x.budget))) < 0.05, `${x.at.N} vs ${optN(x.budget)}`);
      assert.ok(Math.abs(x.at.N * x.at.D * 6 - x.budget) / x.budget < 1e-9, 'D* from the budget line');
    }
    assert.ok(Math.abs(result.frontier!.N.exponent - 0.5) < 0.01, `${result.frontier!.N.exponent}`);
  });
  it('minimum … in D seeks the minimum along the tokens: the same optimum, found in ln D', () => {
    const b = iso(Object.fromEntries(cs.map((c) => [c, optN(c) * 1.3])));
    const byN = fitIsoflop({ ...b, minimum: { method: 'akima' } }).result;
    const byD = fitIsoflop({ ...b, minimum: { method: 'akima' }, along: 'tokens' }).result;
    assert.equal(byD.minimum!.along, 'D');
    // Along ln D the spline runs through the same points mirrored (ln D = ln(C/6) − ln N), and
    // Akima's construction is symmetric under x → −x: the same minimum to rounding.
    byD.budgets.forEach((x, i) => {
      assert.ok(Math.abs(x.at.D / byN.budgets[i].at.D - 1) < 1e-6, `${x.at.D} vs ${byN.budgets[i].at.D}`);
      assert.equal(x.parabola, undefined);
    });
  });
  it('minimum parabola window K ≥ the runs equals the default parabola; a smaller window moves the vertex', () => {
    const b = iso(Object.fromEntries(cs.map((c) => [c, optN(c) * 1.3])));
    const all = fitIsoflop(b).result;
    const seven = fitIsoflop({ ...b, minimum: { method: 'parabola', window: 7 } }).result;
    const three = fitIsoflop({ ...b, minimum: { method: 'parabola', window: 3 } }).result;
    seven.budgets.forEach((x, i) => assert.ok(Math.abs(x.at.N / all.budgets[i].at.N - 1) < 1e-9));
    three.budgets.forEach((x, i) => assert.ok(Math.abs(x.at.N / all.budgets[i].at.N - 1) > 1e-4));
  });
  it('minimum akima: a budget whose argmin is at the end of the grid is an edge, left out of the frontier', () => {
    const b = iso({ ...Object.fromEntries(cs.map((c) => [c, optN(c) * 1.3])), 1e22: optN(1e22) * 100 });
    const { result, diagnostics } = fitIsoflop({ ...b, minimum: { method: 'akima' } });
    assert.deepEqual(
      result.budgets.map((x) => x.edge),
      [false, false, false, false, true],
    );
    assert.deepEqual(
      diagnostics.map((d) => d.code),
      ['scaling.isoflop-edge-minimum'],
    );
    const kept = fitIsoflop({
      ...iso(Object.fromEntries(cs.map((c) => [c, optN(c) * 1.3]))),
      minimum: { method: 'akima' },
    });
    assert.equal(result.frontier!.N.exponent, kept.result.frontier!.N.exponent);
  });
});
