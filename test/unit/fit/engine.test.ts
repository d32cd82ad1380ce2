// Engine behaviour on small synthetic problems: diagnostics, hold-out, uncertainty, questions.
import assert from 'node:assert/strict';
import { fitLaw, fitStudy, optimum, predict } from '../../../server/src/core/fit';
import { evalScalar, toNode } from '../../../server/src/core/fit/compile';
import { catalogue } from '../../../server/src/core/laws';
import type { StudyModel } from '../../../server/src/core/model';
import { parseExpression } from '../../../server/src/core/syntax/parser';
import { mulberry32 } from '../../../server/src/core/fit/stats';
import { buildProblem, Evaluator } from '../../../server/src/core/fit/problem';
import { declaredStarts, multiStart } from '../../../server/src/core/fit/multistart';
import { catalogueLaw, law, spec, table } from './helpers';

const truth = { E: 1.8, A: 480, B: 2100, alpha: 0.35, beta: 0.37 };
const chin = catalogue.get('chinchilla')!;
const node = toNode(
  chin.formula,
  chin.params.map((p) => p.name),
  ['N', 'D'],
);
const L = (n: number, d: number) => evalScalar(node, Object.values(truth), [n, d]);

/** A 6×6 (N, D) design with 1% multiplicative noise (seeded), and a run id per N. */
function synthetic(seed = 1, noise = 0.01) {
  const rand = mulberry32(seed);
  const N: number[] = [];
  const D: number[] = [];
  const Ls: number[] = [];
  const run: string[] = [];
  for (let i = 0; i < 6; i++)
    for (let j = 0; j < 6; j++) {
      const n = 5e7 * 3 ** i;
      const d = 1e9 * 3 ** j;
      N.push(n);
      D.push(d);
      const z = Math.sqrt(-2 * Math.log(rand() + 1e-300)) * Math.cos(2 * Math.PI * rand());
      Ls.push(L(n, d) * Math.exp(noise * z));
      run.push(`m${i}`);
    }
  return table('synthetic', { N, D, L: Ls }, { run });
}

const codes = (ds: { code: string }[]) => ds.map((d) => d.code);

