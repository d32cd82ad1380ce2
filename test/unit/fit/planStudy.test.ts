// `plan` lines answered by fitStudy (issue 12.4): the proposed runs fit within the budget, each
// priced by the study's compute; the expected width falls run by run from the fit's own asymptotic
// interval; the answer is deterministic; an unaffordable budget is a diagnostic, not silence.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { fitStudy } from '../../../server/src/core/fit';
import { MAX_PLAN_CANDIDATES, perAxis } from '../../../server/src/core/fit/planAnswers';
import { catalogue } from '../../../server/src/core/laws';
import { analyze } from '../../../server/src/core/study';
import { diskLoader } from '../hosts';

const fixtures = path.resolve(__dirname, '../../fixtures');

const study = (lines: string) => `compute C = 6 * N * D
dataset sweep = csv("runs/sweep.csv") {
  N: params
  D: tokens
  L: loss
}
law chin: chinchilla(N, D) {
  fit sweep
  objective squares on log
  uncertainty asymptotic level 0.9
}
${lines}`;

async function analysed(lines: string) {
  const a = await analyze(study(lines), {
    loader: diskLoader(),
    studyPath: path.join(fixtures, 'plan.scaling'),
    catalogue,
  });
  assert.deepEqual(
    a.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message),
    [],
  );
  return a;
}

async function fitted(lines: string) {
  return fitStudy((await analysed(lines)).model);
}

const QUESTIONS = `predict chin at N = 70B, D = 1.4T
optimize chin for C = 5.76e23
plan chin at N = 70B, D = 1.4T budget 3e21
plan chin for C = 5.76e23 budget 3e21
`;

describe('plan lines in fitStudy', function () {
  this.timeout(60_000);

  it('proposes runs within the budget, priced by the compute, each shrinking the expected width', async () => {
    const { results } = await fitted(QUESTIONS);
    assert.equal(results.plans!.length, 2);
    for (const p of results.plans!) {
      assert.ok(p.runs.length > 0, JSON.stringify(p));
      assert.ok(p.candidates <= MAX_PLAN_CANDIDATES && p.candidates === perAxis(2) ** 2, `${p.candidates}`);
      assert.ok(p.spent <= p.budget, `spent ${p.spent} of ${p.budget}`);
      const total = p.runs.reduce((acc, r) => acc + r.cost, 0);
      assert.ok(Math.abs(total / p.spent - 1) < 1e-12);
      let last = p.width_before!;
      for (const r of p.runs) {
        // Priced by `compute C = 6 * N * D`, exactly.
        assert.ok(Math.abs(r.cost / (6 * r.at.N * r.at.D) - 1) < 1e-12);
        assert.ok(r.expected_width < last, `${r.expected_width} after ${last}`);
        last = r.expected_width;
      }
      assert.equal(p.width_after, last);
      assert.ok(p.width_after! < p.width_before!);
    }
  });

  it('starts from the interval the predict and optimize lines give (the same asymptotic width)', async () => {
    const { results } = await fitted(QUESTIONS);
    const [atPoint, forBudget] = results.plans!;
    const [lo, hi] = results.predictions[0].interval!;
    // Finite-difference Fisher information here, exact Jacobians in the fit: agree to 1e-3.
    assert.ok(Math.abs(atPoint.width_before! / (hi - lo) - 1) < 1e-3, `${atPoint.width_before} vs ${hi - lo}`);
    assert.equal(atPoint.target.value, results.predictions[0].value);
    assert.equal(forBudget.target.kind === 'optimum' && forBudget.target.quantity, 'N');
    const [nlo, nhi] = results.optima[0].intervals.N!;
    assert.ok(Math.abs(forBudget.width_before! / (nhi - nlo) - 1) < 1e-2, `${forBudget.width_before} vs ${nhi - nlo}`);
  });

  it('is deterministic', async () => {
    const a = await fitted(QUESTIONS);
    const b = await fitted(QUESTIONS);
    assert.deepEqual(a.results.plans, b.results.plans);
  });

  it('a budget below the cheapest candidate run is a scaling.plan-failed warning on the line', async () => {
    const { results, diagnostics } = await fitted('plan chin at N = 70B, D = 1.4T budget 1e3\n');
    assert.equal(results.plans![0].runs.length, 0);
    const d = diagnostics.find((x) => x.code === 'scaling.plan-failed');
    assert.ok(d, JSON.stringify(diagnostics.map((x) => x.message)));
    assert.match(d.message, /no candidate run fits within the budget/);
  });

  it('is cancellable between plans: a signal aborted during the first plan leaves the second unplanned', async () => {
    const a = await analysed(QUESTIONS);
    const abort = new AbortController();
    const { results } = await fitStudy(a.model, {
      signal: abort.signal,
      onProgress: (p) => {
        if (p.phase === 'plan') abort.abort();
      },
    });
    assert.equal(results.plans!.length, 1);
  });
});
