// Published laws (issue 11.7): `law h: published("hoffmann2022")` needs no fit or data, answers
// predict/optimize/frontier from the library's values, compares on a fitted law's rows with k = 0,
// and its hover cites the source and how the numbers were verified.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PUBLISHED } from '../../../server/src/core/laws/published';
import { catalogue } from '../../../server/src/core/laws';
import { analyze, type Analysis } from '../../../server/src/core/study';
import type { StudyResults } from '../../../server/src/core/results';
import { hover } from '../../../server/src/lsp/hover';
import { plotModel } from '../../../server/src/present/plotModel';
import { diskLoader } from '../hosts';
import { fitStudyText } from '../questions/helpers';

const fixtures = path.resolve(__dirname, '../../fixtures');
const sweep = path.join(fixtures, 'runs/sweep.csv');

function study(text: string): Promise<Analysis> {
  return analyze(text, { loader: diskLoader(), studyPath: path.join(fixtures, 'inline.scaling'), catalogue });
}

const head = `compute C = 6 * N * D
dataset sweep = csv("${sweep}") {
  N: params
  D: tokens
  L: loss
}
law fitted: L = E + A / N^alpha + B / D^beta {
  fit sweep
  objective squares on log
  param E in (0, 10) init 1.5
  param A in (0, inf) init grid 4..8 by 2 log
  param B in (0, inf) init grid 4..8 by 2 log
  param alpha in [0, 2] init 0.3
  param beta in [0, 2] init 0.3
}
law hoffmann: published("hoffmann2022")
law epoch: published("besiroglu2024")
`;

describe('published laws: binding', () => {
  it('binds every library entry with its values fixed, no data and no diagnostics', async () => {
    for (const id of PUBLISHED.keys()) {
      const at = PUBLISHED.get(id)!.variables.map((v) => `${v} = 1T`);
      const a = await study(`law p: published("${id}")\npredict p at ${at.join(', ')}\n`);
      assert.deepEqual(
        a.diagnostics.map((d) => d.message),
        [],
        id,
      );
      const law = a.model.laws[0];
      assert.equal(law.published?.id, id);
      assert.ok(law.params.every((p) => p.fixed === PUBLISHED.get(id)!.values[p.name]));
    }
  });

  it('an unknown name, a missing argument, settings in a block: diagnostics at the place', async () => {
    const unknown = await study('law p: published("hoffman2022")\n');
    assert.equal(unknown.diagnostics[0].code, 'scaling.unknown-law');
    assert.match(unknown.diagnostics[0].message, /did you mean 'hoffmann2022'/);
    assert.equal(unknown.diagnostics[0].range.start, 'law p: published('.length);
    const bare = await study('law p: published(hoffmann2022)\n');
    assert.equal(bare.diagnostics[0].code, 'scaling.catalogue-arguments');
    const block = await study('law p: published("hoffmann2022") {\n  objective squares\n}\n');
    assert.equal(block.diagnostics[0].code, 'scaling.published-settings');
    assert.equal(block.model.laws.length, 1);
  });

  it('compare needs a fitted law for the rows', async () => {
    const a = await study('law p: published("hoffmann2022")\nlaw q: published("besiroglu2024")\ncompare p, q\n');
    assert.equal(a.diagnostics[0].code, 'scaling.incomparable-laws');
    assert.match(a.diagnostics[0].message, /no rows of their own/);
  });
});

