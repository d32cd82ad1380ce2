// Acceptance on the shared real data sets (skipped when ../shared/datasets is absent, failed on CI).
import assert from 'node:assert/strict';
import { fitLaw } from '../../../server/src/core/fit';
import { fitIsoflop } from '../../../server/src/core/fit/isoflop';
import { grid } from '../../../server/src/core/laws/types';
import { catalogueLaw, csvTable, datasetOrSkip } from './helpers';

const huberLog = { loss: 'huber' as const, delta: 1e-3, onLog: true };
/** Relative difference. */
const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

describe('acceptance: real data sets', function () {
  this.timeout(60_000);

  it('Epoch Chinchilla points, Hoffmann grid, huber(1e-3) on log', async function () {
    const file = datasetOrSkip(this, 'epoch_chinchilla/chinchilla_svg_extracted.csv');
    const data = csvTable(file, (r) => r.excluded_top5_loss === '0');
    assert.equal(data.rowCount, 240);
    const fit = await fitLaw(catalogueLaw('chinchilla', data, { N: 'N', D: 'D' }, { objective: huberLog }));
    const r = fit.result;
    // The published grid fit's objective is 0.0010182740346 (README); the bound 0.0010182741 allows
    // only the last printed digit, i.e. we must reach the same optimum, not merely a nearby point.
    assert.ok(r.objective.value! <= 0.0010182741, `objective ${r.objective.value}`);
    // 0.1%: E, alpha, beta are well identified (bootstrap SE 1.4%, 4.4%, 5.6%); the published
    // values carry 6 digits, and distinct optimizers agree to ~1e-5 relative (scipy peer README).
    assert.ok(rel(r.params.E, 1.81724) < 1e-3, `E ${r.params.E}`);
    assert.ok(rel(r.params.alpha, 0.347313) < 1e-3, `alpha ${r.params.alpha}`);
    assert.ok(rel(r.params.beta, 0.367183) < 1e-3, `beta ${r.params.beta}`);
    assert.equal(r.starts.declared, 4500);
    assert.ok(r.converged);
    assert.deepEqual(
      fit.diagnostics.filter((d) => d.severity === 'error'),
      [],
    );
  });

  it('(Mis)Fitting final checkpoints, li2025 grid, huber(1e-3) on log', async function () {
    const file = datasetOrSkip(this, 'li2025_misfitting/final_checkpoints.csv');
    const data = csvTable(file);
    assert.equal(data.rowCount, 261);
    const starts = {
      E: grid(-1, 0.5, 0.5).map(Math.exp),
      A: grid(0, 20, 5).map(Math.exp),
      B: grid(0, 20, 5).map(Math.exp),
      alpha: grid(0, 1.5, 0.5),
      beta: grid(0, 1.5, 0.5),
    };
    const fit = await fitLaw(catalogueLaw('chinchilla', data, { N: 'N', D: 'D' }, { objective: huberLog, starts }));
    const r = fit.result;
    assert.equal(r.starts.declared, 1600);
    // Published objective 0.005021654212; bound 0.0050216543 = same optimum to the last digit shown.
    assert.ok(r.objective.value! <= 0.0050216543, `objective ${r.objective.value}`);
    // 0.1%: the published optimizer (L-BFGS-B, default tolerances) stops ~2e-4 relative from the
    // exact optimum in E (the scipy peer lands 1.3e-4 away), so 0.1% checks the optimum, not the stop.
    assert.ok(rel(r.params.E, 1.80774) < 1e-3, `E ${r.params.E}`);
    assert.ok(rel(r.params.alpha, 0.200196) < 1e-3, `alpha ${r.params.alpha}`);
    assert.ok(rel(r.params.beta, 0.635697) < 1e-3, `beta ${r.params.beta}`);
  });

  it('Llama 3 IsoFLOPs: exponent of D*(C) ≈ 0.537', function () {
    const file = datasetOrSkip(this, 'llama3_isoflops/isoflops_points.csv');
    const data = csvTable(file);
    const { result } = fitIsoflop({
      name: 'llama3',
      range: { start: 0, end: 0 },
      budget: 'C',
      size: 'N_implied',
      tokens: 'D',
      target: 'L',
      weighted: false,
      data,
      uncertainty: { method: 'none' },
    });
    assert.equal(result.budgets.length, 10);
    assert.ok(result.frontier);
    // ±0.01: the README's independent numpy check gives 0.5368; the published value (0.53, rounded)
    // and the extrapolation the paper quotes imply ~0.537. Points are digitised, so 0.01 is the
    // precision the source supports; it still separates 0.53 from Chinchilla's 0.50.
    assert.ok(Math.abs(result.frontier.D.exponent - 0.537) < 0.01, `exponent ${result.frontier.D.exponent}`);
    // N* = C/(6 D*) exactly in this data, so the exponents sum to 1.
    assert.ok(Math.abs(result.frontier.N.exponent + result.frontier.D.exponent - 1) < 1e-9);
  });
});
