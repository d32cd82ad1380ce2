// Cheap questions don't refit (issue 18.2): editing a predict, optimize or frontier line of a fitted law
// answers from the cached result — and the answer equals what a full refit of the edited study gives.
import * as assert from 'node:assert/strict';
import type { FitStateParams } from '../../../protocol/lsp';
import { runFit } from '../../../server/src/fitRunner';
import { FitManager, type FitBackend, type FitJob, type FitReply } from '../../../server/src/lsp/fitManager';
import { hover } from '../../../server/src/lsp/hover';
import type { Analysis } from '../../../server/src/core/study';
import { analyzeText, STUDY_PATH, STUDY_URI } from './helpers';

const STUDY = (predictN: string, budget: string, uncertainty = 'bootstrap 60 seed 3 level 0.9') =>
  [
    'compute C = 6 * N * D',
    'dataset sweep = csv("runs/sweep.csv") {',
    '  N: params',
    '  D: tokens',
    '  L: loss',
    '}',
    'law chin: L = E + A / N^alpha + B / D^beta {',
    '  fit sweep',
    '  param E in (0, 10) init grid 1..2 by 1',
    '  param A in (0, inf) init grid 100..400 by 300',
    '  param B in (0, inf) init grid 100..400 by 300',
    '  param alpha in [0, 3] init grid 0.3..0.6 by 0.3',
    '  param beta in [0, 3] init grid 0.3..0.6 by 0.3',
    `  uncertainty ${uncertainty}`,
    '}',
    `predict chin at N = ${predictN}, D = 1T`,
    `optimize chin for C = ${budget}`,
    `frontier chin over C = 1e20..${budget} points 3`,
    '',
  ].join('\n');

/** Fits in-process with the CLI's runFit (the worker does the same), counting jobs. */
class RealBackend implements FitBackend {
  jobs: FitJob[] = [];
  async run(job: FitJob): Promise<FitReply> {
    this.jobs.push(job);
    const a = await analyzeText(job.text);
    const run = await runFit(a, STUDY_PATH, { workers: 1 });
    return { ok: true, results: run.results, fitDiagnostics: [], bases: run.bases };
  }
}

