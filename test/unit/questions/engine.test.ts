// Issue 11 engine checks that need no external tool: the target question is the inverse of the
// budget question (the least compute reaching L*(C) is C), the generic path (bisection on ln D)
// agrees with the closed form, and bootstrap intervals bracket the answer.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { fitLaw, optimum } from '../../../server/src/core/fit';
import { toNode } from '../../../server/src/core/fit/compile';
import { frontierBudgets, traceFrontier } from '../../../server/src/core/fit/frontier';
import { answerAllocation } from '../../../server/src/core/fit/target';
import type { ComputeDef } from '../../../server/src/core/model';
import { parseExpression } from '../../../server/src/core/syntax/parser';
import { catalogueLaw, csvTable } from '../fit/helpers';
import type { LawFit } from '../../../server/src/core/fit/types';

const R = { start: 0, end: 0 };
const computes: ComputeDef[] = [{ name: 'C', formula: parseExpression('6 * params * tokens'), range: R }];
const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

describe('questions: target and inference allocation (engine)', function () {
  this.timeout(60_000);
  let fit: LawFit;

  before(async () => {
    const data = csvTable(path.resolve(__dirname, '../../fixtures/runs/sweep.csv'));
    fit = await fitLaw(
      catalogueLaw(
        'chinchilla',
        data,
        { N: 'params', D: 'tokens' },
        { target: 'loss', uncertainty: { method: 'bootstrap', resamples: 200, seed: 3, level: 0.9, by: undefined } },
      ),
    );
    assert.ok(fit.theta);
  });

  it('the least compute reaching L*(C) is C, at the same N* and D*', () => {
    for (const budget of [1e20, 1e22, 1e24]) {
      const forward = optimum(fit, { C: budget }, computes).result;
      assert.ok(forward.value !== null);
      const back = answerAllocation(fit, { loss: forward.value }, computes);
      assert.equal(back.error, undefined);
      // 1e-7: the closed form is exact; the search stops at 1e-12 in ln N, and the cost is flat
      // (quadratic) at the optimum, so N* is good to ~1e-8 relative.
      assert.ok(rel(back.result.at.C, budget) < 1e-7, `C* ${back.result.at.C} vs ${budget}`);
      assert.ok(rel(back.result.at.params, forward.at.params) < 1e-6);
      assert.ok(rel(back.result.at.tokens, forward.at.tokens) < 1e-6);
    }
  });

  it('a budget with no inference is the plain closed-form optimum; the generic path agrees', () => {
    const plain = optimum(fit, { C: 1e22 }, computes).result;
    assert.ok(plain.value !== null);
    const viaSearch = answerAllocation(fit, { C: 1e22, inference: 0 }, computes).result;
    assert.ok(rel(viaSearch.at.params, plain.at.params) < 1e-6);
    // The same law written so the power-sum form is not recognised: D from bisection on ln D.
    const generic = parseExpression('E + exp(log(A) - alpha * log(params)) + B / tokens^beta');
    const node = toNode(
      generic,
      fit.law.params.map((p) => p.name),
      fit.law.variables,
    );
    const target = { loss: plain.value };
    const closed = answerAllocation(fit, target, computes).result;
    const bisected = answerAllocation({ ...fit, node, draws: undefined }, target, computes).result;
    assert.ok(rel(bisected.at.params, closed.at.params) < 1e-6, `${bisected.at.params} vs ${closed.at.params}`);
    assert.ok(rel(bisected.at.tokens, closed.at.tokens) < 1e-6);
  });

  it('bootstrap intervals of N*, D*, C* bracket the answer; inference shrinks N*', () => {
    const E = fit.result.params.E;
    const r = answerAllocation(fit, { loss: E + 0.3, inference: 1e12 }, computes).result;
    for (const k of ['params', 'tokens', 'C']) {
      const iv = r.intervals[k];
      assert.ok(iv, `interval of ${k}`);
      assert.ok(iv[0] <= r.at[k] && r.at[k] <= iv[1], `${k} ${r.at[k]} in ${iv}`);
    }
    assert.ok(r.training_only && r.at.params < r.training_only.at.params);
    assert.ok(rel(r.total_compute!, r.at.C + 2 * r.at.params * 1e12) < 1e-12);
  });

  it('a target below the floor is an error with its code, no number', () => {
    const r = answerAllocation(fit, { loss: fit.result.params.E * 0.99 }, computes);
    assert.equal(r.code, 'scaling.target-below-floor');
    assert.ok(Number.isNaN(r.result.value));
  });

  it('frontier points are exactly optimize at the same budgets, both ends included', () => {
    const f = { law: fit.law.name, variable: 'C', from: 1e20, to: 1e26, points: 13, range: R };
    const { result, error } = traceFrontier(f, (budget) => optimum(fit, { C: budget }, computes));
    assert.equal(error, undefined);
    assert.equal(result.points.length, 13);
    assert.deepEqual(result.points[0].budget, { C: 1e20 });
    assert.deepEqual(result.points[12].budget, { C: 1e26 });
    for (const p of result.points) {
      const o = optimum(fit, p.budget, computes).result;
      assert.deepEqual(
        { at: p.at, value: p.value, intervals: p.intervals },
        { at: o.at, value: o.value, intervals: o.intervals },
      );
    }
    // Log-spaced: consecutive ratios equal (to rounding), here half a decade.
    const b = frontierBudgets(1e20, 1e26, 13);
    for (let i = 1; i < b.length; i++) assert.ok(Math.abs(b[i] / b[i - 1] / Math.sqrt(10) - 1) < 1e-12);
  });
});
