// Intervals in every corner (issue 12): Student t, unidentifiable directions, bounds, Huber's
// robust covariance, failed bootstrap refits, worker failures, confidence vs prediction intervals.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fitLaw, predict } from '../../../server/src/core/fit';
import { DrawStatus, runBootstrap } from '../../../server/src/core/fit/bootstrap';
import { bootstrapParallel, FitCancelled } from '../../../server/src/core/fit/pool';
import { mulberry32 } from '../../../server/src/core/fit/stats';
import type { UncertaintySpec } from '../../../server/src/core/model';
import { lawSummary } from '../../../server/src/present/facts';
import { catalogueLaw, law, olsSlope, spec, table } from './helpers';

/** Standard normal draws from a seeded stream (Box–Muller). */
function normals(seed: number): () => number {
  const rand = mulberry32(seed);
  return () => Math.sqrt(-2 * Math.log(rand() + 1e-300)) * Math.cos(2 * Math.PI * rand());
}

const codes = (ds: { code: string }[]) => ds.map((d) => d.code);

/** A bootstrap task for kaplan_n on six noisy runs (1% noise, seeded), refits starting at theta. */
function kaplanTask(seed: number, theta: number[]) {
  const z = normals(seed);
  const N = [1e8, 2e8, 4e8, 8e8, 1.6e9, 3.2e9];
  const L = N.map((n) => (8.8e13 / n) ** 0.076 * Math.exp(0.01 * z()));
  const k = catalogueLaw('kaplan_n', table('k', { N, L }), { N: 'N' });
  return {
    formula: k.formula,
    params: k.params,
    variables: k.variables,
    objective: k.objective,
    columns: [Float64Array.from(N)],
    y: Float64Array.from(L),
    groups: undefined,
    groupCount: 0,
    theta: Float64Array.from(theta),
    seed: 1,
  };
}

// scipy.stats.t.ppf(0.95, df) for the degrees of freedom these tests use.
const T95 = { 3: 2.3533634348018233, 8: 1.8595480375308973 };

