// Plots of `per` laws and isoflops (issue 10.1): one fitted curve per group, from that group's own
// parameters over that group's runs, labelled by the group's value; a `per` isoflop draws each group.
// Real fits of exact synthetic runs, so the curves are the fitted formula, not a fixture's.
import * as assert from 'node:assert/strict';
import type { PlotModel } from '../../../protocol/plot';
import { CONFIGS, perGroupPlot } from './perGroupStudy';

describe('plots of `per` laws and isoflops (issue 10.1)', () => {
  let model: PlotModel;
  let groups: { value: string | number; params: Record<string, number> }[];
  before(async function () {
    this.timeout(120_000);
    const built = await perGroupPlot();
    groups = built.results.laws[0].groups ?? [];
    model = built.model;
  });

  it("colours the runs by the law's `per` column, each run with its group's value as written", () => {
    assert.equal(model.by, 'config');
    assert.equal(model.laws[0].per, 'config');
    const set = model.runSets.find((s) => s.id === model.laws[0].runSet)!;
    assert.deepEqual([...new Set(set.groups)], ['small', 'big', 'wide']);
    assert.equal(set.groups?.length, 24);
  });

  it("draws one curve per group: the group's own params, over the group's own runs", () => {
    assert.deepEqual(
      groups.map((g) => g.value),
      ['small', 'big', 'wide'],
    );
    const curves = model.laws[0].curves.filter((c) => c.along === 'N' && !c.through);
    assert.deepEqual(
      curves.map((c) => c.group),
      ['small', 'big', 'wide'],
    );
    for (const [j, c] of curves.entries()) {
      const { A, a } = groups[j].params;
      // The fit is exact data: the group's params are its generating ones (to the engine's tolerance).
      assert.ok(Math.abs(a - CONFIGS[j].a) < 1e-6, `${c.group}: a = ${a}`);
      // The curve is the formula at the group's params: equal to rounding (1e-12 relative).
      c.points.x.forEach((x, i) => {
        const want = A * x ** -a;
        assert.ok(Math.abs(c.points.y[i] - want) <= 1e-12 * want, `${c.group} at N = ${x}`);
      });
      // Over the group's runs with the plot's 1.25x margin, not over all groups' runs.
      const lo = 10 ** CONFIGS[j].from / 1.25;
      const hi = 10 ** (CONFIGS[j].from + 2) * 1.25;
      assert.ok(Math.abs(c.points.x[0] / lo - 1) < 1e-9 && Math.abs(c.points.x.at(-1)! / hi - 1) < 1e-9);
    }
  });

  it("a grouped prediction carries its group, and its curve is its group's law through the point", () => {
    assert.deepEqual(
      model.predictions.map((p) => p.group),
      ['small', 'big', 'wide'],
    );
    for (const [index, p] of model.predictions.entries()) {
      const c = model.laws[0].curves.find((k) => k.through?.kind === 'predict' && k.through.index === index);
      assert.ok(c, `a curve through prediction ${index}`);
      const i = c.points.x.indexOf(1e10);
      assert.ok(i >= 0);
      assert.ok(Math.abs(c.points.y[i] / p.value - 1) < 1e-12, `${p.group}: ${c.points.y[i]} vs ${p.value}`);
    }
  });

  it("the `per` column takes the place of a plot's `by`: still one curve per group", async function () {
    this.timeout(120_000);
    const { model: byN } = await perGroupPlot('plot k: L vs N by N\n');
    assert.equal(byN.by, 'config');
    assert.deepEqual(
      byN.laws[0].curves.filter((c) => c.along === 'N' && !c.through).map((c) => c.group),
      ['small', 'big', 'wide'],
    );
  });

  it('draws each group of a `per` isoflop with its own runs and parabolas, named by the group', () => {
    const isos = model.isoflops.filter((i) => i.name === 'a2' && i.budgets.length > 0);
    assert.deepEqual(
      isos.map((i) => i.group),
      [
        { column: 'config', value: 'a' },
        { column: 'config', value: 'b' },
      ],
    );
    for (const [j, iso] of isos.entries()) {
      const k = j === 0 ? 0.1 : 0.3;
      assert.equal(iso.budgets.length, 3);
      for (const b of iso.budgets) {
        // Only this group's five runs at this budget, and the minimum at its own N* = k C^0.5 (exact parabola data).
        assert.equal(b.runs.size.length, 5);
        for (const n of b.runs.size) assert.ok(n / (k * b.budget ** 0.5) > 0.2 && n / (k * b.budget ** 0.5) < 5);
        assert.ok(Math.abs(b.minimum.size / (k * b.budget ** 0.5) - 1) < 1e-6, `${iso.group?.value} at ${b.budget}`);
        assert.ok(b.parabola && b.parabola.x.length > 2);
      }
    }
  });
});
