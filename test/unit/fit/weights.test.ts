// Row weights (issue 10.3): `weight EXPR` multiplies each row's term of the objective. Integer
// weights must give the fit of the data with rows repeated; bad weights are diagnostics.
import assert from 'node:assert/strict';
import { catalogue } from '../../../server/src/core/laws';
import { analyze, type Analysis } from '../../../server/src/core/study';
import { parse } from '../../../server/src/core/syntax/parser';
import { runFit } from '../../../server/src/fitRunner';
import { hover } from '../../../server/src/lsp/hover';
import { memoryLoader } from '../hosts';
import { known } from './helpers';

const studyPath = '/m/study.scaling';

/** L = 1.7 + 400 N^-0.34 with ±2% deterministic noise; integer weights 1..4; a text column. */
function runs(n: number): { N: number; L: number; w: number; sigma: number; cfg: string }[] {
  let seed = 7;
  const rand = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  return Array.from({ length: n }, (_, i) => {
    const N = 10 ** (6 + (3 * i) / (n - 1));
    return {
      N,
      L: (1.7 + 400 * N ** -0.34) * (1 + 0.04 * (rand() - 0.5)),
      w: 1 + Math.floor(rand() * 4),
      sigma: 0.01 + 0.05 * rand(),
      cfg: i % 2 ? 'a' : 'b',
    };
  });
}

const csvOf = (rows: ReturnType<typeof runs>) =>
  ['n,loss,w,sigma,cfg', ...rows.map((r) => `${r.N},${r.L},${r.w},${r.sigma},${r.cfg}`)].join('\n');

const LAW = `law k: L = E + A * N^(-a) {
  fit d
  param E in (0, 10) init 1.5
  param A in (0, inf) init 100
  param a in [0, 2] init 0.3
WEIGHT}
`;

/** A power law without the offset: two well-determined parameters. */
const POWER = `law k: L = A * N^(-a) {
  fit d
WEIGHT}
`;

async function study(csv: string, weight = '', law = LAW): Promise<Analysis> {
  const { loader } = memoryLoader({ '/m/runs.csv': csv });
  const text = `dataset d = csv("runs.csv") {\n  N: n\n  L: loss\n}\n${law.replace('WEIGHT', weight ? `  weight ${weight}\n` : '')}`;
  return analyze(text, { loader, studyPath, catalogue });
}

const problems = (a: Analysis) => a.diagnostics.filter((d) => d.severity === 'error' || d.severity === 'warning');

