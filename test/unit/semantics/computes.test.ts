// Compute lines that read other compute lines, in any order of declaration: every run, predict and
// optimize sees them, and inputs that feed a compute the law uses are not called unused.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { catalogue } from '../../../server/src/core/laws';
import { analyze } from '../../../server/src/core/study';
import { runFit } from '../../../server/src/fitRunner';
import { diskLoader } from '../hosts';
import type { Analysis } from '../../../server/src/core/study';

const studyPath = path.resolve(__dirname, '../../fixtures/inline.scaling');
const text = `compute C2 = C / 1e18
compute C = 6 * N * D
dataset sweep = csv("runs/sweep.csv") {
  N: params
  D: tokens
  L: loss
}
law c: L = E + A / N^alpha + B / D^beta {
  fit sweep
  param E in (0, 10) init 1.8
  param A in (0, inf) init 400
  param B in (0, inf) init 2000
  param alpha in [0, 3] init 0.3
  param beta in [0, 3] init 0.3
}
law k: L = A * C2^(-a) {
  fit sweep
  holdout C2 > 500
}
predict k at N = 1B, D = 20B
optimize c for C2 = 1000
optimize c for C = 1e21
`;

describe('compute lines reading other compute lines', function () {
  this.timeout(20_000);
  let a: Analysis;
  before(async () => {
    a = await analyze(text, { loader: diskLoader(), studyPath, catalogue });
  });

  it('bind whatever their order: every run gets C2, the hold-out and predict can use it', async () => {
    assert.deepEqual(
      a.diagnostics.filter((d) => d.severity === 'error' || d.severity === 'warning').map((d) => d.code),
      [],
    );
    const k = a.model.laws.find((l) => l.name === 'k')!;
    assert.deepEqual(k.variables, ['C2']);
    assert.ok(k.heldOut.some((h) => h === 1));
    assert.equal(a.model.predictions[0].at.C2, (6 * 1e9 * 20e9) / 1e18);
  });

  it('optimize for C2 is optimize for C = C2 * 1e18', async () => {
    const { results, diagnostics } = await runFit(a, studyPath, { workers: 1 });
    assert.deepEqual(
      diagnostics.filter((d) => d.code.startsWith('scaling.optimize')).map((d) => d.message),
      [],
    );
    const [viaC2, viaC] = results.optima;
    assert.ok(Number.isFinite(viaC2.value));
    assert.ok(Math.abs(viaC2.at.N / viaC.at.N - 1) < 1e-3, `${viaC2.at.N} vs ${viaC.at.N}`);
    assert.ok(Math.abs(viaC2.at.D / viaC.at.D - 1) < 1e-3, `${viaC2.at.D} vs ${viaC.at.D}`);
    assert.ok(Math.abs(viaC2.value! / viaC.value! - 1) < 1e-6);
    assert.ok(Number.isFinite(results.predictions[0].value));
  });
});
