// Per-group fits (issue 10.1): `per COLUMN` fits one law per distinct value; `source` names each
// row's dataset; bad input is a diagnostic at the clause, and a failing group leaves the others.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { catalogue } from '../../../server/src/core/laws';
import { analyze, type Analysis } from '../../../server/src/core/study';
import { runFit } from '../../../server/src/fitRunner';
import { hover } from '../../../server/src/lsp/hover';
import { inlayHints } from '../../../server/src/lsp/inlayHints';
import { buildMarkdownReport } from '../../../server/src/present/reportMarkdown';
import { formatResultsTable } from '../../../server/src/present/resultsTable';
import { diskLoader, memoryLoader } from '../hosts';
import { known } from './helpers';

const studyPath = '/m/study.scaling';

/** Exact power laws L = A N^-a, one per config, with the given (A, a) and run counts. */
function csv(configs: { name: string; A: number; a: number; runs: number }[]): string {
  const lines = ['config,n,loss'];
  for (const c of configs)
    for (let i = 0; i < c.runs; i++) {
      const N = 10 ** (6 + (3 * i) / Math.max(1, c.runs - 1));
      lines.push(`${c.name},${N},${c.A * N ** -c.a}`);
    }
  return lines.join('\n');
}

const CONFIGS = [
  { name: 'small', A: 20, a: 0.1, runs: 8 },
  { name: 'big', A: 50, a: 0.2, runs: 8 },
  { name: 'wide', A: 30, a: 0.3, runs: 8 },
];

async function study(data: string, per = 'config', extra = ''): Promise<Analysis> {
  const { loader } = memoryLoader({ '/m/runs.csv': data });
  const text = `dataset d = csv("runs.csv") {\n  N: n\n  L: loss\n}\nlaw k: L = A * N^(-a) {\n  fit d\n  per ${per}\n}\n${extra}`;
  return analyze(text, { loader, studyPath, catalogue });
}

const problems = (a: Analysis) => a.diagnostics.filter((d) => d.severity === 'error' || d.severity === 'warning');

