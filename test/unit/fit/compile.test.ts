import assert from 'node:assert/strict';
import { linearSplit, Program, toNode, evalScalar } from '../../../server/src/core/fit/compile';
import { parseExpression } from '../../../server/src/core/syntax/parser';

/** Exact Jacobian vs central differences (step 1e-6 relative: truncation ~1e-12, rounding ~1e-10). */
function checkGradient(text: string, params: string[], theta: number[], vars: string[], cols: number[][]) {
  const node = toNode(parseExpression(text), params, vars);
  const n = cols[0].length;
  const prog = new Program(
    node,
    params.length,
    cols.map((c) => Float64Array.from(c)),
    n,
  );
  const f = new Float64Array(n);
  const J = new Float64Array(n * params.length);
  prog.evaluate(Float64Array.from(theta), f, J);
  for (let i = 0; i < n; i++) {
    const v = evalScalar(
      node,
      theta,
      cols.map((c) => c[i]),
    );
    assert.ok(Math.abs(f[i] - v) <= 1e-12 * Math.abs(v), `${text}: value row ${i}`);
    for (let j = 0; j < params.length; j++) {
      const h = 1e-6 * Math.max(1, Math.abs(theta[j]));
      const up = [...theta];
      up[j] += h;
      const dn = [...theta];
      dn[j] -= h;
      const fd =
        (evalScalar(
          node,
          up,
          cols.map((c) => c[i]),
        ) -
          evalScalar(
            node,
            dn,
            cols.map((c) => c[i]),
          )) /
        (2 * h);
      // 1e-6 relative to the larger of the two magnitudes (and 1e-9 absolute) covers the FD error.
      assert.ok(
        Math.abs(J[i * params.length + j] - fd) <= 1e-6 * Math.max(Math.abs(fd), 1e-3),
        `${text}: d/d${params[j]} row ${i}: ${J[i * params.length + j]} vs ${fd}`,
      );
    }
  }
}

describe('formula compiler', () => {
  const N = [1e7, 3e8, 5e9];
  const D = [2e9, 4e10, 1e11];
  it('chinchilla form: exact derivatives', () => {
    checkGradient(
      'E + A / N^alpha + B / D^beta',
      ['E', 'A', 'B', 'alpha', 'beta'],
      [1.8, 480, 2100, 0.35, 0.37],
      ['N', 'D'],
      [N, D],
    );
  });
  it('nested powers, unary minus, log, exp, min, max', () => {
    checkGradient(
      '((Nc / N)^(aN / aD) + Dc / D)^aD',
      ['Nc', 'Dc', 'aN', 'aD'],
      [6.4e13, 1.8e13, 0.076, 0.103],
      ['N', 'D'],
      [N, D],
    );
    checkGradient(
      'a + b * N^-c0 * (1 + (N / d1)^(1 / f1))^(-c1 * f1)',
      ['a', 'b', 'c0', 'c1', 'd1', 'f1'],
      [0.5, 20, 0.2, 0.4, 1e8, 0.5],
      ['N'],
      [N],
    );
    checkGradient(
      'exp(e) + log(A) * max(N, 1e8) / min(D, p * 1e10) - -k',
      ['e', 'A', 'p', 'k'],
      [0.5, 3, 2, 0.1],
      ['N', 'D'],
      [N, D],
    );
    checkGradient('p^q * 2^p', ['p', 'q'], [1.7, 0.3], ['N'], [N]);
  });
  it('rejects unknown names and conditions', () => {
    assert.throws(() => toNode(parseExpression('E + Z'), ['E'], []), /unknown name 'Z'/);
    assert.throws(() => toNode(parseExpression('E < 1'), ['E'], []), /condition/);
    assert.throws(() => toNode(parseExpression('foo(E)'), ['E'], []), /unknown function/);
  });
  it('finds the linear parameters (variable projection)', () => {
    const node = toNode(parseExpression('E + A / N^alpha + B / D^beta'), ['E', 'A', 'B', 'alpha', 'beta'], ['N', 'D']);
    const split = linearSplit(node, new Set([0, 1, 2]));
    assert.ok(split);
    assert.deepEqual(split.terms.map((t) => t.param).sort(), [0, 1, 2]);
    assert.equal(linearSplit(node, new Set([3])), undefined); // alpha is not linear
  });
});
