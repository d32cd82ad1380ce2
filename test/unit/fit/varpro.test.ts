// Variable projection's grid solver (the seeds' cached Gram sums) against solveLinear, which
// computes every sum afresh: at every point of a grid of the nonlinear parameters, the same linear
// parameters bit for bit (the cache may only reuse a sum, never one made at other parameters).
import assert from 'node:assert/strict';
import { buildProblem } from '../../../server/src/core/fit/problem';
import { mulberry32 } from '../../../server/src/core/fit/stats';
import { findLinearStructure, gridSolver, solveLinear } from '../../../server/src/core/fit/varpro';
import type { Objective, ParamSpec } from '../../../server/src/core/model';
import { parseExpression } from '../../../server/src/core/syntax/parser';
import { bounded, chinchillaParams, syntheticSizes } from './helpers';

function check(formula: string, params: ParamSpec[], grids: number[][], zeros: boolean) {
  const rand = mulberry32(7);
  const n = 50;
  const { N, D } = syntheticSizes(rand, n);
  const y = Float64Array.from({ length: n }, (_, i) => 2 + 300 / N[i] ** 0.3 + 900 / D[i] ** 0.3 + 0.01 * rand());
  const objective: Objective = { loss: 'squares', onLog: true };
  const law = { formula: parseExpression(formula), params, variables: ['N', 'D'], objective };
  const prob = buildProblem(law, [N, D], y);
  const ls = findLinearStructure(prob, [N, D]);
  assert.ok(ls && ls.nonlinear.length === grids.length, 'the premise: a linear split with these nonlinear parameters');
  const w = Float64Array.from(y, (v, i) => (zeros && i % 4 === 0 ? 0 : 1 / (v * v)));
  const solve = gridSolver(
    ls,
    prob,
    w,
    grids.map((g) => g.length),
  );
  const scratch = { f: new Float64Array(n), cols: ls.bases.map(() => new Float64Array(n)) };
  const theta = new Float64Array(prob.base);
  const idx = grids.map(() => 0);
  let solved = 0;
  for (let combo = 0; combo < grids.reduce((a, g) => a * g.length, 1); combo++) {
    ls.nonlinear.forEach((j, m) => (theta[j] = grids[m][idx[m]]));
    const a = solveLinear(ls, prob, theta, w, scratch);
    const b = solve(theta, idx);
    assert.equal(a === undefined, b === undefined);
    if (a && b) {
      solved++;
      a.forEach((x, m) => assert.ok(Object.is(x, b[m]), `${formula} at ${idx}: ${x} vs ${b[m]}`));
    }
    for (let m = 0; m < idx.length; m++) {
      if (++idx[m] < grids[m].length) break;
      idx[m] = 0;
    }
  }
  assert.ok(solved > 0);
}

describe('variable projection: the seeds grid solver', () => {
  const chinchilla = chinchillaParams();
  const fine = [0, 0.25, 0.5, 0.75, 1, 1.25, 1.5];

  it('Chinchilla (bases depend on one exponent each) equals solveLinear at every grid point', () => {
    check('E + A / N^alpha + B / D^beta', chinchilla, [fine, fine], false);
  });

  it('with rows of weight 0, and an offset that depends on a nonlinear parameter', () => {
    check('E + A / N^alpha + B / D^beta', chinchilla, [fine, fine], true);
    const withOffset = [
      bounded('E', 0, 10, true),
      bounded('A', 0, Infinity, true),
      bounded('alpha', 0, 3),
      bounded('beta', 0, 3),
    ];
    check('E + A / N^alpha + 1000 / D^beta', withOffset, [fine, fine.slice(1)], true);
  });

  it('a basis that depends on two nonlinear parameters', () => {
    const params = [
      bounded('E', 0, 10, true),
      bounded('A', 0, Infinity, true),
      bounded('alpha', 0, 3),
      bounded('beta', 0, 3),
    ];
    check('E + A / (N^alpha * D^beta)', params, [fine, fine.slice(0, 4)], false);
  });
});