describe('row weights (issue 10.3)', function () {
  this.timeout(30_000);

  it('parses `weight EXPR` as a law item', () => {
    const p = parse('law k: L = A * N^a {\n  fit d\n  weight 1 / sigma^2\n}\n');
    assert.deepEqual(p.diagnostics, []);
    const law = p.file.statements[0];
    assert.ok(law.kind === 'Law');
    assert.deepEqual(
      law.body.map((b) => b.kind),
      ['Fit', 'Weight'],
    );
  });

  async function weightedAndRepeated(law: string) {
    const rows = runs(30);
    const weighted = await study(csvOf(rows), 'w', law);
    assert.deepEqual(problems(weighted), []);
    const repeated = await study(csvOf(rows.flatMap((r) => Array.from({ length: r.w }, () => r))), '', law);
    const plain = await study(csvOf(rows), '', law);
    const fits = [];
    for (const a of [weighted, repeated, plain])
      fits.push((await runFit(a, studyPath, { workers: 1 })).results.laws[0]);
    return fits;
  }

  it('integer weights give the fit of the rows repeated: params to 1e-9 relative', async () => {
    const [w, r, plain] = await weightedAndRepeated(POWER);
    for (const name of ['A', 'a'])
      assert.ok(
        Math.abs(w.params[name] - r.params[name]) <= 1e-9 * Math.abs(r.params[name]),
        `${name}: ${w.params[name]} vs ${r.params[name]}`,
      );
    assert.ok(Math.abs(known(w.objective.value) - known(r.objective.value)) <= 1e-12 * known(r.objective.value));
    // The weights matter: the unweighted fit is another optimum.
    assert.ok(Math.abs(plain.params.a - w.params.a) > 1e-4);
  });

  it('with an offset E (a flat valley): the same optimum to the precision the objective resolves', async () => {
    const [w, r, plain] = await weightedAndRepeated(LAW);
    // Both searches stop at 'no-progress': the objective (~5e-4) no longer changes in its 16th
    // digit, which along the E–A valley leaves A undetermined at ~1e-8 relative (sqrt of eps).
    assert.ok(Math.abs(known(w.objective.value) - known(r.objective.value)) <= 1e-12 * known(r.objective.value));
    for (const name of ['E', 'A', 'a'])
      assert.ok(
        Math.abs(w.params[name] - r.params[name]) <= 1e-7 * Math.abs(r.params[name]),
        `${name}: ${w.params[name]} vs ${r.params[name]}`,
      );
    assert.ok(Math.abs(plain.params.a - w.params.a) > 1e-4);
  });

  it('an expression over columns: 1 / sigma^2, with asymptotic intervals and a bootstrap', async () => {
    const a = await study(csvOf(runs(30)), '1 / sigma^2\n  uncertainty bootstrap 50 seed 3');
    assert.deepEqual(problems(a), []);
    assert.ok(a.model.laws[0].rowWeights);
    const fit = await runFit(a, studyPath, { workers: 1 });
    assert.equal(fit.hasError, false);
    const law = fit.results.laws[0];
    assert.ok(law.intervals && law.intervals.a[0] < law.params.a && law.params.a < law.intervals.a[1]);
    assert.equal(law.weight, '1 / sigma^2');
    const h = hover(a, fit.results, a.text.indexOf('law k') + 4);
    assert.match(JSON.stringify(h?.contents), /weighted: each run.s term × `1 \/ sigma\^2`/);
  });

  it('a negative or infinite weight is an error naming the row; a text column too', async () => {
    const rows = runs(12);
    const neg = await study(csvOf(rows), 'w - 2');
    const d = problems(neg);
    assert.equal(d.length, 1);
    assert.equal(d[0].code, 'scaling.bad-weight');
    const first = rows.findIndex((r) => r.w < 2);
    assert.match(
      d[0].message,
      new RegExp(`^the weight is -1 at 'runs\\.csv' line ${first + 2}: weights must be finite`),
    );
    assert.equal(neg.text.slice(d[0].range.start, d[0].range.end), 'w - 2');
    const inf = problems(await study(csvOf(rows), '1 / (w - w)'));
    assert.match(inf[0].message, /the weight is Infinity at 'runs\.csv' line 2/);
    const text = await study(csvOf(rows), '1 / cfg');
    const t = problems(text);
    assert.equal(t[0].code, 'scaling.bad-weight');
    assert.match(t[0].message, /'cfg' is a column of text/);
    assert.equal(text.text.slice(t[0].range.start, t[0].range.end), 'cfg');
    const unknown = problems(await study(csvOf(rows), 'sigmaa'));
    assert.equal(unknown[0].code, 'scaling.unknown-name');
  });

  it('a row whose weight reads a missing cell is left out with the missing-value warning', async () => {
    const csv = csvOf(runs(12)).split('\n');
    csv[3] = csv[3].replace(/,[^,]*,([^,]*),([^,]*)$/, ',NA,$1,$2');
    const a = await study(csv.join('\n'), 'w');
    assert.deepEqual(
      problems(a).map((d) => d.code),
      ['scaling.missing-value'],
    );
    assert.match(problems(a)[0].message, /^1 row\(s\) miss a value of N, L, the weight .*'runs\.csv' line 4/);
    const fit = await runFit(a, studyPath, { workers: 1 });
    assert.deepEqual(fit.results.laws[0].points, { fit: 11, holdout: 0, dropped: 1 });
  });
});
