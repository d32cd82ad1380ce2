// Issue 11, item 6: `sweep` — the best learning rate per model size, then lr*(N) = k·N^a. On
// noise-free synthetic runs whose loss is exactly a parabola in ln(lr) around lr*(N) = 0.5·N^-0.3,
// the parabola methods recover the exponent to 1e-3 (the acceptance criterion; they are exact up to
// rounding), Akima's spline (which assumes no shape) to 1e-2; bad input is a diagnostic.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { profileMinimum } from '../../../server/src/core/fit/minimum';
import type { StudyResults } from '../../../server/src/core/results';
import { fitStudyText } from './helpers';

const K = 0.5;
const A = -0.3;
const lrStar = (n: number) => K * n ** A;
const SIZES = [1e8, 3e8, 1e9, 3e9, 1e10];

/** 7 learning rates per size on one fixed grid (the optimum is inside but off-centre), loss exactly parabolic in ln lr. */
function runsTable(sizes = SIZES, lrs = Array.from({ length: 7 }, (_, i) => 1e-4 * 10 ** (i / 2.5))): string {
  const rows = ['  N lr L'];
  for (const n of sizes) {
    for (const lr of lrs) {
      const loss = 2 + 30 / n ** 0.2 + 0.05 * (Math.log(lr) - Math.log(lrStar(n))) ** 2;
      rows.push(`  ${n} ${lr} ${loss}`);
    }
  }
  return `runs grid {\n${rows.join('\n')}\n}\n`;
}

const study = (minimum: string, extra = '', table = runsTable()) =>
  `${table}sweep lr_star {\n  fit grid\n  over lr\n  per N\n  target L\n  ${minimum}\n${extra}}\n`;

async function fit(text: string): Promise<StudyResults> {
  const { out } = await fitStudyText(text);
  return JSON.parse(out) as StudyResults;
}

