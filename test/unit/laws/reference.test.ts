// The engine checked against an independent optimizer: for every catalogue law, noisy synthetic
// data drawn from the law is fitted with `squares` (linear space) from the same start by our engine
// and by ml-levenberg-marquardt (a different LM: finite-difference Jacobian, no IRLS, no variable
// projection, no multi-start). Both must land on the same least-squares optimum.
//
// Reference settings, and why: the library's defaults (forward differences with step 0.1, 100
// iterations, stop once the error drops by less than 1e-7) are far too coarse here: on this data
// even in the coordinates below they stop 0.05–60% above the optimum, and for chinchilla at an
// objective ~860× too high. So
// - scale parameters (the catalogue's log-grid ones: E, A, B, Nc, …) are optimized as ln θ, the
//   rest (exponents, offsets) as they are, so every coordinate is of order one: the library's
//   damping is additive (λI, not scaled by diag JᵀJ), and its finite-difference step is absolute;
// - gradientDifference 1e-6 with central differences: truncation error ~h² ≈ 1e-12, rounding
//   ~ε/h ≈ 2e-10 relative, against ~1e-1 for the default forward step;
// - damping 1e-2 (its default, stated): λ adapts ÷9 / ×11 per iteration anyway;
// - errorTolerance 0 and maxIterations 200: the library accepts every step and keeps the best
//   point, so it simply runs 200 iterations (it needs ≤ 50 on these problems).
//
// Tolerances, and why:
// - objective (the sum of squares, recomputed here from each answer's parameters): the engine's
//   must be no worse than the reference's, to a relative slack of 1e-10, and the two must agree
//   to 1e-10. At a shared optimum the objective is flat to second order, so a parameter offset of
//   ~1e-10 (the reference's finite-difference noise) moves it by ~1e-20; what remains is rounding in
//   a sum of ≤ 40 squares (~1e-14). A different local minimum or an early stop shows as ≥ 1e-6.
// - predictions at the data points: relative difference ≤ 1e-8 (observed ≤ 3e-10: the reference's
//   Jacobian rounding, amplified by the conditioning of JᵀJ).
// - exponents: absolute difference ≤ 1e-7 (observed ≤ 4e-9). Amplitudes (A, B, Nc, …) are not
//   compared directly: they sit in flat valleys (a 1e-10 change in an exponent moves ln A by
//   ~1e-10·ln N ≈ 2e-9), and the predictions already cover them.
import assert from 'node:assert/strict';
import { levenbergMarquardt } from 'ml-levenberg-marquardt';
import { fitLaw } from '../../../server/src/core/fit';
import { evalScalar, toNode } from '../../../server/src/core/fit/compile';
import { mulberry32 } from '../../../server/src/core/fit/stats';
import { catalogue } from '../../../server/src/core/laws';
import { catalogueLaw, table } from '../fit/helpers';

function logspace(a: number, b: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => Math.exp(Math.log(a) + ((Math.log(b) - Math.log(a)) * i) / (n - 1)));
}

/** Every (x, y) pair of two axes, as two columns named `nx`, `ny`. */
function grid2(nx: string, xs: number[], ny: string, ys: number[]): Record<string, number[]> {
  return { [nx]: xs.flatMap((x) => ys.map(() => x)), [ny]: xs.flatMap(() => ys) };
}

interface Case {
  truth: Record<string, number>;
  /** The one start both optimizers begin from: truth off by ×2–3 in scales, 10–40% in exponents. */
  start: Record<string, number>;
  exponents: string[];
  points: Record<string, number[]>;
}

const cases: Record<string, Case> = {
  chinchilla: {
    truth: { E: 1.7, A: 400, B: 2000, alpha: 0.34, beta: 0.28 },
    start: { E: 1, A: 200, B: 5000, alpha: 0.4, beta: 0.35 },
    exponents: ['alpha', 'beta'],
    points: grid2('N', logspace(5e7, 2e10, 6), 'D', logspace(1e9, 5e11, 6)),
  },
  kaplan_n: {
    truth: { Nc: 8.8e13, alphaN: 0.076 },
    start: { Nc: 1e13, alphaN: 0.1 },
    exponents: ['alphaN'],
    points: { N: logspace(1e6, 1e10, 12) },
  },
  kaplan_d: {
    truth: { Dc: 5.4e13, alphaD: 0.095 },
    start: { Dc: 1e14, alphaD: 0.07 },
    exponents: ['alphaD'],
    points: { D: logspace(1e7, 1e11, 12) },
  },
  kaplan_c: {
    truth: { Cc: 3.1e8, alphaC: 0.05 },
    start: { Cc: 1e9, alphaC: 0.07 },
    exponents: ['alphaC'],
    points: { C: logspace(1e-3, 1e3, 12) },
  },
  kaplan_nd: {
    truth: { Nc: 6.4e13, Dc: 1.8e13, alphaN: 0.076, alphaD: 0.103 },
    start: { Nc: 3e13, Dc: 5e13, alphaN: 0.09, alphaD: 0.09 },
    exponents: ['alphaN', 'alphaD'],
    points: grid2('N', logspace(1e7, 1e10, 6), 'D', logspace(1e8, 1e11, 6)),
  },
  saturating: {
    truth: { E: 1.5, A: 50, a: 0.3 },
    start: { E: 1, A: 100, a: 0.4 },
    exponents: ['a'],
    points: { x: logspace(1e6, 1e10, 15) },
  },
  broken_power_law: {
    truth: { a: 0.5, b: 20, c0: 0.2, c1: 0.4, d1: 1e6, f1: 0.5 },
    start: { a: 0.4, b: 30, c0: 0.25, c1: 0.3, d1: 3e5, f1: 0.7 },
    exponents: ['c0', 'c1', 'f1'],
    points: { x: logspace(1e3, 1e9, 40) },
  },
  lr_annealing: {
    truth: { L0: 2.3, A: 2, alpha: 0.6, C: 0.005 },
    start: { L0: 2, A: 1, alpha: 0.5, C: 0.01 },
    exponents: ['alpha'],
    points: { S1: logspace(10, 1000, 30), S2: logspace(10, 1000, 30).map((s, i) => (i % 3) * 0.02 * s) },
  },
};

