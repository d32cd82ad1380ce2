// The second-order kernel compiled to WebAssembly (newtonWasm.ts) against the JavaScript tape it
// is compiled from: the same objective, gradient, Hessian and residuals to the last bit, for every
// operation, loss, scale, weighting and Hessian kind, at valid and invalid points. Bit equality is
// the stated tolerance: each row performs the same IEEE operations in the same order, with the
// same Math.exp/log/pow, so any difference is a codegen bug, not rounding.
import assert from 'node:assert/strict';
import { SecondOrder } from '../../../server/src/core/fit/newton';
import { screenGrid } from '../../../server/src/core/fit/search';
import { buildProblem } from '../../../server/src/core/fit/problem';
import { mulberry32 } from '../../../server/src/core/fit/stats';
import type { Objective, ParamSpec } from '../../../server/src/core/model';
import { parseExpression } from '../../../server/src/core/syntax/parser';
import { bounded, chinchillaParams, syntheticSizes } from './helpers';

function pair(
  formula: string,
  params: ParamSpec[],
  objective: Objective,
  truth: number[],
  weights?: 'random' | 'zeros',
) {
  const rand = mulberry32(11);
  const n = 37;
  const { N, D } = syntheticSizes(rand, n);
  const law = { formula: parseExpression(formula), params, variables: ['N', 'D'], objective };
  const probTruth = buildProblem(law, [N, D], new Float64Array(n).fill(1));
  const f = new Float64Array(n);
  probTruth.program.evaluate(Float64Array.from(truth), f);
  const y = Float64Array.from(f, (v) => v * Math.exp(0.05 * (rand() - 0.5)));
  const make = (wasm: boolean) => {
    const prob = buildProblem(law, [N, D], y);
    if (weights)
      prob.weights = Float64Array.from({ length: n }, (_, i) =>
        weights === 'zeros' && i % 3 === 0 ? 0 : 0.5 + rand(),
      );
    return new SecondOrder(prob, [N, D], { wasm });
  };
  columns = [N, D];
  const js = make(false);
  const wasm = make(true);
  assert.equal(js.compiled, false);
  assert.equal(wasm.compiled, true, 'WebAssembly is available in Node: the kernel must compile');
  if (weights) wasm.prob.weights = js.prob.weights; // the same weights in both
  return { js, wasm };
}

let columns: Float64Array[] = [];

function same(label: string, a: ArrayLike<number>, b: ArrayLike<number>) {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) assert.ok(Object.is(a[i], b[i]), `${label}[${i}]: js ${a[i]} vs wasm ${b[i]}`);
}

function compare(js: SecondOrder, wasm: SecondOrder, points: number[][]) {
  const p = js.p;
  for (const u of points) {
    const vj = js.value(u);
    const vw = wasm.value(u);
    assert.ok(Object.is(vj, vw), `value at ${u}: js ${vj} vs wasm ${vw}`);
    if (!Number.isFinite(vj)) continue;
    for (const exact of [true, false]) {
      const gj = new Float64Array(p);
      const Hj = new Float64Array(p * p);
      const gw = new Float64Array(p);
      const Hw = new Float64Array(p * p);
      js.derivatives(gj, Hj, exact);
      wasm.derivatives(gw, Hw, exact);
      same(`g (exact ${exact}) at ${u}`, gj, gw);
      same(`H (exact ${exact}) at ${u}`, Hj, Hw);
    }
  }
}

function points(p: number, count: number, center: number[], spread: number): number[][] {
  const rand = mulberry32(5);
  return Array.from({ length: count }, () => center.slice(0, p).map((c) => c + spread * (rand() - 0.5)));
}

const chinchilla = chinchillaParams();
const chinchillaAt = [Math.log(1.7), Math.log(400), Math.log(1800), 0.33, 0.36];

