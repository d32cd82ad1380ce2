// Engine behaviour on small synthetic problems: diagnostics, hold-out, uncertainty, questions.
import assert from 'node:assert/strict';
import { fitLaw, fitStudy, optimum, predict } from '../../../server/src/core/fit';
import { evalScalar, toNode } from '../../../server/src/core/fit/compile';
import { catalogue } from '../../../server/src/core/laws';
import type { BoundLaw, StudyModel } from '../../../server/src/core/model';
import { parseExpression } from '../../../server/src/core/syntax/parser';
import { mulberry32 } from '../../../server/src/core/fit/stats';
import { buildProblem, Evaluator } from '../../../server/src/core/fit/problem';
import { declaredStarts, multiStart } from '../../../server/src/core/fit/multistart';
import type { Diagnostic } from '../../../server/src/core/diagnostics';
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

/** Source ranges for the law and its name, so a diagnostic's range can be told from the default {0, 0}. */
const LAW_RANGE = { start: 7, end: 70 };
const LAW_NAME_RANGE = { start: 11, end: 21 };
function onRange(b: BoundLaw): BoundLaw {
  b.range = LAW_RANGE;
  b.nameRange = LAW_NAME_RANGE;
  return b;
}

/** There is a diagnostic with this code, severity and message, on the law's range. */
function expectDiagnostic(
  ds: Diagnostic[],
  code: string,
  severity: Diagnostic['severity'],
  message: RegExp,
  range: { start: number; end: number } = LAW_RANGE,
): void {
  assert.ok(
    ds.some(
      (d) =>
        d.code === code &&
        d.severity === severity &&
        message.test(d.message) &&
        d.range.start === range.start &&
        d.range.end === range.end,
    ),
    `no ${severity} ${code} matching ${message} at ${JSON.stringify(range)}: ${JSON.stringify(ds)}`,
  );
}

