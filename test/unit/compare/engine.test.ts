// `compare` (issue 11.1): the likelihood each objective implies, AIC/BIC from it, folds, and the
// acceptance test: on data drawn from a law with an irreducible term, leave-one-size-out CV ranks
// that law above the same law without it.
import assert from 'node:assert/strict';
import { erf, informationCriteria, objectiveLogLik } from '../../../server/src/core/fit/likelihood';
import { mulberry32 } from '../../../server/src/core/fit/stats';
import type { ComparisonResult, LawResult } from '../../../server/src/core/results';
import { fitStudyText } from '../questions/helpers';

/** L = 1.7 + 400 / N^0.34 at 6 sizes × 4 repeats, 1% multiplicative noise (seeded). */
function syntheticRuns(): string {
  const random = mulberry32(11);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const lines = ['runs sweep {', '  N L'];
  for (const n of [1e7, 3e7, 1e8, 3e8, 1e9, 3e9])
    for (let r = 0; r < 4; r++) lines.push(`  ${n} ${(1.7 + 400 / n ** 0.34) * Math.exp(0.01 * gauss())}`);
  lines.push('}');
  return lines.join('\n') + '\n';
}

const laws = `law floor: L = E + A / N^a {
  fit sweep
  objective squares on log
  param E in (0, 10) init 1
  param A in (0, inf) init grid 0..10 by 2 log
  param a in [0, 2] init 0.2, 0.5
}
law no_floor: L = A / N^a {
  fit sweep
  objective squares on log
  param A in (0, inf) init grid 0..10 by 2 log
  param a in [0, 2] init 0.05, 0.2, 0.5
}
`;

/** The Huber density's ln-likelihood maximised over τ by brute force: Z by the trapezoid rule, τ on a grid refined once. */
function bruteHuber(r: number[], delta: number): number {
  const rho = (x: number) => (Math.abs(x) <= delta ? 0.5 * x * x : delta * (Math.abs(x) - 0.5 * delta));
  const S = r.reduce((s, x) => s + rho(x), 0);
  const at = (lt: number) => {
    const tau = Math.exp(lt);
    // exp(−ρ/τ) is below e^-40 beyond δ + 40 τ/δ; 20,000 trapezoids over [0, that].
    const end = delta + (40 * tau) / delta;
    const steps = 20_000;
    const h = end / steps;
    let z = 0;
    for (let i = 0; i <= steps; i++) z += (i === 0 || i === steps ? 0.5 : 1) * Math.exp(-rho(i * h) / tau);
    return -S / tau - r.length * Math.log(2 * z * h);
  };
  const grid = (from: number, to: number, step: number) => {
    let best = { lt: from, v: -Infinity };
    for (let lt = from; lt <= to; lt += step) {
      const v = at(lt);
      if (v > best.v) best = { lt, v };
    }
    return best;
  };
  const coarse = grid(Math.log(S / r.length) - 2, Math.log(S / r.length) + 2, 0.01);
  return grid(coarse.lt - 0.01, coarse.lt + 0.01, 0.0002).v;
}