describe('lsp cheap questions: answered from the cached fit', function () {
  this.timeout(120_000);
  it('a new predict, optimize or frontier point needs no refit, and equals a full refit', async () => {
    const backend = new RealBackend();
    const doc = { version: 1, analysis: (await analyzeText(STUDY('70B', '1e21'))) as Analysis };
    const states: FitStateParams[] = [];
    const manager = new FitManager({
      backend,
      current: () => ({ version: doc.version, analysis: doc.analysis, studyPath: undefined }),
      severities: () => ({}),
      debounceMs: () => 0,
      enabled: () => true,
      onState: (p) => states.push(p),
      onRecord: () => {},
    });
    await manager.start(STUDY_URI, {});
    assert.equal(backend.jobs.length, 1);

    doc.version = 2;
    doc.analysis = await analyzeText(STUDY('200B', '3e22'));
    manager.update(STUDY_URI, 2, doc.analysis);
    const view = manager.view(STUDY_URI, 2);
    assert.equal(view.document?.state, 'fitted', 'no refit is needed');
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(backend.jobs.length, 1, 'no job was started');
    const cached = view.results!;
    assert.equal(cached.predictions[0].at.N, 200e9);

    // A full fit of the edited study: same seed, same draws, so the same answers.
    const full = (await runFit(doc.analysis, STUDY_PATH, { workers: 1 })).results;
    const close = (a: number | null, b: number | null) =>
      a !== null && b !== null && Math.abs(a - b) <= 1e-9 * Math.abs(b);
    assert.ok(close(cached.predictions[0].value, full.predictions[0].value));
    assert.ok(cached.predictions[0].interval && full.predictions[0].interval);
    for (const i of [0, 1]) assert.ok(close(cached.predictions[0].interval![i], full.predictions[0].interval![i]));
    // One new run's interval too: it needs the fit's residuals, kept beside the cached result (rememberBasis).
    const [co, fo] = [cached.predictions[0].observation_interval, full.predictions[0].observation_interval];
    assert.ok(co && fo);
    for (const i of [0, 1]) assert.ok(close(co[i], fo[i]));
    // The optimum's search is iterative: equal to its own tolerance (1e-6 relative).
    for (const k of ['N', 'D']) {
      assert.ok(Math.abs(cached.optima[0].at[k] / full.optima[0].at[k] - 1) < 1e-6, k);
    }
    const [cachedL, fullL] = [cached.optima[0].value, full.optima[0].value];
    assert.ok(cachedL !== null && fullL !== null && Math.abs(cachedL / fullL - 1) < 1e-9);
    // The frontier's points are optima too: the same tolerance, at the new last budget.
    const [cachedF, fullF] = [cached.frontiers?.[0], full.frontiers?.[0]];
    assert.ok(cachedF && fullF && cachedF.points.length === 3 && fullF.points.length === 3);
    assert.equal(cachedF.points[2].budget.C, 3e22);
    for (const [i, p] of cachedF.points.entries()) {
      for (const k of ['N', 'D']) assert.ok(Math.abs(p.at[k] / fullF.points[i].at[k] - 1) < 1e-6, `${k} at ${i}`);
    }

    // The hover shows the new value at once, as current.
    const offset = doc.analysis.text.indexOf('predict chin');
    const text = (hover(doc.analysis, cached, offset, view.law)!.contents as { value: string }).value;
    assert.match(text, /L = \*\*[\d.]+\*\* mean \[[\d.]+, [\d.]+\]; one new run \[[\d.]+, [\d.]+\] \(90% bootstrap\)/);
    assert.doesNotMatch(text, /refitting|stale|fitting/);
    manager.dispose();
  });

  it('an asymptotic law answers a new predict line with the interval a full refit gives (the covariance is kept)', async () => {
    const backend = new RealBackend();
    const study = (n: string) => STUDY(n, '1e21', 'asymptotic level 0.9');
    const doc = { version: 1, analysis: (await analyzeText(study('70B'))) as Analysis };
    const manager = new FitManager({
      backend,
      current: () => ({ version: doc.version, analysis: doc.analysis, studyPath: undefined }),
      severities: () => ({}),
      debounceMs: () => 0,
      enabled: () => true,
      onState: () => {},
      onRecord: () => {},
    });
    await manager.start(STUDY_URI, {});
    doc.version = 2;
    doc.analysis = await analyzeText(study('200B'));
    manager.update(STUDY_URI, 2, doc.analysis);
    const cached = manager.view(STUDY_URI, 2).results!.predictions[0];
    assert.equal(backend.jobs.length, 1, 'no refit');
    const full = (await runFit(doc.analysis, STUDY_PATH, { workers: 1 })).results.predictions[0];
    assert.ok(cached.interval && full.interval && cached.observation_interval && full.observation_interval);
    // The delta method on the same covariance and basis: equal to rounding.
    for (const i of [0, 1]) {
      assert.ok(Math.abs(cached.interval[i] / full.interval[i] - 1) < 1e-9);
      assert.ok(Math.abs(cached.observation_interval[i] / full.observation_interval[i] - 1) < 1e-9);
    }
    manager.dispose();
  });

  it('a new plan line needs no refit: the background fit plans it, the cache replans an edit, both as a full refit', async () => {
    const backend = new RealBackend();
    const study = (budget: string) =>
      `${STUDY('70B', '1e21', 'asymptotic level 0.9')}plan chin at N = 70B, D = 1T budget ${budget}\n`;
    const doc = { version: 1, analysis: (await analyzeText(study('1e18'))) as Analysis };
    const manager = new FitManager({
      backend,
      current: () => ({ version: doc.version, analysis: doc.analysis, studyPath: undefined }),
      severities: () => ({}),
      debounceMs: () => 0,
      enabled: () => true,
      onState: () => {},
      onRecord: () => {},
    });
    await manager.start(STUDY_URI, {});
    const first = manager.view(STUDY_URI, 1).results!.plans![0];
    assert.equal(first.budget, 1e18);
    assert.ok(first.runs.length > 0);
    doc.version = 2;
    doc.analysis = await analyzeText(study('1e19'));
    manager.update(STUDY_URI, 2, doc.analysis);
    const cached = manager.view(STUDY_URI, 2).results!.plans![0];
    assert.equal(backend.jobs.length, 1, 'no refit');
    assert.equal(cached.budget, 1e19);
    const full = (await runFit(doc.analysis, STUDY_PATH, { workers: 1 })).results.plans![0];
    // The same parameters, basis and candidates: the same runs, widths equal to rounding.
    assert.deepEqual(
      cached.runs.map((r) => r.at),
      full.runs.map((r) => r.at),
    );
    assert.ok(Math.abs(cached.width_after! / full.width_after! - 1) < 1e-9);
    manager.dispose();
  });
});
