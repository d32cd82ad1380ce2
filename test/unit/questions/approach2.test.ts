// Issue 11, item 5: approach-2 answers from an isoflop's own frontier power laws, on the Llama 3
// IsoFLOP points (../shared/datasets/llama3_isoflops; skipped when absent, failed on CI).
import assert from 'node:assert/strict';
import type { StudyResults } from '../../../server/src/core/results';
import { datasetOrSkip } from '../fit/helpers';
import { fitStudyText } from './helpers';

const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

describe('questions: approach-2 answers (Llama 3 IsoFLOPs)', function () {
  this.timeout(60_000);

  it('optimize a2 for C = 3.8e25 gives D* ≈ 16.1T from the fitted power law, with bootstrap intervals', async function () {
    const csv = datasetOrSkip(this, 'llama3_isoflops/isoflops_points.csv');
    const { code, out } = await fitStudyText(`dataset llama = csv(${JSON.stringify(csv)}) {
  C: C
  N: N_implied
  D: D
  L: L
}
isoflop a2 {
  fit llama
  budget C
  size N
  tokens D
  target L
  uncertainty bootstrap 200 seed 1 level 0.9
}
optimize a2 for C = 3.8e25
frontier a2 over C = 1e22..3.8e25 points 4
`);
    const results = JSON.parse(out) as StudyResults;
    assert.equal(code, 0, JSON.stringify(results.diagnostics));
    const iso = results.isoflops[0];
    const o = results.optima[0];
    assert.equal(o.law, 'a2');
    assert.deepEqual(o.budget, { C: 3.8e25 });
    // Exactly the study's own power law at C (no compute line involved).
    const D = iso.frontier!.D.coefficient * Math.pow(3.8e25, iso.frontier!.D.exponent);
    assert.ok(rel(o.at.D, D) < 1e-12);
    // The dataset README's own least-squares fit gives 0.2994·C^0.5368 = 1.61e13 (3 digits shown):
    // 1% covers that rounding and our digits of the same parabola vertices.
    assert.ok(rel(o.at.D, 1.61e13) < 0.01, `D* ${o.at.D}`);
    // N* = C/(6 D*) holds for every run of this data (N_implied), so the frontier keeps it.
    assert.ok(rel(o.at.N, 3.8e25 / (6 * o.at.D)) < 0.01, `N* ${o.at.N}`);
    for (const k of ['N', 'D']) {
      const iv = o.intervals[k];
      assert.ok(iv && iv[0] < o.at[k] && o.at[k] < iv[1], `${k} interval ${iv}`);
    }
    // L* from the loss frontier through the budgets' minima: below the smallest minimum seen.
    assert.ok(o.value !== null && o.value > 0 && o.value < Math.min(...iso.budgets.map((b) => b.value)));
    // The frontier's last point is the optimize line at the same budget.
    const f = results.frontiers![0];
    assert.equal(f.law, 'a2');
    assert.deepEqual(f.points[3], { budget: o.budget, at: o.at, value: o.value, intervals: o.intervals });
  });
});
