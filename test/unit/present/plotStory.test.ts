// The plot tells the study's story (issue 18, point 6): the fitted law is drawn through every `predict` and
// `optimize` point, at the point's own values of the other variables, and the frontier is a curve over the budgets.
// A real fit of synthetic runs drawn from a known law, so the curves are the fitted formula, not a fixture's.
import * as assert from 'node:assert/strict';
import { fitStudy } from '../../../server/src/core/fit';
import { analyze } from '../../../server/src/core/study';
import { plotModel } from '../../../server/src/present/plotModel';
import type { PlotModel } from '../../../protocol/plot';
import { memoryLoader } from '../hosts';

const [E, A, B, alpha, beta] = [1.69, 406.4, 410.7, 0.34, 0.28];

/** Runs of the law with ±1% deterministic scatter (so the bootstrap has something to resample). */
function runsCsv(): string {
  const lines = ['N,D,loss'];
  let i = 0;
  for (const N of [1e7, 3e7, 1e8, 3e8, 1e9])
    for (const ratio of [5, 20, 80]) {
      const D = N * ratio;
      lines.push(`${N},${D},${(E + A / N ** alpha + B / D ** beta) * (1 + 0.01 * Math.sin(7.3 * i++))}`);
    }
  return lines.join('\n') + '\n';
}

const STUDY = `compute C = 6 * N * D
dataset runs = csv("runs.csv") {
  N: N
  D: D
  L: loss
}
law chin: L = E + A / N^alpha + B / D^beta {
  fit runs
  param E     in (0, 10)   init grid 0..1 by 1 log
  param A     in (0, inf)  init grid 0..3 by 1 log
  param B     in (0, inf)  init grid 0..3 by 1 log
  param alpha in [0, 3]    init grid 0.3..0.6 by 0.3
  param beta  in [0, 3]    init grid 0.3..0.6 by 0.3
  uncertainty bootstrap 40 seed 3 level 0.9
}
predict chin at N = 2B, D = 40B
optimize chin for C = 1e21
plot chin: L vs N by N
`;

describe('the plot model tells the story of the study', () => {
  let model: PlotModel;
  before(async function () {
    this.timeout(120_000);
    const { loader } = memoryLoader({ '/w/runs.csv': runsCsv() });
    const analysis = await analyze(STUDY, { loader, baseDir: '/w' });
    assert.deepEqual(
      analysis.diagnostics.filter((d) => d.severity === 'error'),
      [],
    );
    const fitted = await fitStudy(analysis.model);
    model = plotModel(analysis, { ...fitted.results, study: null, diagnostics: [] });
  });

  /** The curve's y (and band) at exactly x; the grid carries the point itself. */
  const atX = (s: { x: number[]; y: number[]; lo?: number[]; hi?: number[] }, x: number) => {
    const i = s.x.indexOf(x);
    assert.ok(i >= 0, `the curve's grid lacks ${x}`);
    return { y: s.y[i], lo: s.lo?.[i], hi: s.hi?.[i] };
  };
  // Same formula, same parameters, same inputs: equal up to rounding in the last digits.
  const close = (a: number, b: number, what: string) =>
    assert.ok(Math.abs(a - b) <= 1e-9 * Math.abs(b), `${what}: ${a} vs ${b}`);

  it('draws the law through the predict point along every axis, at the point’s other values, with a band', () => {
    const p = model.predictions[0];
    const law = model.laws[0];
    for (const along of ['N', 'D', 'C']) {
      const c = law.curves.find((k) => k.along === along && k.through?.kind === 'predict' && k.through.index === 0);
      assert.ok(c, `no curve through the prediction along ${along}`);
      const v = along === 'C' ? 6 * p.at.N * p.at.D : p.at[along];
      const hit = atX(c.points, along === 'C' ? (c.points.x.find((x) => Math.abs(x / v - 1) < 1e-12) ?? v) : v);
      close(hit.y, p.value, `curve along ${along} at the predict point`);
      assert.ok(hit.lo !== undefined && hit.hi !== undefined && hit.lo <= p.value && p.value <= hit.hi, 'band');
      // It spans the runs too: from below the smallest run to the point.
      const runs = model.runSets[0].columns[along];
      assert.ok(c.points.x[0] < Math.min(...runs), `starts at the runs along ${along}`);
      // The legend can name where it is drawn: the other variable at the prediction's value.
      if (along === 'N') assert.equal(c.at?.D, p.at.D);
      if (along === 'D') assert.equal(c.at?.N, p.at.N);
    }
  });

  it('draws the law through the optimum, and names the held value of the other variable', () => {
    const o = model.optima[0];
    const c = model.laws[0].curves.find((k) => k.along === 'N' && k.through?.kind === 'optimum');
    assert.ok(c);
    close(atX(c.points, o.at.N).y, o.value, 'curve through the optimum at N*');
    assert.equal(c.at?.D, o.at.D);
  });

  it('names the values the ordinary curves are drawn at (x = N: at a stated D)', () => {
    const plain = model.laws[0].curves.filter((k) => k.along === 'N' && !k.through && k.group === null);
    assert.equal(plain.length, 1);
    assert.ok((plain[0].at?.D ?? 0) > 0, JSON.stringify(plain[0].at));
    // Grouped along C by N: each group's curve holds N at the group's value.
    const grouped = model.laws[0].curves.filter((k) => k.along === 'C' && k.group !== null);
    assert.ok(grouped.length > 1);
    for (const g of grouped) assert.ok(Math.abs(Math.log((g.at?.N ?? NaN) / Number(g.group))) < 0.01, g.group!);
  });

  it('draws the frontier N*(C), D*(C), L*(C) as curves over the runs’ budgets and through the optimize budget', () => {
    const [f] = model.allocations ?? [];
    assert.ok(f, 'no allocation curves');
    assert.equal(f.variable, 'C');
    const o = model.optima[0];
    const byQ = Object.fromEntries(f.curves.map((c) => [c.quantity, c.curve]));
    assert.deepEqual(Object.keys(byQ).sort(), ['D', 'L', 'N']);
    close(atX(byQ.N, 1e21).y, o.at.N, 'N* at the optimize budget');
    close(atX(byQ.L, 1e21).y, o.value, 'L* at the optimize budget');
    const runC = model.runSets[0].columns.C;
    assert.ok(byQ.N.x[0] <= Math.min(...runC) * (1 + 1e-12), 'from the smallest run budget');
    assert.ok(byQ.N.x.length > 20, 'a curve, not two points');
    // N* grows with the budget (β/(α+β) > 0).
    assert.ok(byQ.N.y.every((y, i) => i === 0 || y > byQ.N.y[i - 1]));
  });
});
