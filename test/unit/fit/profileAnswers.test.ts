// Profile-likelihood intervals of predictions and optima (issue 12.2), checked against an
// independent scipy computation (test/fixtures/profile/chinchilla_answers.py: the quantity is
// fixed by solving its formula for one parameter, the rest refitted, ends by brentq).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseExpression } from '../../../server/src/core/syntax/parser';
import { fitLaw, optimum, predict } from '../../../server/src/core/fit';
import type { Objective } from '../../../server/src/core/model';
import type { Interval } from '../../../server/src/core/results';
import { predictionFacts, predictionIntervals } from '../../../server/src/present/facts';
import { catalogueLaw, table } from './helpers';

interface Reference {
  level: number;
  budget: number;
  delta: number;
  points: Record<string, [number, number]>;
  squares: Record<string, { value: number; interval: Interval }>;
  huber: Record<string, { value: number; interval: Interval }>;
}
const fixtures = path.resolve(__dirname, '../../fixtures/profile');
const runs = JSON.parse(readFileSync(path.join(fixtures, 'chinchilla_profile.json'), 'utf8')) as Record<
  'N' | 'D' | 'L',
  number[]
>;
const ref = JSON.parse(readFileSync(path.join(fixtures, 'chinchilla_answers.json'), 'utf8')) as Reference;
const range = { start: 0, end: 0 };
const computes = [{ name: 'C', formula: parseExpression('6 * N * D'), range }];

async function fitWith(objective: Objective, method: 'profile' | 'asymptotic' = 'profile') {
  return fitLaw(
    catalogueLaw(
      'chinchilla',
      table('sweep', { N: runs.N, D: runs.D, L: runs.L }),
      { N: 'N', D: 'D' },
      { objective, uncertainty: { method, level: ref.level } },
    ),
  );
}

/** The engine's answers to the reference's quantities, with the interval method each reports. */
function answers(fit: Awaited<ReturnType<typeof fitWith>>) {
  const out: Record<string, { value: number; interval: Interval | null; method?: string }> = {};
  for (const [name, at] of Object.entries(ref.points)) {
    const { result } = predict(fit, { N: at[0], D: at[1] }, computes);
    out[`pred:${name}`] = { value: result.value!, interval: result.interval, method: result.interval_method };
  }
  const { result } = optimum(fit, { C: ref.budget }, computes);
  for (const key of ['N', 'D', 'L'])
    out[`${key}*`] = {
      value: key === 'L' ? result.value! : result.at[key],
      interval: result.intervals[key],
      method: result.interval_method,
    };
  return out;
}

function assertMatches(
  got: ReturnType<typeof answers>,
  expected: Record<string, { value: number; interval: Interval }>,
  label: string,
): void {
  for (const [
    q,
    {
      interval: [lo, hi],
    },
  ] of Object.entries(expected).filter(([k]) => k !== 'params')) {
    const iv = got[q].interval;
    assert.ok(iv, `${label} ${q}: no interval`);
    // 1% of the width (the acceptance); the two routes agree far closer when both converge.
    const tol = 0.01 * (hi - lo);
    assert.ok(
      Math.abs(iv[0] - lo) < tol && Math.abs(iv[1] - hi) < tol,
      `${label} ${q}: engine [${iv}] vs scipy [${lo}, ${hi}]`,
    );
    assert.equal(got[q].method, 'profile', `${label} ${q}`);
  }
}

describe('profile intervals of predictions and optima', function () {
  this.timeout(60_000);

  it('squares on log: predictions and N*, D*, L* match scipy profiles to 1% of their width', async () => {
    const fit = await fitWith({ loss: 'squares', onLog: true });
    const got = answers(fit);
    assertMatches(got, ref.squares, 'squares');
    // Not the delta method under another name: the extrapolated prediction's profile interval is
    // asymmetric around the estimate, the delta method's is symmetric by construction.
    const asym = answers(await fitWith({ loss: 'squares', onLog: true }, 'asymptotic'));
    const skew = (q: string, a: typeof got) => {
      const [lo, hi] = a[q].interval!;
      return (hi - a[q].value) / (a[q].value - lo);
    };
    assert.ok(Math.abs(skew('N*', asym) - 1) < 1e-9, `delta N* skew ${skew('N*', asym)}`);
    assert.ok(Math.abs(skew('N*', got) - 1) > 0.05, `profile N* skew ${skew('N*', got)}`);
    assert.equal(asym['N*'].method, 'asymptotic');
  });

  it('huber on log: the Huber likelihood with a fitted scale matches scipy to 1% of the width', async () => {
    const fit = await fitWith({ loss: 'huber', delta: ref.delta, onLog: true });
    assert.equal(fit.result.interval_method, 'profile');
    assert.ok(!fit.diagnostics.some((d) => d.code === 'scaling.profile-huber'));
    assertMatches(answers(fit), ref.huber, 'huber');
  });

  it('the observation interval contains the mean profile interval and the hover labels both profile', async () => {
    const fit = await fitWith({ loss: 'squares', onLog: true });
    const { result } = predict(fit, { N: 7e10, D: 1.4e12 }, computes);
    const [lo, hi] = result.interval!;
    const [olo, ohi] = result.observation_interval!;
    assert.ok(olo < lo && ohi > hi, `observation [${olo}, ${ohi}] vs mean [${lo}, ${hi}]`);
    // The widening is the residual noise: with s ≈ 1% in ln L, each side grows by at least t·s·L·(1 − …).
    assert.ok(Math.log(ohi / result.value!) > Math.log(hi / result.value!) + 0.003);
    const text = predictionIntervals(predictionFacts(result, fit.result));
    assert.match(text, /90% profile/);
  });
});