describe('per-group fits (issue 10.1)', function () {
  this.timeout(60_000);

  it('fits one law per value: each group recovers its own exact parameters; JSON per/shared/groups', async () => {
    const a = await study(csv(CONFIGS), 'config', 'predict k at N = 1e10\n');
    assert.deepEqual(problems(a), []);
    const { results, hasError } = await runFit(a, studyPath, { workers: 1 });
    assert.equal(hasError, false);
    const law = results.laws[0];
    assert.equal(law.per, 'config');
    assert.deepEqual(law.shared, []);
    assert.deepEqual(law.params, {});
    assert.equal(law.intervals, null);
    assert.deepEqual(
      law.groups!.map((g) => g.value),
      ['small', 'big', 'wide'],
    );
    for (const [j, c] of CONFIGS.entries()) {
      const g = law.groups![j];
      // Exact data: the optimizer's precision.
      assert.ok(Math.abs(g.params.a - c.a) < 1e-6 * c.a, `${c.name}: ${JSON.stringify(g.params)}`);
      assert.ok(Math.abs(g.params.A - c.A) < 1e-5 * c.A);
      assert.equal(g.points.fit, c.runs);
    }
    const sum = law.groups!.reduce((s, g) => s + known(g.objective.value), 0);
    assert.equal(law.objective.value, sum);
    // One prediction per group, tagged with its group.
    assert.deepEqual(
      results.predictions.map((p) => p.group),
      ['small', 'big', 'wide'],
    );
    for (const [j, c] of CONFIGS.entries())
      assert.ok(Math.abs(known(results.predictions[j].value) - c.A * 1e10 ** -c.a) < 1e-6 * c.A * 1e10 ** -c.a);
    // Hover: a compact per-group table.
    const h = JSON.stringify(hover(a, results, a.text.indexOf('law k') + 4)?.contents);
    assert.match(h, /per `config`: 3 groups/);
    assert.match(h, /\| config \| A \| a \| objective \| runs \|/);
    assert.match(h, /\| small \| 20 \| 0\.1 \|/);
    // A predict line on a `per` law answers per group, each labelled (hover, CLI table):
    // 20·10^-1 = 2, 50·10^-2 = 0.5, 30·10^-3 = 0.03 (exact data, 4 significant digits).
    const ph = hover(a, results, a.text.indexOf('predict k') + 2)?.contents as { value: string };
    assert.deepEqual(ph.value.split('\n').slice(2, 5), [
      'config = "small": L = **2**  ',
      'config = "big": L = **0.5**  ',
      'config = "wide": L = **0.03**  ',
    ]);
    // Its inlay hint too: every group labelled (three here, all on the line).
    const hint = inlayHints(a, results).find(
      (x) => x.position.line === a.lines.position(a.text.indexOf('predict k')).line,
    );
    assert.equal(hint?.label, 'config = "small": 2; config = "big": 0.5; config = "wide": 0.03');
    const table = formatResultsTable(results, 'study.scaling').split('\n');
    assert.deepEqual(
      table.filter((l) => l.startsWith('predict')),
      [
        'predict k [config = "small"] at N = 10B: 2',
        'predict k [config = "big"] at N = 10B: 0.5',
        'predict k [config = "wide"] at N = 10B: 0.03',
      ],
    );
    // The report: a table of the groups, a prediction row per group.
    const report = buildMarkdownReport(a, results).split('\n');
    assert.ok(report.includes('| config | A | a | objective | runs |'));
    // The objective of exact data is rounding noise: any number.
    assert.ok(report.some((l) => /^\| small \| 20 \| 0\.1 \| \S+ \| 8 \|$/.test(l)));
    assert.ok(report.includes('| k \\[config = "big"\\] | N = 10B | 0.5 | — |'));
  });

  it('a group with too few rows: a diagnostic naming it, the others still fit', async () => {
    const a = await study(csv([...CONFIGS, { name: 'tiny', A: 1, a: 0.1, runs: 1 }]));
    const { results, diagnostics } = await runFit(a, studyPath, { workers: 1 });
    const tooFew = diagnostics.filter((d) => d.code === 'scaling.too-few-rows');
    assert.equal(tooFew.length, 1);
    assert.match(tooFew[0].message, /^config = "tiny": 1 usable row\(s\) for 2 free parameter\(s\)/);
    const law = results.laws[0];
    assert.deepEqual(
      law.groups!.map((g) => Object.keys(g.params).length > 0),
      [true, true, true, false],
    );
    assert.equal(law.stop_reason, '1 of 4 groups failed');
  });

  it('bad input: an unknown column (did you mean), one value (a hint)', async () => {
    const unknown = await study(csv(CONFIGS), 'confg');
    const d = problems(unknown);
    assert.equal(d.length, 1);
    assert.equal(d[0].code, 'scaling.unknown-column');
    assert.match(d[0].message, /no column 'confg' \(did you mean 'config'\?\)/);
    assert.equal(unknown.text.slice(d[0].range.start, d[0].range.end), 'confg');
    const one = await study(csv([CONFIGS[0]]));
    const h = one.diagnostics.filter((x) => x.code === 'scaling.one-group');
    assert.equal(h.length, 1);
    assert.equal(h[0].severity, 'hint');
    assert.match(h[0].message, /'config' has one value \("small"\): this is just one fit/);
  });

  it('thousands of values: a warning and the cap', async () => {
    const many = Array.from({ length: 250 }, (_, i) => ({ name: `c${i}`, A: 10, a: 0.1, runs: 1 }));
    const a = await study(csv(many));
    const w = a.diagnostics.filter((d) => d.code === 'scaling.too-many-groups');
    assert.equal(w.length, 1);
    assert.match(w[0].message, /'config' has 250 values; only the first 200/);
    assert.equal(a.model.laws[0].per!.groups.length, 200);
  });

  it('Gemstones: hot and cool-end runs as two sources, `per source`, in one study', async function () {
    const dir = path.resolve(__dirname, '../../../../shared/datasets/gemstones');
    if (!fs.existsSync(dir)) this.skip();
    const text = `dataset hot = csv("${dir}/fitting_hot.csv") {\n  N: N\n  D: D\n  L: L\n}
dataset cool = csv("${dir}/fitting_cool_end.csv") {\n  N: N\n  D: D\n  L: L\n}
law g: L = E + A / N^alpha + B / D^beta {
  fit hot, cool
  per source
  param E in (0, 10) init 1.5
  param A in (0, inf) init 100, 1000
  param B in (0, inf) init 100, 1000
  param alpha in [0, 2] init 0.2, 0.5
  param beta in [0, 2] init 0.2, 0.5
}
`;
    const a = await analyze(text, { loader: diskLoader(), studyPath: path.join(dir, 's.scaling'), catalogue });
    assert.deepEqual(
      a.diagnostics.filter((d) => d.severity === 'error'),
      [],
    );
    const { results } = await runFit(a, path.join(dir, 's.scaling'), { workers: 1 });
    const law = results.laws[0];
    assert.deepEqual(
      law.groups!.map((g) => [g.value, g.points.fit + g.points.dropped]),
      [
        ['hot', 220],
        ['cool', 199],
      ],
    );
    for (const g of law.groups!) assert.ok(g.params.alpha > 0 && g.params.beta > 0, JSON.stringify(g.params));
  });

  it('Porian et al.: one `isoflop … per config` block fits all 15 configurations', async function () {
    const dir = path.resolve(__dirname, '../../../../shared/datasets/porian2024');
    if (!fs.existsSync(dir)) this.skip();
    const text = `dataset pts = csv("${dir}/isoflop_points.csv") {\n  C: C\n  N: N\n  D: D\n  L: L\n}
isoflop a2 {\n  fit pts\n  budget C\n  size N\n  tokens D\n  target L\n  per config\n}\n`;
    const a = await analyze(text, { loader: diskLoader(), studyPath: path.join(dir, 's.scaling'), catalogue });
    assert.deepEqual(
      a.diagnostics.filter((d) => d.severity === 'error'),
      [],
    );
    const { results } = await runFit(a, path.join(dir, 's.scaling'), { workers: 1 });
    const iso = results.isoflops[0];
    assert.equal(iso.per, 'config');
    assert.deepEqual(iso.budgets, []);
    assert.equal(iso.frontier, null);
    const published = fs
      .readFileSync(path.join(dir, 'published_fits.csv'), 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split(',')[0]);
    assert.deepEqual([...iso.groups!.map((g) => g.value)].sort(), [...published].sort());
    // Today's default (a parabola over each whole curve) gives each configuration a frontier; the
    // paper's Akima minimum (issue 10.5) is what matches n_exponent_basic closely.
    for (const g of iso.groups!)
      assert.ok(g.frontier && g.frontier.N.exponent > 0.3 && g.frontier.N.exponent < 1, String(g.value));
  });

  it("Porian et al.: `minimum akima` reproduces each configuration's n_exponent_basic to 0.005 (issue 10.5)", async function () {
    const dir = path.resolve(__dirname, '../../../../shared/datasets/porian2024');
    if (!fs.existsSync(dir)) this.skip();
    const text = `dataset pts = csv("${dir}/isoflop_points.csv") {\n  C: C\n  N: N\n  D: D\n  L: L\n}
isoflop a2 {\n  fit pts\n  budget C\n  size N\n  tokens D\n  target L\n  per config\n  minimum akima\n}\n`;
    const a = await analyze(text, { loader: diskLoader(), studyPath: path.join(dir, 's.scaling'), catalogue });
    assert.deepEqual(
      a.diagnostics.filter((d) => d.severity === 'error'),
      [],
    );
    const { results } = await runFit(a, path.join(dir, 's.scaling'), { workers: 1 });
    const iso = results.isoflops[0];
    const rows = (file: string) => {
      const [head, ...lines] = fs.readFileSync(path.join(dir, file), 'utf8').trim().split('\n');
      const cols = head.split(',');
      // published_fits.csv quotes its labels (which hold commas): the columns used here come before
      // the label (config) or are read from the end of the row, where no quoted field is.
      return lines.map((l) => {
        const cells = l.split(',');
        return (name: string) => {
          const j = cols.indexOf(name);
          return j <= 1 ? cells[j] : cells[cells.length - (cols.length - j)];
        };
      });
    };
    const published = rows('published_fits.csv');
    const optimal = rows('optimal_points.csv');
    assert.equal(iso.groups!.length, 15);
    for (const p of published) {
      const config = p('config');
      const g = iso.groups!.find((x) => x.value === config);
      assert.ok(g?.frontier, config);
      // Their budgets with an interior minimum (n_star filled in) are exactly the ones kept here.
      const theirs = optimal
        .filter((o) => o('config') === config && o('n_star') !== '')
        .map((o) => Number(o('C')))
        .sort((x, y) => x - y);
      assert.deepEqual(
        g.budgets.filter((b) => !b.edge).map((b) => b.budget),
        theirs,
        config,
      );
      // Porian et al.'s n_star is the median over 1,000 seed-noise perturbations of the losses of
      // the Akima argmin, not the argmin itself; that moves single budgets' ln N* by up to 0.13 and
      // the fitted exponent by up to 0.0036 (owt2_base_long_kaplan_standard_val; every config's
      // figure is in BENCHMARKS.md). 0.005 is under half their own 95% interval's half-width (±0.011).
      const basic = Number(p('n_exponent_basic'));
      assert.ok(
        Math.abs(g.frontier.N.exponent - basic) < 0.005,
        `${config}: ${g.frontier.N.exponent} vs published ${basic}`,
      );
    }
  });
});
