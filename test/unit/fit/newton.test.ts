// The second-order kernel: its gradient and Hessian against central differences of its own
// objective, on formulas that exercise every operation (the chain rule is generic, so a wrong
// partial shows up here), and the damped Newton search on the Chinchilla form.
import assert from 'node:assert/strict';
import { toNode } from '../../../server/src/core/fit/compile';
import { newtonLM, SecondOrder } from '../../../server/src/core/fit/newton';
import { buildProblem } from '../../../server/src/core/fit/problem';
import { mulberry32 } from '../../../server/src/core/fit/stats';
import type { Objective, ParamSpec } from '../../../server/src/core/model';
import { parseExpression } from '../../../server/src/core/syntax/parser';

const range = { start: 0, end: 0 };
function spec(name: string, lower: number, upper: number, log = false): ParamSpec {
  return {
    name,
    lower,
    upper,
    lowerClosed: false,
    upperClosed: false,
    starts: [],
    logGrid: log,
    fixed: undefined,
    range,
  };
}

function problem(formula: string, params: ParamSpec[], objective: Objective, truth: number[]) {
  const rand = mulberry32(3);
  const n = 40;
  const N = Float64Array.from({ length: n }, () => 1e7 * 10 ** (3 * rand()));
  const D = Float64Array.from({ length: n }, () => 1e9 * 10 ** (3 * rand()));
  const names = params.map((p) => p.name);
  const expr = parseExpression(formula);
  const law = { formula: expr, params, variables: ['N', 'D'], objective };
  // Targets from the truth with 3% noise, so residuals sit on both sides of huber's delta.
  const probTruth = buildProblem(law, [N, D], new Float64Array(n).fill(1));
  const f = new Float64Array(n);
  probTruth.program.evaluate(Float64Array.from(truth), f);
  const y = Float64Array.from(f, (v) => v * Math.exp(0.03 * (rand() - 0.5)));
  toNode(expr, names, ['N', 'D']);
  return new SecondOrder(buildProblem(law, [N, D], y), [N, D]);
}

function checkDerivatives(so: SecondOrder, u: number[], h = 1e-5) {
  const p = so.p;
  const g = new Float64Array(p);
  const H = new Float64Array(p * p);
  so.value(u);
  so.derivatives(g, H);
  for (let a = 0; a < p; a++) {
    const up = [...u];
    const dn = [...u];
    up[a] += h;
    dn[a] -= h;
    const fd = (so.value(up) - so.value(dn)) / (2 * h);
    // Central differences are accurate to ~h² times the third derivative: 1e-6 relative here
    // (Huber's kink: a smaller h, so that no row's residual crosses delta inside the stencil).
    assert.ok(Math.abs(fd - g[a]) <= 1e-6 * (Math.abs(g[a]) + 1e-3), `grad ${a}: ${g[a]} vs ${fd}`);
    const gu = new Float64Array(p);
    const gd = new Float64Array(p);
    const Hs = new Float64Array(p * p);
    so.value(up);
    so.derivatives(gu, Hs);
    so.value(dn);
    so.derivatives(gd, Hs);
    for (let b = 0; b < p; b++) {
      const fd2 = (gu[b] - gd[b]) / (2 * h);
      const scale = Math.abs(H[a * p + a] * H[b * p + b]) ** 0.5 + 1e-3;
      assert.ok(Math.abs(fd2 - H[a * p + b]) <= 1e-5 * scale, `H[${a},${b}]: ${H[a * p + b]} vs ${fd2}`);
      assert.equal(H[a * p + b], H[b * p + a]);
    }
  }
}

describe('second-order kernel (exact Hessian)', () => {
  it('Chinchilla, squares on log: gradient and Hessian match central differences', () => {
    const params = [
      spec('E', 0, 10, true),
      spec('A', 0, Infinity, true),
      spec('B', 0, Infinity, true),
      spec('alpha', 0, 3),
      spec('beta', 0, 3),
    ];
    const so = problem(
      'E + A / N^alpha + B / D^beta',
      params,
      { loss: 'squares', onLog: true },
      [1.8, 480, 2100, 0.35, 0.37],
    );
    checkDerivatives(so, [Math.log(1.5), Math.log(300), Math.log(1500), 0.3, 0.4]);
  });

  it('every operation (exp, log, pow of two parameters, powers by constants, min, max, division, negation), squares in linear space', () => {
    const params = [spec('a', -10, 10), spec('b', 0, 5), spec('c', 0, Infinity, true), spec('k', -5, 5)];
    const formula =
      'c * exp(-a / 10) + log(N) * b^k / (1 + k^2) - max(b * 1e-10 * D, k) + min(a, b)^2 + (b + 1)^(a / 5)';
    const so = problem(formula, params, { loss: 'squares', onLog: false }, [1, 2, 3, 0.5]);
    checkDerivatives(so, [0.7, 1.3, Math.log(2.5), 0.4]);
  });

  it('huber on log: the exact Hessian drops the curvature outside delta', () => {
    const params = [spec('E', 0, 10, true), spec('A', 0, Infinity, true), spec('alpha', 0, 3)];
    const so = problem('E + A / N^alpha', params, { loss: 'huber', delta: 1e-2, onLog: true }, [1.8, 480, 0.35]);
    checkDerivatives(so, [Math.log(1.7), Math.log(400), 0.33], 1e-8);
  });

  it('damped Newton recovers noise-free parameters from a poor start', () => {
    const params = [
      spec('E', 0, 10, true),
      spec('A', 0, Infinity, true),
      spec('B', 0, Infinity, true),
      spec('alpha', 0, 3),
      spec('beta', 0, 3),
    ];
    const truth = [1.8, 480, 2100, 0.35, 0.37];
    const so = problem('E + A / N^alpha + B / D^beta', params, { loss: 'huber', delta: 1e-3, onLog: true }, truth);
    const res = newtonLM(so, [0, Math.log(50), Math.log(50), 0.5, 0.5], { maxIterations: 500 });
    assert.ok(res.converged, res.stop);
    // 3% noise on 40 rows: the optimum is near, not at, the truth; 0.05 in the exponents.
    assert.ok(Math.abs(res.u[3] - 0.35) < 0.05 && Math.abs(res.u[4] - 0.37) < 0.05, String(res.u));
  });
});
