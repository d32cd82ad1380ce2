// A law over whole training curves: the LR-annealing law (Tissue et al. 2024) fitted to every logged
// step of runs with different schedules, read in long format, with a bootstrap that resamples runs.
import * as assert from 'node:assert/strict';
import { fitStudy } from '../../../server/src/core/fit';
import { catalogue } from '../../../server/src/core/laws';
import { analyze } from '../../../server/src/core/study';
import { memoryLoader } from '../hosts';

const TRUE = { L0: 2.3, A: 8, alpha: 0.5, C: 2e-4 };
const STEPS = 2000;

/** Learning rate at step t (peak 1) for three schedules with 100 warm-up steps. */
function schedule(kind: string, t: number): number {
  const warm = Math.min(1, t / 100);
  if (kind === 'constant') return warm;
  if (kind === 'cosine') return warm * (0.05 + 0.95 * 0.5 * (1 + Math.cos((Math.PI * t) / STEPS)));
  // warmup-stable-decay: linear decay to 0.05 over the last 20%.
  return warm * (t < 0.8 * STEPS ? 1 : 1 - (0.95 * (t - 0.8 * STEPS)) / (0.2 * STEPS));
}

/** Long format: one row per logged step (every 20th), with the two areas the law reads. */
function curvesCsv(): string {
  const lines = ['run,step,S1,S2,loss'];
  for (const kind of ['constant', 'cosine', 'wsd', 'cosine-short']) {
    const total = kind === 'cosine-short' ? STEPS / 2 : STEPS;
    const k = kind === 'cosine-short' ? 'cosine' : kind;
    let s1 = 0;
    let s2 = 0;
    let momentum = 0;
    let previous = 0;
    for (let t = 1; t <= total; t++) {
      const lr = schedule(k, (t * STEPS) / total);
      s1 += lr;
      // Tissue et al.: the annealing area S2 sums a momentum (decay 0.999) of the learning-rate drops.
      momentum = 0.999 * momentum + Math.max(0, previous - lr);
      s2 += momentum;
      previous = lr;
      if (t % 20 === 0) lines.push(`${kind},${t},${s1},${s2},${TRUE.L0 + TRUE.A * s1 ** -TRUE.alpha - TRUE.C * s2}`);
    }
  }
  return lines.join('\n') + '\n';
}

describe('laws over whole training curves', () => {
  it('lr_annealing fitted to every step of four schedules recovers its parameters; the bootstrap resamples runs', async () => {
    const { loader } = memoryLoader({ '/w/curves.csv': curvesCsv() });
    const text = [
      'dataset curves = csv("curves.csv") {',
      '  S1: S1',
      '  S2: S2',
      '  L: loss',
      '}',
      'law ann: lr_annealing(S1, S2) {',
      '  fit curves',
      '  uncertainty bootstrap 40 seed 1 by run',
      '}',
      '',
    ].join('\n');
    const analysis = await analyze(text, { loader, baseDir: '/w', catalogue });
    assert.deepEqual(
      analysis.diagnostics.filter((d) => d.severity === 'error' || d.severity === 'warning'),
      [],
    );
    assert.equal(analysis.model.datasets.get('curves')!.rowCount, 100 * 3 + 50);
    const { results } = await fitStudy(analysis.model, { workers: 1 });
    const law = results.laws[0];
    // Noise-free data from the law itself: the fit must land on the generating values. 1e-3
    // relative leaves room for the optimizer's stopping tolerance, far below any real error.
    for (const [name, value] of Object.entries(TRUE))
      assert.ok(Math.abs(law.params[name] / value - 1) < 1e-3, `${name}: ${law.params[name]} vs ${value}`);
    // Resampling the four runs: every interval holds the truth (exact data: each resample refits it).
    for (const [name, value] of Object.entries(TRUE)) {
      const iv = law.intervals![name];
      assert.ok(iv, `${name}: no interval`);
      assert.ok(iv[0] <= value * (1 + 1e-3) && value * (1 - 1e-3) <= iv[1], `${name}: ${iv}`);
    }
  });
});