describe('uncertainty in every corner', function () {
  this.timeout(60_000);

  it('kaplan_n, squares on log: the asymptotic exponent interval is the OLS t-interval (1e-6 relative)', async () => {
    // ln L = alphaN ln Nc − alphaN ln N is linear: the slope's t-interval (df = n − 2) is exact.
    const z = normals(3);
    const N = [1e7, 3e7, 1e8, 3e8, 1e9, 3e9, 1e10, 3e10, 1e11, 3e11];
    const L = N.map((n) => (8.8e13 / n) ** 0.076 * Math.exp(0.01 * z()));
    const f = await fitLaw(
      catalogueLaw(
        'kaplan_n',
        table('k', { N, L }),
        { N: 'N' },
        {
          objective: { loss: 'squares', onLog: true },
          uncertainty: { method: 'asymptotic', level: 0.9 },
        },
      ),
    );
    const x = N.map(Math.log);
    const y = L.map(Math.log);
    const { slope, se } = olsSlope(x, y);
    const want = [-slope - T95[8] * se, -slope + T95[8] * se];
    const got = f.result.intervals!.alphaN!;
    assert.ok(Math.abs(f.result.params.alphaN / -slope - 1) < 1e-9, `${f.result.params.alphaN} vs ${-slope}`);
    for (let k = 0; k < 2; k++)
      assert.ok(Math.abs(got[k] / want[k] - 1) < 1e-6, `alphaN interval ${got} vs OLS t-interval ${want}`);
  });

  /** Chinchilla rows all at one D: B/D^beta is a constant the data cannot tell from E. */
  function oneD(uncertainty: UncertaintySpec) {
    const z = normals(5);
    const N = [5e7, 1e8, 2e8, 4e8, 8e8, 1.6e9, 3.2e9, 6.4e9, 1.28e10];
    const D = N.map(() => 2e10);
    const L = N.map((n, i) => (1.8 + 480 / n ** 0.35 + 2100 / D[i] ** 0.37) * Math.exp(0.003 * z()));
    return catalogueLaw('chinchilla', table('oneD', { N, D, L }), { N: 'N', D: 'D' }, { uncertainty });
  }

  for (const method of ['asymptotic', 'bootstrap'] as const) {
    it(`${method}: an unidentifiable parameter gets no interval, and so does a prediction that depends on it`, async () => {
      const u =
        method === 'asymptotic'
          ? { method, level: 0.9 }
          : { method, level: 0.9, resamples: 60, seed: 1, by: undefined };
      const f = await fitLaw(oneD(u), { workers: 1 });
      const d = f.diagnostics.find((x) => x.code === 'scaling.unidentifiable');
      assert.ok(d, JSON.stringify(codes(f.diagnostics)));
      assert.match(d.message, /\bB\b/);
      assert.match(d.message, /·/, 'names the combination');
      const iv = f.result.intervals!;
      assert.ok('B' in iv && iv.B === null, `B: ${JSON.stringify(iv.B)}`);
      assert.equal(iv.E, null);
      assert.equal(iv.beta, null);
      // A and alpha are pinned down by the spread in N.
      assert.ok(iv.A && iv.alpha, JSON.stringify(iv));
      // At another D the prediction moves along B/D^beta vs E: no interval; at the data's D it does not.
      const away = predict(f, { N: 1e9, D: 1e12 }, []).result;
      assert.equal(away.interval, null);
      assert.equal(away.observation_interval, null);
      const home = predict(f, { N: 1e9, D: 2e10 }, []).result;
      assert.ok(home.interval && home.value !== null && home.interval[0] < home.value && home.value < home.interval[1]);
    });
  }

  it('a parameter on its bound gets a one-sided interval from the bound', async () => {
    // y falls with x but the slope b is declared ≥ 0: the fit ends at b = 0.
    const z = normals(9);
    const x = Array.from({ length: 12 }, (_, i) => i + 1);
    const y = x.map((v) => 5 - 0.05 * v + 0.1 * z());
    const f = await fitLaw(
      law({
        formula: 'a + b * x',
        variables: ['x'],
        target: 'y',
        params: [spec('a', { starts: [1, 4] }), spec('b', { lower: 0, lowerClosed: true, starts: [0.5, 1] })],
        data: table('t', { x, y }),
        uncertainty: { method: 'asymptotic', level: 0.9 },
      }),
    );
    assert.ok(codes(f.diagnostics).includes('scaling.param-at-bound'));
    const [lo, hi] = f.result.intervals!.b!;
    assert.equal(lo, 0);
    assert.ok(hi > 0, `upper end ${hi}`);
  });

  it('Huber asymptotic uses the sandwich covariance (checked by hand on a straight line)', async () => {
    const z = normals(11);
    const x = Array.from({ length: 20 }, (_, i) => i / 2);
    const y = x.map((v, i) => 1 + 0.5 * v + 0.1 * z() + (i % 7 === 3 ? 2 : 0)); // three outliers
    const delta = 0.15;
    const f = await fitLaw(
      law({
        formula: 'a + b * x',
        variables: ['x'],
        target: 'y',
        params: [spec('a', { starts: [0, 1] }), spec('b', { starts: [0, 1] })],
        objective: { loss: 'huber', delta, onLog: false },
        data: table('t', { x, y }),
        uncertainty: { method: 'asymptotic', level: 0.9 },
      }),
    );
    const { a, b } = f.result.params;
    // H = Σ ψ'(r) [1 x][1 x]ᵀ, B = Σ ψ(r)² [1 x][1 x]ᵀ, cov = n/(n−p) H⁻¹ B H⁻¹.
    const H = [0, 0, 0];
    const B = [0, 0, 0];
    x.forEach((v, i) => {
      const r = a + b * v - y[i];
      const inside = Math.abs(r) <= delta;
      const psi = inside ? r : Math.sign(r) * delta;
      const terms = [1, v, v * v];
      terms.forEach((t, k) => {
        if (inside) H[k] += t;
        B[k] += psi * psi * t;
      });
    });
    const det = H[0] * H[2] - H[1] * H[1];
    const Hi = [H[2] / det, -H[1] / det, H[0] / det]; // [00, 01, 11]
    // (H⁻¹ B H⁻¹)_11 for symmetric 2×2 matrices.
    const row1 = [Hi[1] * B[0] + Hi[2] * B[1], Hi[1] * B[1] + Hi[2] * B[2]];
    const varB = ((row1[0] * Hi[1] + row1[1] * Hi[2]) * x.length) / (x.length - 2);
    const t = 1.7340636066175388; // scipy.stats.t.ppf(0.95, 18)
    const [lo, hi] = f.result.intervals!.b!;
    assert.ok(
      Math.abs((hi - lo) / (2 * t * Math.sqrt(varB)) - 1) < 1e-4,
      `width ${hi - lo} vs ${2 * t * Math.sqrt(varB)}`,
    );
  });

  it('a bootstrap refit that hits the iteration limit is failed, not a draw', () => {
    const task = { ...kaplanTask(13, [1e20, 0.5]), from: 0, to: 8 }; // refits start far from the optimum
    const capped = runBootstrap({ ...task, maxIterations: 1 });
    assert.ok(
      capped.status.every((s) => s === DrawStatus.failed),
      String(capped.status),
    );
    assert.ok(capped.draws.every(Number.isNaN));
    const free = runBootstrap(task);
    assert.ok(
      free.status.every((s) => s === DrawStatus.ok),
      String(free.status),
    );
  });

  describe('worker failures are surfaced, and only an abort is "cancelled"', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'scaling-worker-'));
    const task = kaplanTask(17, [8.8e13, 0.076]);

    it('a worker that exits before answering is reported, its share runs in-thread with the same numbers', async () => {
      const file = path.join(dir, 'exits.js');
      writeFileSync(file, 'process.exit(3);\n');
      const run = await bootstrapParallel(task, 10, 2, undefined, file);
      assert.equal(run.workerErrors.length, 2);
      assert.match(run.workerErrors[0], /code 3/);
      const same = await bootstrapParallel(task, 10, 1);
      assert.deepEqual(run.draws, same.draws);
      assert.deepEqual(same.workerErrors, []);
    });

    it('a worker that throws is reported with its message', async () => {
      const file = path.join(dir, 'throws.js');
      writeFileSync(file, "throw new Error('boom at start');\n");
      const run = await bootstrapParallel(task, 6, 2, undefined, file);
      assert.ok(
        run.workerErrors.some((m) => /boom at start/.test(m)),
        JSON.stringify(run.workerErrors),
      );
    });

    it('an abort rejects with FitCancelled', async () => {
      const ac = new AbortController();
      ac.abort();
      await assert.rejects(bootstrapParallel(task, 6, 1, ac.signal), FitCancelled);
    });
  });

  it('predict: the observation interval contains the mean interval and adds the residual noise', async () => {
    const z = normals(19);
    const N = [1e7, 3e7, 1e8, 3e8, 1e9, 3e9, 1e10, 3e10, 1e11, 3e11];
    const L = N.map((n) => (8.8e13 / n) ** 0.076 * Math.exp(0.02 * z()));
    for (const uncertainty of [
      { method: 'asymptotic' as const, level: 0.9 },
      { method: 'bootstrap' as const, level: 0.9, resamples: 400, seed: 3, by: undefined },
    ]) {
      const f = await fitLaw(
        catalogueLaw(
          'kaplan_n',
          table('k', { N, L }),
          { N: 'N' },
          {
            objective: { loss: 'squares', onLog: true },
            uncertainty,
          },
        ),
        { workers: 1 },
      );
      const p = predict(f, { N: 1e9 }, []).result;
      const [mlo, mhi] = p.interval!;
      const [olo, ohi] = p.observation_interval!;
      assert.ok(olo < mlo && mhi < ohi, `${uncertainty.method}: mean [${mlo}, ${mhi}] obs [${olo}, ${ohi}]`);
      // In ln space the observation interval's half-width is about t·s (noise 0.02 dominates at mid-range).
      const halfLog = (Math.log(ohi) - Math.log(olo)) / 2;
      assert.ok(halfLog > 1.3 * 0.02 && halfLog < 2.5 * 0.02, `${uncertainty.method}: half-width ${halfLog}`);
    }
  });

  it('coverage: 90% intervals of the exponent, and of one new run, cover the truth in 40 simulated sweeps', async () => {
    // kaplan_n with 2% log-normal noise on 10 runs. Asymptotic t-intervals are exact here (a linear
    // model in ln space); percentile bootstrap with 10 rows runs a little narrow. Bounds: with 40
    // trials at p = 0.9 the count's sd is 1.9, so ≥ 30 (75%) fails only for a real miscalibration.
    const N = [1e7, 3e7, 1e8, 3e8, 1e9, 3e9, 1e10, 3e10, 1e11, 3e11];
    const truth = (n: number) => (8.8e13 / n) ** 0.076;
    const hits = { asymptotic: 0, bootstrap: 0, run: 0 };
    for (let seed = 0; seed < 40; seed++) {
      const z = normals(1000 + seed);
      const L = N.map((n) => truth(n) * Math.exp(0.02 * z()));
      const next = truth(1e9) * Math.exp(0.02 * z()); // one new run at N = 1e9
      for (const uncertainty of [
        { method: 'asymptotic' as const, level: 0.9 },
        { method: 'bootstrap' as const, level: 0.9, resamples: 200, seed, by: undefined },
      ]) {
        const f = await fitLaw(
          catalogueLaw(
            'kaplan_n',
            table('k', { N, L }),
            { N: 'N' },
            {
              objective: { loss: 'squares', onLog: true },
              uncertainty,
            },
          ),
          { workers: 1 },
        );
        const [lo, hi] = f.result.intervals!.alphaN!;
        if (lo < 0.076 && 0.076 < hi) hits[uncertainty.method]++;
        if (uncertainty.method === 'asymptotic') {
          const [olo, ohi] = predict(f, { N: 1e9 }, []).result.observation_interval!;
          if (olo < next && next < ohi) hits.run++;
        }
      }
    }
    for (const [k, v] of Object.entries(hits)) assert.ok(v >= 30, `${k}: ${v}/40 covered`);
  });

  it('profile: intervals match a scipy profile computation to 1% of their width (Chinchilla form, squares on log)', async () => {
    // test/fixtures/profile/chinchilla_profile.py writes the runs and scipy's profile intervals.
    const ref = JSON.parse(
      readFileSync(path.resolve(__dirname, '../../fixtures/profile/chinchilla_profile.json'), 'utf8'),
    ) as { N: number[]; D: number[]; L: number[]; level: number; intervals: Record<string, [number, number]> };
    const f = await fitLaw(
      catalogueLaw(
        'chinchilla',
        table('sweep', { N: ref.N, D: ref.D, L: ref.L }),
        { N: 'N', D: 'D' },
        {
          objective: { loss: 'squares', onLog: true },
          uncertainty: { method: 'profile', level: ref.level },
        },
      ),
    );
    for (const [name, [lo, hi]] of Object.entries(ref.intervals)) {
      const got = f.result.intervals![name]!;
      const tol = 0.01 * (hi - lo);
      assert.ok(
        Math.abs(got[0] - lo) < tol && Math.abs(got[1] - hi) < tol,
        `${name}: engine [${got}] vs scipy [${lo}, ${hi}]`,
      );
    }
    // Not the asymptotic interval under another name: B's profile interval is skewed (ln-space).
    const asym = await fitLaw(
      catalogueLaw(
        'chinchilla',
        table('sweep', { N: ref.N, D: ref.D, L: ref.L }),
        { N: 'N', D: 'D' },
        {
          objective: { loss: 'squares', onLog: true },
          uncertainty: { method: 'asymptotic', level: ref.level },
        },
      ),
    );
    assert.notDeepEqual(asym.result.intervals!.alpha, f.result.intervals!.alpha);
    // Each says how its intervals were made, and the displays label them so (not "asymptotic" for both).
    assert.equal(f.result.interval_method, 'profile');
    assert.equal(asym.result.interval_method, 'asymptotic');
    assert.equal(lawSummary(f.result).intervals?.label, `${Math.round(ref.level * 100)}% profile`);
    // A Huber fit gets profile intervals too, from the Huber likelihood with a fitted scale
    // (profileQuantity.ts; checked against scipy in profileAnswers.test.ts).
    const huber = await fitLaw(
      catalogueLaw(
        'chinchilla',
        table('sweep', { N: ref.N, D: ref.D, L: ref.L }),
        { N: 'N', D: 'D' },
        {
          objective: { loss: 'huber', delta: 1e-3, onLog: true },
          uncertainty: { method: 'profile', level: ref.level },
        },
      ),
    );
    assert.ok(!huber.diagnostics.some((d) => d.code === 'scaling.profile-huber'));
    assert.equal(huber.result.interval_method, 'profile');
    for (const name of Object.keys(ref.intervals)) {
      const [lo, hi] = huber.result.intervals![name]!;
      assert.ok(lo < huber.result.params[name] && huber.result.params[name] < hi, `${name}: [${lo}, ${hi}]`);
    }
  });
});