/** Inverse of a symmetric positive definite P×P matrix: scaled to unit diagonal, Gauss–Jordan. */
function invert(m: Float64Array, P: number): Float64Array {
  const s = Array.from({ length: P }, (_, i) => 1 / Math.sqrt(m[i * P + i]));
  const a = Array.from({ length: P }, (_, i) => [
    ...Array.from({ length: P }, (_, j) => m[i * P + j] * s[i] * s[j]),
    ...Array.from({ length: P }, (_, j) => (i === j ? 1 : 0)),
  ]);
  for (let c = 0; c < P; c++) {
    let piv = c;
    for (let r = c + 1; r < P; r++) if (Math.abs(a[r][c]) > Math.abs(a[piv][c])) piv = r;
    [a[c], a[piv]] = [a[piv], a[c]];
    const d = a[c][c];
    for (let j = 0; j < 2 * P; j++) a[c][j] /= d;
    for (let r = 0; r < P; r++) {
      if (r === c) continue;
      const k = a[r][c];
      for (let j = 0; j < 2 * P; j++) a[r][j] -= k * a[c][j];
    }
  }
  return Float64Array.from(
    { length: P * P },
    (_, k) => a[Math.floor(k / P)][P + (k % P)] * s[Math.floor(k / P)] * s[k % P],
  );
}

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
      f.result.objective.value! <= full.best!.value * (1 + 1e-9),
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
    const f = await fitLaw(onRange(b), { timeBudgetMs: 1, workers: 1 });
    // 1 ms per stage: screening 4,500 starts alone takes ~13 ms, so the budget always runs out, on a fast
    // machine too (30 ms did not, once the search got faster). 2 s leaves room for a loaded CI machine.
    assert.ok(performance.now() - t < 2000);
    expectDiagnostic(
      f.diagnostics,
      'scaling.fit-time-budget',
      'warning',
      /^the time budget ran out after \d+ of 4500 starts; the best so far is shown$/,
    );
    // Resamples the budget left unrun are skipped, not failed refits.
    expectDiagnostic(
      f.diagnostics,
      'scaling.bootstrap-time-budget',
      'warning',
      /^\d+ of 100000 bootstrap refits did not run within the time budget; the intervals rest on \d+$/,
    );
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
    assert.ok(Math.abs(o.result.value! - (3.1e8 / (1e23 / 8.64e19)) ** 0.05) < 1e-6);
  });

  it('reports too few rows and does not fit', async () => {
    const data = table('t', { N: [1e8, 1e9], D: [1e10, 1e11], L: [3, 2.5] });
    const f = await fitLaw(onRange(catalogueLaw('chinchilla', data, { N: 'N', D: 'D' })));
    expectDiagnostic(
      f.diagnostics,
      'scaling.too-few-rows',
      'error',
      /^2 usable row\(s\) for 5 free parameter\(s\): nothing to fit$/,
    );
    assert.equal(f.result.converged, false);
    assert.equal(f.result.stop_reason, 'too-few-rows');
  });

  it('drops non-positive values where a log is taken, with a diagnostic', async () => {
    const data = synthetic();
    data.numeric.get('L')![0] = -1;
    data.numeric.get('N')![1] = 0;
    // Infinite: warned here. A missing value (NaN) is left out too, warned by the validator (validate.ts).
    data.numeric.get('D')![2] = Infinity;
    data.numeric.get('D')![3] = NaN;
    const f = await fitLaw(
      onRange(catalogueLaw('chinchilla', data, { N: 'N', D: 'D' }, { objective: { loss: 'squares', onLog: true } })),
    );
    // Rows are named by file and line (the table's line i + 2: after a header, 1-based).
    expectDiagnostic(
      f.diagnostics,
      'scaling.nonpositive-log',
      'warning',
      /^2 row\(s\) have a zero or negative value where a logarithm or power is taken and are left out \(synthetic:2, synthetic:3\)$/,
    );
    expectDiagnostic(
      f.diagnostics,
      'scaling.nonfinite-value',
      'warning',
      /^1 row\(s\) have an infinite value and are left out \(synthetic:4\)$/,
    );
    assert.deepEqual(f.result.points, { fit: 32, holdout: 0, dropped: 4 });
  });

  it('flags parameters the data cannot identify (every run at one D)', async () => {
    const N = [1e8, 2e8, 4e8, 8e8, 1.6e9, 3.2e9, 6.4e9];
    const data = table('t', { N, D: N.map(() => 2e10), L: N.map((n) => L(n, 2e10)) });
    const f = await fitLaw(onRange(catalogueLaw('chinchilla', data, { N: 'N', D: 'D' })));
    // With D fixed, B / D^beta is one constant: B, beta and E cannot all be pinned down.
    expectDiagnostic(
      f.diagnostics,
      'scaling.unidentifiable',
      'warning',
      /^the data cannot pin down (E|B|beta)(, (E|B|beta))*: moving along .+ leaves the fit unchanged \(the Jacobian is singular\), so (it gets|they get) no interval; vary the inputs more or fix a parameter$/,
    );
  });

  it('flags identical rows', async () => {
    const d = synthetic();
    const dup = table('t', {
      N: [...d.numeric.get('N')!, d.numeric.get('N')![0]],
      D: [...d.numeric.get('D')!, d.numeric.get('D')![0]],
      L: [...d.numeric.get('L')!, d.numeric.get('L')![0]],
    });
    const f = await fitLaw(onRange(catalogueLaw('chinchilla', dup, { N: 'N', D: 'D' })));
    expectDiagnostic(
      f.diagnostics,
      'scaling.identical-rows',
      'warning',
      /^1 row\(s\) repeat another row exactly \(same inputs and L\); they count twice in the fit$/,
    );
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
      onRange(law({ formula: 'log(-a * x)', variables: ['x'], params: [spec('a', { starts: [1] })], data })),
    );
    expectDiagnostic(f.diagnostics, 'scaling.fit-diverged', 'error', /^no start gave a finite objective/);
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
    const held = f.result.residuals!.filter((r) => r.heldOut);
    assert.equal(held.length, 6);
    assert.deepEqual(
      held.map((r) => r.observed),
      [...heldOut.keys()].filter((i) => heldOut[i]).map((i) => data.numeric.get('L')![i]),
    );
    // The metrics from the held-out rows' own fitted values (mean |f − y|/|y|; RMSE of ln f − ln y),
    // to rounding; the 5% bound says one step of extrapolation in N stays near 0.5% noise.
    const mape = held.reduce((s, r) => s + Math.abs(r.fitted - r.observed) / Math.abs(r.observed), 0) / 6;
    const rmse = Math.sqrt(held.reduce((s, r) => s + Math.log(r.fitted / r.observed) ** 2, 0) / 6);
    assert.ok(Math.abs(f.result.holdout!.mape - mape) <= 1e-12, `mape ${f.result.holdout!.mape} vs ${mape}`);
    assert.ok(Math.abs(f.result.holdout!.rmse_log - rmse) <= 1e-12, `rmse ${f.result.holdout!.rmse_log} vs ${rmse}`);
    assert.ok(mape < 0.05, `mape ${mape}`);
  });

  it('says the hold-out error is undefined when a held-out run has a zero target, instead of a null metric', async () => {
    const data = synthetic(3, 0.005);
    const N = data.numeric.get('N')!;
    const heldOut = Uint8Array.from(N, (n) => (n > 1e10 ? 1 : 0));
    data.numeric.get('L')![heldOut.indexOf(1)] = 0; // a held-out row only: the fit itself is unaffected
    const f = await fitLaw(
      onRange(
        catalogueLaw('chinchilla', data, { N: 'N', D: 'D' }, { heldOut, objective: { loss: 'squares', onLog: false } }),
      ),
    );
    assert.equal(f.result.holdout, null);
    expectDiagnostic(
      f.diagnostics,
      'scaling.holdout-undefined',
      'warning',
      /^law 'chinchilla': the hold-out error is undefined: a held-out run has L <= 0/,
      LAW_NAME_RANGE,
    );
  });

  it('bootstrap: same seed, same numbers, whichever the worker split; groups by a column', async () => {
    const data = synthetic(4);
    const u = { method: 'bootstrap' as const, resamples: 40, seed: 7, level: 0.9, by: 'run' };
    const a = await fitLaw(onRange(catalogueLaw('chinchilla', data, { N: 'N', D: 'D' }, { uncertainty: u })), {
      workers: 1,
    });
    const b = await fitLaw(catalogueLaw('chinchilla', data, { N: 'N', D: 'D' }, { uncertainty: u }), { workers: 2 });
    assert.deepEqual(a.result.intervals, b.result.intervals);
    assert.deepEqual(a.result.draws, b.result.draws);
    assert.ok(a.result.intervals!.alpha![0] < 0.35 && a.result.intervals!.alpha![1] > 0.3);
    // 6 groups for 5 parameters: the engine warns that group intervals are unreliable.
    expectDiagnostic(
      a.diagnostics,
      'scaling.few-groups',
      'warning',
      /^only 6 groups in 'run' for 5 parameters: bootstrap intervals will be unreliable$/,
    );
  });

  it('asymptotic intervals cover the truth on a low-noise fit', async () => {
    const data = synthetic(5, 0.002);
    const f = await fitLaw(
      catalogueLaw('chinchilla', data, { N: 'N', D: 'D' }, { uncertainty: { method: 'asymptotic', level: 0.99 } }),
    );
    for (const k of ['alpha', 'beta', 'E'] as const) {
      const [lo, hi] = f.result.intervals![k]!;
      assert.ok(lo < truth[k] && truth[k] < hi, `${k} [${lo}, ${hi}]`);
    }
  });

  it('asymptotic intervals equal s²(JᵀJ)⁻¹ and the delta method computed independently', async () => {
    const data = synthetic(5, 0.002);
    const f = await fitLaw(
      catalogueLaw('chinchilla', data, { N: 'N', D: 'D' }, { uncertainty: { method: 'asymptotic', level: 0.99 } }),
    );
    // Chinchilla's exact gradient in user coordinates, written out here (not the engine's compiler).
    const names = f.law.params.map((q) => q.name);
    const th = Object.fromEntries(names.map((k) => [k, f.result.params[k]]));
    const grad = (n: number, d: number): number[] => {
      const g: Record<string, number> = {
        E: 1,
        A: n ** -th.alpha,
        B: d ** -th.beta,
        alpha: -th.A * n ** -th.alpha * Math.log(n),
        beta: -th.B * d ** -th.beta * Math.log(d),
      };
      return names.map((k) => g[k]);
    };
    const Ns = data.numeric.get('N')!;
    const Ds = data.numeric.get('D')!;
    const Ls = data.numeric.get('L')!;
    const P = names.length;
    const JtJ = new Float64Array(P * P);
    let rss = 0;
    for (let i = 0; i < Ns.length; i++) {
      const g = grad(Ns[i], Ds[i]);
      for (let a = 0; a < P; a++) for (let b = 0; b < P; b++) JtJ[a * P + b] += g[a] * g[b];
      rss += (th.E + th.A / Ns[i] ** th.alpha + th.B / Ds[i] ** th.beta - Ls[i]) ** 2;
    }
    const s2 = rss / (Ns.length - P);
    const cov = invert(JtJ, P).map((v) => v * s2);
    // Student's t at 0.995 (two-sided 99%) with n − p = 36 − 5 = 31 degrees of freedom (scipy.stats.t.ppf).
    const z = 2.744041919294269;
    // Tolerance 1e-6 relative (observed ≤ 3e-10): both sides invert the same 5×5 matrix at the same
    // point, in different coordinates; the engine's prediction gradient is a central difference of
    // relative step 1e-6 (error ~1e-10). A wrong s² (n instead of n − p: 36/31), level or
    // coordinate is off by ≥ 1e-2.
    const close = (got: number, want: number, what: string) =>
      assert.ok(Math.abs(got - want) <= 1e-6 * Math.abs(want), `${what}: engine ${got}, independent ${want}`);
    names.forEach((k, j) => {
      const sd = Math.sqrt(cov[j * P + j]);
      // E, A, B are log-parametrised: their intervals are symmetric in ln θ, θ·exp(±z·sd/θ).
      const log = k === 'E' || k === 'A' || k === 'B';
      const want = log
        ? [th[k] * Math.exp((-z * sd) / th[k]), th[k] * Math.exp((z * sd) / th[k])]
        : [th[k] - z * sd, th[k] + z * sd];
      close(f.result.intervals![k]![0], want[0], `${k} lower`);
      close(f.result.intervals![k]![1], want[1], `${k} upper`);
    });
    const p = predict(f, { N: 7e10, D: 1.4e12 }, []);
    const g = grad(7e10, 1.4e12);
    let v = 0;
    for (let a = 0; a < P; a++) for (let b = 0; b < P; b++) v += g[a] * g[b] * cov[a * P + b];
    const half = z * Math.sqrt(v);
    close(p.result.interval![0], p.result.value! - half, 'prediction lower');
    close(p.result.interval![1], p.result.value! + half, 'prediction upper');
    // The compute-optimal N* under C = 6ND (closed form, domain-anchors §2.8): its interval by the
    // delta method, with the gradient by central differences of relative step 1e-6 here too.
    const computes = [{ name: 'C', formula: parseExpression('6 * N * D'), range: { start: 0, end: 0 } }];
    const o = optimum(f, { C: 5.76e23 }, computes);
    const nStar = (t: Record<string, number>) => {
      const G = ((t.alpha * t.A) / (t.beta * t.B)) ** (1 / (t.alpha + t.beta));
      return G * (5.76e23 / 6) ** (t.beta / (t.alpha + t.beta));
    };
    close(o.result.at.N, nStar(th), 'N*');
    const gN = names.map((k) => {
      const h = 1e-6 * Math.abs(th[k]);
      return (nStar({ ...th, [k]: th[k] + h }) - nStar({ ...th, [k]: th[k] - h })) / (2 * h);
    });
    let vN = 0;
    for (let a = 0; a < P; a++) for (let b = 0; b < P; b++) vN += gN[a] * gN[b] * cov[a * P + b];
    close(o.result.intervals.N![0], o.result.at.N - z * Math.sqrt(vN), 'N* lower');
    close(o.result.intervals.N![1], o.result.at.N + z * Math.sqrt(vN), 'N* upper');
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
    assert.ok(Math.abs(closed.result.value! / search.result.value! - 1) < 1e-9);
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
      sweeps: [],
      plots: [],
      diagnostics: [],
    };
    const { results } = await fitStudy(model);
    assert.equal(results.laws.length, 1);
    assert.ok(Math.abs(results.predictions[0].value! - L(7e10, 1.4e12)) < 0.02);
    // The study's optimum and its interval are the ones optimize() gives for the same fit.
    const alone = optimum(await fitLaw(model.laws[0]), { C: 5.76e23 }, model.computes).result;
    assert.deepEqual(results.optima[0].intervals, alone.intervals);
    const [lo, hi] = results.optima[0].intervals.N!;
    assert.ok(lo < results.optima[0].at.N && results.optima[0].at.N < hi && hi / lo < 10, `N* [${lo}, ${hi}]`);
    const ac = new AbortController();
    ac.abort();
    const cancelled = await fitStudy(model, { signal: ac.signal });
    assert.equal(cancelled.results.laws.length, 0);
  });
});