describe('compare: likelihoods', () => {
  it('erf matches known values to 1.5e-7', () => {
    assert.ok(Math.abs(erf(0.5) - 0.5204998778130465) < 1.5e-7);
    assert.ok(Math.abs(erf(-1.3) + 0.9340079449406524) < 1.5e-7);
    assert.ok(Math.abs(erf(0)) < 1.5e-7);
  });

  it('squares: −n/2 (ln(2π RSS/n) + 1)', () => {
    const r = [0.1, -0.2, 0.05, 0.3];
    const rss = 0.01 + 0.04 + 0.0025 + 0.09;
    const expected = -2 * (Math.log((2 * Math.PI * rss) / 4) + 1);
    assert.ok(Math.abs(objectiveLogLik(r, { loss: 'squares', onLog: true })! - expected) < 1e-12);
  });

  it('huber: the maximum over the scale equals a brute-force search with Z integrated numerically', function () {
    this.timeout(60_000);
    const r = [0.004, -0.012, 0.0005, 0.02, -0.003, 0.008, -0.0007];
    for (const delta of [1e-3, 0.01]) {
      const got = objectiveLogLik(r, { loss: 'huber', delta, onLog: true })!;
      // A 0.0002 step in ln τ at a smooth maximum costs < 1e-6; the trapezoids and erf (1.5e-7) less than 1e-5.
      assert.ok(Math.abs(got - bruteHuber(r, delta)) < 1e-4, `delta ${delta}: ${got} vs ${bruteHuber(r, delta)}`);
    }
  });

  it('huber with a delta far above every residual is the Gaussian likelihood', () => {
    const r = [0.1, -0.2, 0.05, 0.3, -0.15];
    const gauss = objectiveLogLik(r, { loss: 'squares', onLog: false })!;
    const huber = objectiveLogLik(r, { loss: 'huber', delta: 100, onLog: false })!;
    assert.ok(Math.abs(huber - gauss) < 1e-6, `${huber} vs ${gauss}`);
  });

  it('no likelihood for residuals that are all zero', () => {
    assert.equal(objectiveLogLik([0, 0, 0], { loss: 'squares', onLog: true }), null);
  });

  it('AIC and BIC count the noise scale as a parameter', () => {
    assert.deepEqual(informationCriteria(10, 2, 100), { aic: 2 * 3 - 20, bic: 3 * Math.log(100) - 20 });
  });
});

describe('compare: the study statement', function () {
  this.timeout(120_000);
  let comparisons: ComparisonResult[];
  let lawResults: LawResult[];

  before(async () => {
    const { code, out } = await fitStudyText(
      `${syntheticRuns()}${laws}compare floor, no_floor\ncompare by_size: floor, no_floor cv by N\ncompare floor, no_floor cv 4 seed 3\n`,
    );
    assert.equal(code, 0, out);
    const json = JSON.parse(out);
    comparisons = json.comparisons;
    lawResults = json.laws;
  });

  it('leave-one-size-out CV ranks the law with an irreducible term above the same law without it', () => {
    const c = comparisons[1];
    assert.equal(c.name, 'by_size');
    assert.equal(c.criterion, 'cv');
    assert.deepEqual(c.cv, { by: 'N', folds: 6 });
    assert.equal(c.best, 'floor');
    const [floor, noFloor] = c.laws;
    assert.ok(floor.cv! < noFloor.cv!, `${floor.cv} vs ${noFloor.cv}`);
    // The true law's out-of-size error is near the 1% noise: 0.5% to 2%.
    assert.ok(floor.cv! > 0.005 && floor.cv! < 0.02, String(floor.cv));
  });

  it('the Gaussian likelihood of a squares-on-log law is that of ln L, with the Jacobian to L', () => {
    const c = comparisons[0];
    assert.equal(c.criterion, 'aic');
    assert.equal(c.cv, null);
    for (const row of c.laws) {
      const fitted = lawResults.find((l) => l.name === row.law)!.residuals!;
      const n = fitted.length;
      const rss = fitted.reduce((s, r) => s + (Math.log(r.fitted) - Math.log(r.observed)) ** 2, 0);
      const jacobian = -fitted.reduce((s, r) => s + Math.log(r.observed), 0);
      const logLik = (-n / 2) * (Math.log((2 * Math.PI * rss) / n) + 1) + jacobian;
      assert.equal(row.n, 24);
      assert.ok(Math.abs(row.log_likelihood! - logLik) < 1e-9 * Math.abs(logLik));
      assert.ok(Math.abs(row.aic! - (2 * (row.k + 1) - 2 * logLik)) < 1e-8);
      assert.ok(Math.abs(row.bic! - ((row.k + 1) * Math.log(n) - 2 * logLik)) < 1e-8);
    }
    assert.deepEqual(
      c.laws.map((l) => l.k),
      [3, 2],
    );
    assert.equal(c.best, 'floor');
  });

  it('cv K folds by a seeded shuffle: every row predicted once, the seed recorded', () => {
    const c = comparisons[2];
    assert.deepEqual(c.cv, { folds: 4, seed: 3 });
    assert.ok(c.laws.every((l) => l.cv !== null && l.cv > 0));
    assert.equal(c.best, c.laws[0].cv! < c.laws[1].cv! ? 'floor' : 'no_floor');
  });
});