describe('second-order kernel as WebAssembly: the same numbers as the JavaScript tape', () => {
  for (const objective of [
    { loss: 'huber', delta: 1e-3, onLog: true },
    { loss: 'huber', delta: 0.5, onLog: false },
    { loss: 'squares', onLog: true },
    { loss: 'squares', onLog: false },
  ] as Objective[]) {
    it(`Chinchilla, ${objective.loss} on ${objective.onLog ? 'log' : 'linear'} scale`, () => {
      const { js, wasm } = pair('E + A / N^alpha + B / D^beta', chinchilla, objective, [1.8, 480, 2100, 0.35, 0.37]);
      compare(js, wasm, points(5, 25, chinchillaAt, 1));
    });
  }

  for (const weights of ['random', 'zeros'] as const) {
    it(`weighted rows (${weights === 'zeros' ? 'every third weight 0' : 'random weights'})`, () => {
      const { js, wasm } = pair(
        'E + A / N^alpha + B / D^beta',
        chinchilla,
        { loss: 'huber', delta: 1e-3, onLog: true },
        [1.8, 480, 2100, 0.35, 0.37],
        weights,
      );
      compare(js, wasm, points(5, 15, chinchillaAt, 1));
      // Dropping the weights again: every row weighs 1.
      js.prob.weights = undefined;
      wasm.prob.weights = undefined;
      compare(js, wasm, points(5, 5, chinchillaAt, 1));
    });
  }

  it('every operation: exp, log, pow of two parameters, constant powers, min, max, division, negation', () => {
    const params = [bounded('a', -10, 10), bounded('b', 0, 5), bounded('c', 0, Infinity, true), bounded('k', -5, 5)];
    const formula =
      'c * exp(-a / 10) + log(N) * b^k / (1 + k^2) - max(b * 1e-10 * D, k) + min(a, b)^2 + (b + 1)^(a / 5) + b^0.5 / (c - k)';
    for (const objective of [
      { loss: 'squares', onLog: false },
      { loss: 'huber', delta: 0.1, onLog: true },
    ] as Objective[]) {
      const { js, wasm } = pair(formula, params, objective, [1, 2, 3, 0.5]);
      compare(js, wasm, points(4, 40, [0.7, 1.3, Math.log(2.5), 0.4], 3));
    }
  });

  it('invalid points (a negative prediction on log, a zero base) give NaN in both', () => {
    const params = [bounded('a', -10, 10), bounded('b', -5, 5)];
    const { js, wasm } = pair('a + b * log(N)', params, { loss: 'huber', delta: 1e-3, onLog: true }, [1, 0.1]);
    compare(js, wasm, [
      [-50, 0],
      [0, 0],
      [1, 0.1],
      [-1, 0.01],
    ]);
    const pw = pair('a^b + 1', params, { loss: 'squares', onLog: false }, [1, 1]);
    compare(pw.js, pw.wasm, [
      [0, 2],
      [0, -1],
      [0, 0],
      [-2, 0.5],
      [2, 3],
    ]);
  });

  it('counts evaluations and keeps the residuals the screening reads', () => {
    const { js, wasm } = pair(
      'E + A / N^alpha + B / D^beta',
      chinchilla,
      { loss: 'huber', delta: 1e-3, onLog: true },
      [1.8, 480, 2100, 0.35, 0.37],
    );
    js.value(chinchillaAt);
    wasm.value(chinchillaAt);
    assert.equal(wasm.evaluations, 1);
    assert.equal(js.evaluations, 1);
  });

  // Screening (screenWasm.ts): the root operation over cached sub-formula columns and the
  // objective, abandoned past the keep-th best; values and the abandoned set bit for bit.
  const chinchillaGrid = [
    [0, 0.5, 1],
    [4, 5, 6],
    [6, 7],
    [0.2, 0.35, 0.5],
    [0.3, 0.4],
  ];
  const grids: [string, ParamSpec[], number[][], Objective, 'random' | undefined][] = [
    [
      'E + A / N^alpha + B / D^beta',
      chinchilla,
      chinchillaGrid,
      { loss: 'huber', delta: 1e-3, onLog: true },
      undefined,
    ],
    ['E + A / N^alpha + B / D^beta', chinchilla, chinchillaGrid, { loss: 'squares', onLog: false }, 'random'],
    [
      '(E + A / N^alpha) * (1 + B / D^beta)',
      chinchilla,
      [
        [0, 0.5],
        [4, 6],
        [6, 7],
        [0.2, 0.35, 0.5],
        [0.3, 0.4],
      ],
      { loss: 'huber', delta: 0.01, onLog: true },
      undefined,
    ],
    [
      'exp(E) / N^alpha',
      chinchilla.slice(0, 1).concat(chinchilla.slice(3, 4)),
      [
        [-1, 0, 1, 2],
        [0.1, 0.3, 0.5],
      ],
      { loss: 'squares', onLog: true },
      undefined,
    ],
    [
      'min(E, A / N^alpha)',
      [chinchilla[0], chinchilla[1], chinchilla[3]],
      [
        [0, 1, 2],
        [3, 5, 7],
        [0.1, 0.3, 0.5],
      ],
      { loss: 'huber', delta: 0.1, onLog: false },
      undefined,
    ],
  ];
  for (const [formula, params, lists, objective, weights] of grids) {
    it(`screening ${formula} (${objective.loss}${weights ? ', weighted' : ''}) equals the JavaScript screening`, () => {
      const truth = params.map((p) => (p.logGrid ? 2 : 0.3));
      const { js, wasm } = pair(formula, params, objective, truth, weights);
      for (const keep of [Infinity, 5]) {
        const a = screenGrid(js, js.prob, columns, lists, keep);
        const b = screenGrid(wasm, wasm.prob, columns, lists, keep);
        same(`values (keep ${keep})`, a.values, b.values);
        assert.deepEqual(a.partial, b.partial);
        if (keep === 5) assert.ok(b.partial?.includes(1), 'some starts were abandoned');
      }
    });
  }
});