describe('engine vs ml-levenberg-marquardt (independent reference, squares)', () => {
  for (const [name, law] of catalogue) {
    it(name, async () => {
      const c = cases[name];
      assert.ok(c, `no reference case for catalogue law ${name}: add one to this file`);
      const names = law.params.map((p) => p.name);
      const node = toNode(law.formula, names, law.formals);
      const rows = c.points[law.formals[0]].length;
      const xs = Array.from({ length: rows }, (_, i) => law.formals.map((f) => c.points[f][i]));

      // Data: the law at the truth with 1% multiplicative Gaussian noise (seeded), so the optimum
      // is not the truth and the objective is not zero.
      const rand = mulberry32(7);
      const truth = names.map((n) => c.truth[n]);
      const y = xs.map((x) => {
        const z = Math.sqrt(-2 * Math.log(rand() + 1e-300)) * Math.cos(2 * Math.PI * rand());
        return evalScalar(node, truth, x) * (1 + 0.01 * z);
      });
      const sumOfSquares = (theta: ArrayLike<number>) =>
        xs.reduce((s, x, i) => s + (evalScalar(node, theta, x) - y[i]) ** 2, 0);

      // Reference, in its own coordinates: ln θ for scales, θ otherwise; x is the row index.
      const logged = law.params.map((p) => p.logGrid);
      const toTheta = (u: ArrayLike<number>) => Array.from(u, (v, j) => (logged[j] ? Math.exp(v) : v));
      const bound = (v: number, j: number) => (logged[j] ? (v > 0 ? Math.log(v) : -700) : v);
      const ref = levenbergMarquardt(
        { x: xs.map((_, i) => i), y },
        (u: number[]) => {
          const theta = toTheta(u);
          return (i: number) => evalScalar(node, theta, xs[i]);
        },
        {
          initialValues: names.map((n, j) => (logged[j] ? Math.log(c.start[n]) : c.start[n])),
          minValues: law.params.map((p, j) => bound(p.lower, j)),
          maxValues: law.params.map((p, j) => Math.min(bound(p.upper, j), 700)),
          gradientDifference: 1e-6,
          centralDifference: true,
          damping: 1e-2,
          maxIterations: 200,
          errorTolerance: 0,
        },
      );
      const refTheta = toTheta(ref.parameterValues);

      // Ours, from the same single start (its search adds variable-projection seeds of its own).
      const data = table('synthetic', { ...c.points, L: y });
      const vars = Object.fromEntries(law.formals.map((f) => [f, f]));
      const starts = Object.fromEntries(names.map((n) => [n, [c.start[n]]]));
      const fit = await fitLaw(catalogueLaw(name, data, vars, { starts }));
      assert.ok(fit.theta, `${name}: the engine gave no fit`);
      const ours = names.map((n) => fit.result.params[n]);

      const oursObjective = sumOfSquares(ours);
      const refObjective = sumOfSquares(refTheta);
      assert.ok(
        oursObjective <= refObjective * (1 + 1e-10),
        `${name}: engine objective ${oursObjective} is worse than the reference's ${refObjective}`,
      );
      assert.ok(
        Math.abs(oursObjective - refObjective) <= 1e-10 * refObjective,
        `${name}: objectives differ: engine ${oursObjective}, reference ${refObjective}`,
      );
      xs.forEach((x, i) => {
        const a = evalScalar(node, ours, x);
        const b = evalScalar(node, refTheta, x);
        assert.ok(Math.abs(a / b - 1) <= 1e-8, `${name}: prediction at row ${i}: engine ${a}, reference ${b}`);
      });
      for (const e of c.exponents) {
        const j = names.indexOf(e);
        assert.ok(j >= 0, `${name} has no parameter ${e}`);
        assert.ok(Math.abs(ours[j] - refTheta[j]) <= 1e-7, `${name}.${e}: engine ${ours[j]}, reference ${refTheta[j]}`);
      }
    });
  }
});