describe('published laws: answers, comparison, hover', function () {
  this.timeout(120_000);
  let json: StudyResults;
  before(async () => {
    const { code, out } = await fitStudyText(
      `${head}predict hoffmann at N = 70B, D = 1.4T\noptimize hoffmann for C = 5.76e23\noptimize epoch for C = 5.76e23\noptimize epoch for C = 1e24\nfrontier epoch over C = 1e20..1e24 points 3\ncompare fitted, hoffmann, epoch cv 4\n`,
    );
    assert.equal(code, 0, out);
    json = JSON.parse(out);
  });

  it("plots over the fitted law's runs: a curve along N, D and C beside the data", async () => {
    const a = await study(head);
    const model = plotModel(a, json);
    const h = model.laws.find((l) => l.name === 'hoffmann');
    assert.ok(h, 'the published law is in the plot');
    // Its own curves (the ones through its predict/optimize points are present/plotStory.test.ts's).
    assert.deepEqual(
      h.curves.filter((c) => !c.through).map((c) => c.along),
      ['N', 'D', 'C'],
    );
    // The curve is the published formula along N, with D at the runs' median.
    const alongN = h.curves[0].points;
    assert.ok(alongN.x.length >= 64);
    const D = [...(model.runSets[0].columns.D ?? [])].sort((x, y) => x - y)[
      Math.floor(model.runSets[0].columns.D.length / 2)
    ];
    const f = (n: number) => 1.69 + 406.4 / n ** 0.34 + 410.7 / D ** 0.28;
    alongN.x.forEach((x, i) => assert.ok(Math.abs(alongN.y[i] - f(x)) < 1e-12 * f(x)));
  });

  it('predict is the published formula at the point', () => {
    const v = 1.69 + 406.4 / 70e9 ** 0.34 + 410.7 / 1.4e12 ** 0.28;
    assert.ok(Math.abs(json.predictions[0].value! - v) < 1e-12 * v);
  });

  it('optimize reproduces the reference allocations: D*/N* 92.6 (rounded Hoffmann), 18.3 (Epoch) at 5.76e23', () => {
    // domain-anchors.md §1.2 and §1.3 [computed]: the closed form with the rounded published values.
    const ratio = (k: number) => json.optima[k].at.D / json.optima[k].at.N;
    assert.ok(Math.abs(ratio(0) - 92.6) < 0.05, String(ratio(0)));
    assert.ok(Math.abs(ratio(1) - 18.3) < 0.1, String(ratio(1)));
    assert.equal(json.frontiers![0].points.length, 3);
    assert.deepEqual(json.frontiers![0].points[2].at, json.optima[2].at);
  });

  it('compares on the fitted law rows with k = 0; its CV error is its error over those rows', () => {
    const c = json.comparisons![0];
    const [fitted, hoffmann] = c.laws;
    assert.equal(hoffmann.k, 0);
    assert.equal(hoffmann.n, fitted.n);
    assert.deepEqual(hoffmann.objective, fitted.objective);
    // Nothing is fitted, so leaving folds out changes nothing: the CV RMSE is the RMSE of ln L over all the rows.
    const [header, ...lines] = fs.readFileSync(sweep, 'utf8').trim().split('\n');
    const col = (name: string) => header.split(',').indexOf(name);
    let sq = 0;
    for (const line of lines) {
      const cells = line.split(',').map(Number);
      const f = 1.69 + 406.4 / cells[col('params')] ** 0.34 + 410.7 / cells[col('tokens')] ** 0.28;
      sq += (Math.log(f) - Math.log(cells[col('loss')])) ** 2;
    }
    assert.equal(lines.length, fitted.n);
    assert.ok(Math.abs(hoffmann.cv! - Math.sqrt(sq / lines.length)) < 1e-12, `${hoffmann.cv}`);
    // k = 0: only the noise scale counts in AIC.
    assert.ok(Math.abs(hoffmann.aic! - (2 - 2 * hoffmann.log_likelihood!)) < 1e-9);
  });

  it('the hover cites the source, the units and how the numbers were verified', async () => {
    const text = `${head}`;
    const a = await study(text);
    const h = hover(a, undefined, text.indexOf('law hoffmann') + 5);
    const md = (h?.contents as { value: string }).value.replace(/\\(.)/g, '$1');
    assert.match(
      md,
      /Hoffmann et al\. 2022, Training Compute-Optimal Large Language Models \(arXiv 2203\.15556\), approach 3/,
    );
    assert.match(md, /verified: rounded as printed/);
    const e = (hover(a, undefined, text.indexOf('law epoch') + 5)?.contents as { value: string }).value;
    assert.match(e.replace(/\\(.)/g, '$1'), /verified: from the replication's notebook/);
  });
});