describe('fit engine', function () {
  this.timeout(60_000);

  it('variable projection (squares, linear space) reaches the same optimum as full LM from every start', async () => {
    const data = synthetic(8, 0.02);
    const b = catalogueLaw('chinchilla', data, { N: 'N', D: 'D' });
    const f = await fitLaw(b);
    // The 4,500 Hoffmann starts project onto 25 (alpha, beta) pairs; E, A, B are solved exactly.
    assert.equal(f.result.starts.declared, 4500);
    assert.ok(f.result.starts.optimized <= 25);
    const cols = ['N', 'D'].map((v) => data.numeric.get(v)!);
    const prob = buildProblem(b, cols, data.numeric.get('L')!);
    const ev = new Evaluator(prob);
    const full = await multiStart(
      ev,
      declaredStarts(
        prob,
        b.params.map((p) => p.starts),
      ),
      { optimize: 300 },
    );
    // Both end at a stationary point polished to 1e-13 relative change; 1e-9 relative is the
    // agreement two converged optimizers can be held to on a 36-row problem.
    assert.ok(
      f.result.objective.value <= full.best!.value * (1 + 1e-9),
      `${f.result.objective.value} vs ${full.best!.value}`,
    );
  });

  it('a time budget ends the search with the best so far and a diagnostic, never hangs', async () => {
    const data = synthetic(9);
    const b = catalogueLaw(
      'chinchilla',
      data,
      { N: 'N', D: 'D' },
      {
        objective: { loss: 'huber', delta: 1e-3, onLog: true },
        uncertainty: { method: 'bootstrap', resamples: 100000, seed: 1, level: 0.9, by: undefined },
      },
    );
    const t = performance.now();
    const f = await fitLaw(b, { timeBudgetMs: 30, workers: 1 });
    // 30 ms per stage plus one LM run of slack; 2 s leaves room for a loaded CI machine.
    assert.ok(performance.now() - t < 2000, `${performance.now() - t} ms`);
    assert.ok(codes(f.diagnostics).includes('scaling.fit-time-budget'));
    assert.ok(codes(f.diagnostics).includes('scaling.bootstrap-failures'));
    assert.equal(f.result.stop_reason, 'time-budget');
  });

  it('AbortSignal.timeout cancels an in-thread search and bootstrap promptly', async () => {
    const data = synthetic(10);
    const b = catalogueLaw(
      'chinchilla',
      data,
      { N: 'N', D: 'D' },
      {
        objective: { loss: 'huber', delta: 1e-3, onLog: true },
        uncertainty: { method: 'bootstrap', resamples: 100000, seed: 1, level: 0.9, by: undefined },
      },
    );
    const t = performance.now();
    await fitLaw(b, { signal: AbortSignal.timeout(50), workers: 1, exhaustive: true });
    // The search yields to the event loop every 20 ms, so the timer's abort lands within ~one
    // LM run of 50 ms; 2 s is slack for a loaded machine (uncancelled this would take minutes).
    assert.ok(performance.now() - t < 2000, `${performance.now() - t} ms`);
  });

  it('optimize for a law of compute alone gives its value at the budget', async () => {
    const C = [1e18, 1e19, 1e20, 1e21, 1e22];
    const data = table('t', { C, L: C.map((c) => (3.1e8 / (c / 8.64e19)) ** 0.05) });
    const f = await fitLaw(catalogueLaw('kaplan_c', data, { C: 'C' }));
    const o = optimum(f, { C: 1e23 }, []);
    assert.ok(!o.error);
    assert.ok(Math.abs(o.result.value - (3.1e8 / (1e23 / 8.64e19)) ** 0.05) < 1e-6);
  });

  it('reports too few rows and does not fit', async () => {
    const data = table('t', { N: [1e8, 1e9], D: [1e10, 1e11], L: [3, 2.5] });
    const f = await fitLaw(catalogueLaw('chinchilla', data, { N: 'N', D: 'D' }));
    assert.ok(codes(f.diagnostics).includes('scaling.too-few-rows'));
    assert.equal(f.result.converged, false);
    assert.equal(f.result.stop_reason, 'too-few-rows');
  });

  it('drops non-positive values where a log is taken, with a diagnostic', async () => {
    const data = synthetic();
    data.numeric.get('L')![0] = -1;
    data.numeric.get('N')![1] = 0;
    data.numeric.get('D')![2] = NaN;
    const f = await fitLaw(
      catalogueLaw('chinchilla', data, { N: 'N', D: 'D' }, { objective: { loss: 'squares', onLog: true } }),
    );
    assert.ok(codes(f.diagnostics).includes('scaling.nonpositive-log'));
    assert.ok(codes(f.diagnostics).includes('scaling.nonfinite-value'));
    assert.deepEqual(f.result.points, { fit: 33, holdout: 0, dropped: 3 });
  });

  it('flags parameters the data cannot identify (every run at one D)', async () => {
    const N = [1e8, 2e8, 4e8, 8e8, 1.6e9, 3.2e9, 6.4e9];
    const data = table('t', { N, D: N.map(() => 2e10), L: N.map((n) => L(n, 2e10)) });
    const f = await fitLaw(catalogueLaw('chinchilla', data, { N: 'N', D: 'D' }));
    assert.ok(codes(f.diagnostics).includes('scaling.unidentifiable'), JSON.stringify(codes(f.diagnostics)));
  });

  it('flags identical rows', async () => {
    const d = synthetic();
    const dup = table('t', {
      N: [...d.numeric.get('N')!, d.numeric.get('N')![0]],
      D: [...d.numeric.get('D')!, d.numeric.get('D')![0]],
      L: [...d.numeric.get('L')!, d.numeric.get('L')![0]],
    });
    const f = await fitLaw(catalogueLaw('chinchilla', dup, { N: 'N', D: 'D' }));
    assert.ok(codes(f.diagnostics).includes('scaling.identical-rows'));
  });

  it('reports a parameter ending on its bound, with the parameter range', async () => {
    // True exponent 0.35 but the bound says alpha ≤ 0.2.
    const data = synthetic(2, 0.001);
    const b = catalogueLaw('chinchilla', data, { N: 'N', D: 'D' });
    b.params[3] = { ...b.params[3], upper: 0.2, starts: [0.1], range: { start: 10, end: 20 } };
    const f = await fitLaw(b);
    const d = f.diagnostics.find((x) => x.code === 'scaling.param-at-bound');
    assert.ok(d, JSON.stringify(codes(f.diagnostics)));
    assert.deepEqual(d.range, { start: 10, end: 20 });
    assert.ok(Math.abs(f.result.params.alpha - 0.2) < 1e-9);
  });

  it('reports a formula that cannot be computed as diverged', async () => {
    const data = table('t', { x: [1, 2, 3, 4], L: [1, 2, 3, 4] });
    const f = await fitLaw(
      law({ formula: 'log(-a * x)', variables: ['x'], params: [spec('a', { starts: [1] })], data }),
    );
    assert.ok(codes(f.diagnostics).includes('scaling.fit-diverged'));
  });

  it('keeps held-out rows out of the fit and scores them', async () => {
    const data = synthetic(3, 0.005);
    const heldOut = Uint8Array.from(data.numeric.get('N')!, (n) => (n > 1e10 ? 1 : 0));
    const f = await fitLaw(
      catalogueLaw(
        'chinchilla',
        data,
        { N: 'N', D: 'D' },
        { heldOut, objective: { loss: 'huber', delta: 1e-3, onLog: true } },
      ),
    );
    assert.equal(f.result.points.holdout, 6);
    assert.equal(f.result.points.fit, 30);
    assert.ok(f.result.holdout);
    // Noise is 0.5% per point, so extrapolation one step in N should stay within a few percent.
    assert.ok(f.result.holdout.mape > 0 && f.result.holdout.mape < 0.05, `mape ${f.result.holdout.mape}`);
    assert.ok(f.result.holdout.rmse_log < 0.05);
    assert.equal(f.result.residuals!.filter((r) => r.heldOut).length, 6);
  });

  it('says the hold-out error is undefined when a held-out run has a zero target, instead of a null metric', async () => {
    const data = synthetic(3, 0.005);
    const N = data.numeric.get('N')!;
    const heldOut = Uint8Array.from(N, (n) => (n > 1e10 ? 1 : 0));
    data.numeric.get('L')![heldOut.indexOf(1)] = 0; // a held-out row only: the fit itself is unaffected
    const f = await fitLaw(
      catalogueLaw('chinchilla', data, { N: 'N', D: 'D' }, { heldOut, objective: { loss: 'squares', onLog: false } }),
    );
    assert.equal(f.result.holdout, null);
    assert.ok(codes(f.diagnostics).includes('scaling.holdout-undefined'), JSON.stringify(codes(f.diagnostics)));
  });

  it('bootstrap: same seed, same numbers, whichever the worker split; groups by a column', async () => {
    const data = synthetic(4);
    const u = { method: 'bootstrap' as const, resamples: 40, seed: 7, level: 0.9, by: 'run' };
    const a = await fitLaw(catalogueLaw('chinchilla', data, { N: 'N', D: 'D' }, { uncertainty: u }), { workers: 1 });
    const b = await fitLaw(catalogueLaw('chinchilla', data, { N: 'N', D: 'D' }, { uncertainty: u }), { workers: 2 });
    assert.deepEqual(a.result.intervals, b.result.intervals);
    assert.deepEqual(a.result.draws, b.result.draws);
    assert.ok(a.result.intervals!.alpha[0] < 0.35 && a.result.intervals!.alpha[1] > 0.3);
    // 6 groups for 5 parameters: the engine warns that group intervals are unreliable.
    assert.ok(codes(a.diagnostics).includes('scaling.few-groups'));
  });

  it('asymptotic intervals cover the truth on a low-noise fit', async () => {
    const data = synthetic(5, 0.002);
    const f = await fitLaw(
      catalogueLaw('chinchilla', data, { N: 'N', D: 'D' }, { uncertainty: { method: 'asymptotic', level: 0.99 } }),
    );
    for (const k of ['alpha', 'beta', 'E'] as const) {
      const [lo, hi] = f.result.intervals![k];
      assert.ok(lo < truth[k] && truth[k] < hi, `${k} [${lo}, ${hi}]`);
    }
    const p = predict(f, { N: 7e10, D: 1.4e12 }, []);
    assert.ok(p.result.interval && p.result.interval[0] < p.result.value && p.result.value < p.result.interval[1]);
  });

  it('optimize: closed form for C = 6*N*D agrees with the 1-D search under C = N*D*6 + 0', async () => {
    const data = synthetic(6, 0.001);
    const f = await fitLaw(catalogueLaw('chinchilla', data, { N: 'N', D: 'D' }));
    const range = { start: 0, end: 0 };
    const closed = optimum(f, { C: 5.76e23 }, [{ name: 'C', formula: parseExpression('6 * N * D'), range }]);
    const search = optimum(f, { C: 5.76e23 }, [{ name: 'C', formula: parseExpression('N * D * 6 + 0'), range }]);
    assert.ok(!closed.error && !search.error);
    // Golden-section on ln N to 100 iterations: agreement far below 1e-6 relative.
    assert.ok(Math.abs(closed.result.at.N / search.result.at.N - 1) < 1e-6);
    assert.ok(Math.abs(closed.result.value / search.result.value - 1) < 1e-9);
    assert.ok(Math.abs((6 * closed.result.at.N * closed.result.at.D) / 5.76e23 - 1) < 1e-12);
  });

  it('fitStudy: laws, predictions, optima and isoflops together; cancellation stops it', async () => {
    const data = synthetic(7, 0.003);
    const range = { start: 0, end: 0 };
    const model: StudyModel = {
      title: 't',
      computes: [{ name: 'C', formula: parseExpression('6 * N * D'), range }],
      datasets: new Map([['synthetic', data]]),
      laws: [
        catalogueLaw('chinchilla', data, { N: 'N', D: 'D' }, { uncertainty: { method: 'asymptotic', level: 0.9 } }),
      ],
      isoflops: [],
      predictions: [{ law: 'chinchilla', at: { N: 7e10, D: 1.4e12 }, range }],
      optima: [{ law: 'chinchilla', budget: { C: 5.76e23 }, range }],
      frontiers: [],
      plots: [],
      diagnostics: [],
    };
    const { results } = await fitStudy(model);
    assert.equal(results.laws.length, 1);
    assert.ok(Math.abs(results.predictions[0].value - L(7e10, 1.4e12)) < 0.02);
    assert.ok(results.optima[0].intervals.N);
    const ac = new AbortController();
    ac.abort();
    const cancelled = await fitStudy(model, { signal: ac.signal });
    assert.equal(cancelled.results.laws.length, 0);
  });
});
