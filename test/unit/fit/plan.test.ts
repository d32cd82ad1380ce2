// The run planner's engine (issue 12.4): greedy Fisher-information plans within a compute budget.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fitLaw, predict } from '../../../server/src/core/fit';
import { evalScalar } from '../../../server/src/core/fit/compile';
import { candidateGrid, planRuns, type Plan } from '../../../server/src/core/fit/plan';
import { catalogueLaw, table } from './helpers';

const runs = JSON.parse(
  readFileSync(path.resolve(__dirname, '../../fixtures/profile/chinchilla_profile.json'), 'utf8'),
) as Record<'N' | 'D' | 'L', number[]>;
const cost = ([n, d]: number[]) => 6 * n * d;
const target = { N: 7e10, D: 1.4e12 };

/** 15 × 15 candidate runs, from half the data's smallest N, D to 30× their largest. */
const grid = () =>
  candidateGrid(
    [
      [Math.min(...runs.N), Math.max(...runs.N)],
      [Math.min(...runs.D), Math.max(...runs.D)],
    ],
    15,
  );

async function fit() {
  return fitLaw(
    catalogueLaw(
      'chinchilla',
      table('sweep', { N: runs.N, D: runs.D, L: runs.L }),
      { N: 'N', D: 'D' },
      { objective: { loss: 'squares', onLog: true }, uncertainty: { method: 'asymptotic', level: 0.9 } },
    ),
  );
}

describe('run planner (Fisher information, greedy)', function () {
  this.timeout(30_000);

  it('plans within the budget, each run shrinking the expected width, from the fit’s own width', async () => {
    const f = await fit();
    const g = (th: Float64Array) => evalScalar(f.node!, th, [target.N, target.D]);
    const candidates = grid();
    assert.equal(candidates.length, 225);
    const budget = 1e21;
    const plan = planRuns(f, g, candidates, cost, budget) as Plan;
    assert.equal(typeof plan, 'object', String(plan));
    assert.ok(plan.runs.length > 0);
    assert.ok(plan.cost <= budget * (1 + 1e-12), `cost ${plan.cost}`);
    const total = plan.runs.reduce((a, r) => a + r.cost, 0);
    assert.ok(Math.abs(total - plan.cost) <= 1e-9 * budget);
    let last = plan.widthBefore;
    for (const r of plan.runs) {
      assert.ok(r.expectedWidth < last, `width ${r.expectedWidth} after ${last}`);
      last = r.expectedWidth;
    }
    assert.equal(plan.widthAfter, last);
    // The width before is the fit's own delta-method interval: I = JᵀJ/s² is the inverse of the
    // asymptotic covariance (different routes: finite differences here, exact Jacobians there).
    const [lo, hi] = predict(f, target, []).result.interval!;
    assert.ok(Math.abs(plan.widthBefore / (hi - lo) - 1) < 1e-4, `${plan.widthBefore} vs ${hi - lo}`);
  });

  it('beats one more 5-run IsoFLOP of the same total compute, in expected width', async () => {
    const f = await fit();
    const g = (th: Float64Array) => evalScalar(f.node!, th, [target.N, target.D]);
    const candidates = grid();
    const plan = planRuns(f, g, candidates, cost, 1e21) as Plan;
    // The IsoFLOP: 5 runs of a fifth of the planned compute each, N spread ×4 around the data's
    // best N for that budget (Hoffmann's approach 2 design), D from the budget.
    const each = plan.cost / 5;
    const th = f.theta!;
    const param = (k: string) => th[f.law.params.findIndex((p) => p.name === k)];
    const [A, alpha, B, beta] = ['A', 'alpha', 'B', 'beta'].map(param);
    const G = ((alpha * A) / (beta * B)) ** (1 / (alpha + beta));
    const nStar = G * (each / 6) ** (beta / (alpha + beta));
    const iso = [1 / 4, 1 / 2, 1, 2, 4].map((m) => [nStar * m, each / (6 * nStar * m)]);
    const isoPlan = planRuns(f, g, iso, cost, plan.cost * (1 + 1e-9)) as Plan;
    assert.equal(isoPlan.runs.length, 5);
    assert.ok(
      plan.widthAfter < isoPlan.widthAfter,
      `planned ${plan.widthAfter} vs isoflop ${isoPlan.widthAfter} (before ${plan.widthBefore})`,
    );
  });
});