describe('questions: sweep (hyperparameter laws)', function () {
  this.timeout(60_000);

  it('recovers a noise-free lr*(N) exponent to 1e-3 with a parabola, and each group minimum', async () => {
    const r = await fit(study('minimum parabola'));
    assert.deepEqual(
      r.diagnostics.filter((d) => d.severity !== 'info'),
      [],
    );
    const s = r.sweeps![0];
    assert.equal(s.name, 'lr_star');
    assert.equal(s.over, 'lr');
    assert.equal(s.per, 'N');
    assert.deepEqual(s.minimum, { method: 'parabola', window: null });
    assert.ok(Math.abs(s.law!.exponent - A) < 1e-3, `exponent ${s.law!.exponent}`);
    // Exact data, exact model: the coefficient too, to rounding (1e-6 relative covers printing the
    // runs with JavaScript's shortest round-trip digits and the least squares' conditioning).
    assert.ok(Math.abs(s.law!.coefficient / K - 1) < 1e-6, `coefficient ${s.law!.coefficient}`);
    assert.equal(s.groups.length, SIZES.length);
    for (const g of s.groups) {
      assert.ok(Math.abs(g.at.lr / lrStar(g.value) - 1) < 1e-6, `lr* at N = ${g.value}`);
      assert.equal(g.edge, false);
      assert.equal(g.runs, 7);
    }
    // Default uncertainty: a bootstrap over the groups; exact minima give a degenerate interval at the answer.
    assert.equal(s.uncertainty?.method, 'bootstrap');
    const iv = s.intervals!.exponent!;
    assert.ok(iv[0] <= s.law!.exponent + 1e-9 && s.law!.exponent - 1e-9 <= iv[1]);
  });

  it('parabola window 5 is exact too; akima (no shape assumed) to 1e-2', async () => {
    const w = (await fit(study('minimum parabola window 5'))).sweeps![0];
    assert.deepEqual(w.minimum, { method: 'parabola', window: 5 });
    assert.ok(Math.abs(w.law!.exponent - A) < 1e-3);
    const a = (await fit(study('minimum akima'))).sweeps![0];
    assert.equal(a.minimum.method, 'akima');
    assert.equal(a.groups[0].parabola, undefined);
    // A spline through 7 points 0.4 decades apart finds a parabola's vertex to a few % of a grid
    // step in ln lr; across a 2-decade span of N that is well under 1e-2 in the exponent.
    assert.ok(Math.abs(a.law!.exponent - A) < 1e-2, `akima exponent ${a.law!.exponent}`);
  });

  it('asymptotic intervals bracket the exponent of noisy runs', async () => {
    const noisy = runsTable().replace(
      / (\d+\.\d+)$/gm,
      (_, l: string, off: number) => ` ${Number(l) * (1 + 0.002 * Math.sin(off))}`,
    );
    const s = (await fit(study('minimum parabola', '  uncertainty asymptotic level 0.9\n', noisy))).sweeps![0];
    assert.equal(s.uncertainty?.method, 'asymptotic');
    const iv = s.intervals!.exponent!;
    assert.ok(iv[0] < s.law!.exponent && s.law!.exponent < iv[1]);
    const c = s.intervals!.coefficient!;
    assert.ok(c[0] < s.law!.coefficient && s.law!.coefficient < c[1]);
  });

  it('a group whose minimum is at the end of the sweep: an edge diagnostic, left out of the law', async () => {
    // For the largest model lr* = 0.5·1e10^-0.3 ≈ 5e-4; a grid starting at 1e-3 has it at its low end.
    const table = runsTable([1e8, 3e8, 1e10], [1e-3, 2e-3, 4e-3, 8e-3, 1.6e-2, 3.2e-2, 6.4e-2]);
    const r = await fit(study('minimum parabola', '', table));
    const s = r.sweeps![0];
    const edges = s.groups.filter((g) => g.edge);
    assert.deepEqual(
      edges.map((g) => g.value),
      [1e10],
    );
    // The lowest run of that group, not an extrapolated vertex.
    assert.equal(edges[0].at.lr, 1e-3);
    const d = r.diagnostics.filter((x) => x.code === 'scaling.sweep-edge-minimum');
    assert.equal(d.length, 1);
    assert.match(d[0].message, /N = 1\.000e\+10/);
    assert.equal(d[0].line, table.split('\n').length);
    assert.ok(s.law, 'the two interior groups still give a law');
  });

  it('fewer than three values of `over` in a group is a diagnostic at the statement, never NaN', async () => {
    const table = runsTable([1e8, 1e9], [1e-3, 3e-3, 1e-2]).replace(/\n {2}1000000000 0\.01 .*$/m, '');
    const r = await fit(study('minimum parabola', '', table));
    const s = r.sweeps![0];
    const d = r.diagnostics.find((x) => x.code === 'scaling.sweep-too-few-values');
    assert.ok(d, JSON.stringify(r.diagnostics));
    assert.match(d.message, /N = 1\.000e\+9 \(2\)/);
    assert.equal(s.groups.length, 1);
    assert.equal(s.law, null);
    assert.ok(r.diagnostics.some((x) => x.code === 'scaling.sweep-no-law'));
    assert.ok(!JSON.stringify(r).includes('NaN'));
  });

  it('bad settings: missing `per`, an unknown column, a window below 3, an unknown method', async () => {
    const table = runsTable();
    const codes = async (body: string) =>
      (await fit(`${table}sweep s {\n  fit grid\n${body}}\n`)).diagnostics.map((d) => d.code);
    assert.ok((await codes('  over lr\n')).includes('scaling.sweep-missing-setting'));
    assert.ok((await codes('  over eta\n  per N\n')).includes('scaling.missing-variable'));
    assert.ok((await codes('  over lr\n  per N\n  minimum parabola window 2\n')).includes('scaling.bad-value'));
    assert.ok((await codes('  over lr\n  per N\n  minimum cubic\n')).includes('scaling.syntax'));
  });

  it('profileMinimum: averages repeated runs, needs three distinct values', () => {
    const x = [0, 1, 2, 1];
    const y = [1, 0.4, 1, 0.6];
    const m = profileMinimum(x, y, { method: 'parabola' })!;
    assert.ok(Math.abs(m.x - 1) < 1e-12 && Math.abs(m.y - 0.5) < 1e-12);
    assert.equal(profileMinimum([0, 1, 1], [1, 0, 0], { method: 'akima' }), undefined);
    // A window wider than the group: the parabola through all its values.
    const all = profileMinimum([0, 1, 2, 3], [4, 1, 0, 1], { method: 'parabola' })!;
    assert.deepEqual(profileMinimum([0, 1, 2, 3], [4, 1, 0, 1], { method: 'parabola', window: 5 }), all);
    // A window of 3 around the lowest value: exact on that parabola (y = (x - 2)^2 near x = 2).
    const w = profileMinimum([0, 1, 2, 3, 4], [9, 1, 0, 1, 9], { method: 'parabola', window: 3 })!;
    assert.ok(Math.abs(w.x - 2) < 1e-12 && w.edge === false);
    assert.deepEqual(w.range, [1, 3]);
  });

  it("approach 2 is the same computation: `over N per C` gives the isoflop block's N*(C) exponent", async () => {
    const csv = JSON.stringify(path.resolve(__dirname, '../../../examples/runs/sweep.csv'));
    const r = await fit(`compute C = 6 * N * D
dataset runs = csv(${csv}) {
  N: params
  D: tokens
  L: loss
}
isoflop a2 {
  fit runs
  budget C
  uncertainty none
}
sweep a2_sweep {
  fit runs
  over N
  per C
  uncertainty none
}
`);
    const iso = r.isoflops[0];
    const sw = r.sweeps![0];
    assert.ok(iso.frontier && sw.law);
    // The same groups, the same parabolas in ln N, the same least squares: equal to rounding.
    assert.deepEqual(
      sw.groups.map((g) => g.edge),
      iso.budgets.map((b) => b.edge),
    );
    assert.ok(
      Math.abs(sw.law.exponent - iso.frontier.N.exponent) < 1e-9,
      `${sw.law.exponent} vs ${iso.frontier.N.exponent}`,
    );
    assert.ok(Math.abs(sw.law.coefficient / iso.frontier.N.coefficient - 1) < 1e-6);
  });
});
