// Row weights (issue 10.3): `weight EXPR` multiplies each row's term of the objective. Integer
// weights must give the fit of the data with rows repeated; bad weights are diagnostics.
import assert from 'node:assert/strict';
import { declaredStarts } from '../../../server/src/core/fit/multistart';
import { SecondOrder } from '../../../server/src/core/fit/newton';
import { buildProblem, Evaluator } from '../../../server/src/core/fit/problem';
import { searchBlockInWorker } from '../../../server/src/core/fit/pool';
import { gridOf, runSearchTask, screenGrid, searchTaskOf, type BlockResult } from '../../../server/src/core/fit/search';
import { catalogue } from '../../../server/src/core/laws';
import { analyze, type Analysis } from '../../../server/src/core/study';
import { parse } from '../../../server/src/core/syntax/parser';
import { runFit } from '../../../server/src/fitRunner';
import { hover } from '../../../server/src/lsp/hover';
import { memoryLoader } from '../hosts';
import { known, law, spec, table } from './helpers';

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
    const ia = law.intervals?.a;
    assert.ok(ia && ia[0] < law.params.a && law.params.a < ia[1], `${ia}`);
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

// The weighted objective must reach every stage that evaluates the objective: the screening of the
// start grid, the Newton search (screened and exhaustive, in this thread and on worker threads) and
// variable projection, and the bootstrap's refits. Each check compares against the rows repeated (the
// same objective by another route) or exact data, and against the unweighted fit, so dropping the
// weights anywhere fails it.
describe('row weights through every search stage and the bootstrap', function () {
  this.timeout(60_000);

  const GRID_LAW = `law k: L = E + A * N^(-a) {
  fit d
  param E in (0, 10) init grid 0.5 .. 2 by 0.5
  param A in (0, inf) init 10, 100, 1000
  param a in [0, 2] init grid 0.1 .. 0.7 by 0.2
SEARCH  weight w
}
`;

  const variants: { name: string; law: string; workers: number; search: 'screened' | 'exhaustive' }[] = [
    { name: 'screened Newton search (default objective)', law: GRID_LAW, workers: 1, search: 'screened' },
    { name: 'exhaustive search in this thread', law: GRID_LAW, workers: 1, search: 'exhaustive' },
    { name: 'exhaustive search on a worker thread', law: GRID_LAW, workers: 2, search: 'exhaustive' },
    {
      name: 'variable projection (squares in linear space)',
      law: POWER.replace('WEIGHT', '  objective squares\n  weight w\n'),
      workers: 1,
      search: 'screened',
    },
  ];

  for (const v of variants)
    it(`${v.name}: the weighted fit is the fit of the rows repeated`, async () => {
      const rows = runs(30);
      const text = v.law.replace('SEARCH', v.search === 'exhaustive' ? '  search exhaustive\n' : '');
      const weighted = await study(csvOf(rows), '', text);
      assert.deepEqual(problems(weighted), []);
      assert.ok(weighted.model.laws[0].rowWeights);
      const unweighted = text.replace('  weight w\n', '');
      const repeated = await study(csvOf(rows.flatMap((r) => Array.from({ length: r.w }, () => r))), '', unweighted);
      const plain = await study(csvOf(rows), '', unweighted);
      const fits = [];
      for (const a of [weighted, repeated, plain])
        fits.push((await runFit(a, studyPath, { workers: v.workers })).results.laws[0]);
      const [fw, fr, fp] = fits;
      assert.equal(fw.starts.search, v.search);
      if (v.search === 'exhaustive') assert.equal(fw.starts.optimized, fw.starts.declared);
      // Same objective by two routes: w·r² summed once vs r² summed w times (rounding only).
      assert.ok(
        Math.abs(known(fw.objective.value) - known(fr.objective.value)) <= 1e-12 * known(fr.objective.value),
        `${fw.objective.value} vs ${fr.objective.value}`,
      );
      // Every start lands where it lands on the repeated rows: a stage (or a worker's share) that
      // dropped the weights would send its starts to the unweighted optimum instead.
      assert.equal(fw.starts.agreed, fr.starts.agreed);
      for (const name of Object.keys(fr.params))
        assert.ok(
          Math.abs(fw.params[name] - fr.params[name]) <= 1e-7 * Math.abs(fr.params[name]),
          `${name}: ${fw.params[name]} vs ${fr.params[name]}`,
        );
      // And the weights matter here: the unweighted fit is elsewhere.
      assert.ok(Math.abs(fp.params.a - fw.params.a) > 1e-4, `${fp.params.a} vs ${fw.params.a}`);
    });

  /** The offset law bound directly (no front end), its start grid, and the rows repeated w times. */
  function engineSetup() {
    const rows = runs(30);
    const bound = law({
      formula: 'E + A * N^(-a)',
      variables: ['N'],
      params: [
        spec('E', { lower: 0, upper: 10, starts: [0.5, 1, 1.5, 2] }),
        spec('A', { lower: 0, upper: Infinity, starts: [10, 100, 1000] }),
        spec('a', { lower: 0, upper: 2, lowerClosed: true, upperClosed: true, starts: [0.1, 0.3, 0.5, 0.7] }),
      ],
      objective: { loss: 'squares', onLog: true },
      data: table('runs', { N: rows.map((r) => r.N), L: rows.map((r) => r.L) }),
    });
    const N = Float64Array.from(rows, (r) => r.N);
    const L = Float64Array.from(rows, (r) => r.L);
    const w = Float64Array.from(rows, (r) => r.w);
    const rep = rows.flatMap((r) => Array.from({ length: r.w }, () => r));
    const repN = Float64Array.from(rep, (r) => r.N);
    const repL = Float64Array.from(rep, (r) => r.L);
    const prob = buildProblem(bound, [N], L, w);
    const starts = declaredStarts(
      prob,
      bound.params.map((p) => p.starts),
    );
    return { bound, N, L, w, repN, repL, prob, starts };
  }

  it('the screening of the start grid scores every start with the weighted objective', () => {
    const { bound, N, L, prob, starts } = engineSetup();
    const lists = gridOf(starts);
    assert.ok(lists);
    const screen = screenGrid(new SecondOrder(prob, [N]), prob, [N], lists).values;
    assert.equal(screen.length, 48);
    // The LM evaluator computes the same weighted sum independently (plain vs compensated sum: 1e-12).
    const weighted = new Evaluator(prob);
    const unweighted = new Evaluator(buildProblem(bound, [N], L));
    for (let i = 0; i < starts.length; i++) {
      const v = weighted.value(starts[i]);
      assert.ok(Math.abs(screen[i] - v) <= 1e-12 * v, `start ${i}: ${screen[i]} vs ${v}`);
      // Weights 1..4, not all 1, on non-zero residuals: the weighted sum is well above the plain one.
      assert.ok(screen[i] > 1.1 * unweighted.value(starts[i]), `start ${i}`);
    }
  });

  it("a worker's share of an exhaustive search optimizes the weighted objective, on a real worker thread", async () => {
    const { bound, N, L, w, repN, repL, starts } = engineSetup();
    const task = { ...searchTaskOf(bound), starts, deadline: Date.now() + 30_000 };
    const best = (b: BlockResult) => b.optima.reduce((m, o) => (o.value < m.value ? o : m));
    const bw = best(runSearchTask({ ...task, columns: [N], y: L, weights: w }));
    const br = best(runSearchTask({ ...task, columns: [repN], y: repL }));
    const bp = best(runSearchTask({ ...task, columns: [N], y: L }));
    // A block optimizes to a loose tolerance (the polish comes later): 1e-6 relative on the value.
    assert.ok(Math.abs(bw.value - br.value) <= 1e-6 * br.value, `${bw.value} vs ${br.value}`);
    assert.ok(Math.abs(bw.value - bp.value) > 0.1 * bp.value, `${bw.value} vs ${bp.value}`);
    // The same task posted to a worker thread (rejects if none can start: the search would then
    // quietly run in-thread and the worker's copy of the weights would go untested).
    const remote = best(await searchBlockInWorker({ ...task, columns: [N], y: L, weights: w }));
    assert.equal(remote.value, bw.value);
  });

  for (const workers of [1, 2])
    it(`the bootstrap refits each resample with its rows' weights (${workers === 1 ? 'in this thread' : 'on worker threads'})`, async () => {
      // Half the runs follow a = 0.34 exactly (weight 1), half a = 0.5 (weight 0): every resample,
      // weighted, sees only the first half, so every draw is a = 0.34; unweighted draws would mix.
      const lines = ['n,loss,keep'];
      for (let i = 0; i < 20; i++) {
        const N = 10 ** (6 + (3 * i) / 19);
        lines.push(`${N},${400 * N ** -0.34},1`, `${N * 1.1},${400 * (N * 1.1) ** -0.5},0`);
      }
      const a = await study(lines.join('\n'), 'keep\n  uncertainty bootstrap 64 seed 5', POWER);
      assert.deepEqual(problems(a), []);
      const law = (await runFit(a, studyPath, { workers })).results.laws[0];
      assert.ok(Math.abs(law.params.a - 0.34) <= 1e-9, `${law.params.a}`);
      const ia = law.intervals?.a;
      assert.ok(ia, 'no interval for a');
      const [lo, hi] = ia;
      // Exact data: each draw is the optimizer's precision away from 0.34 (1e-6 allows for it).
      assert.ok(lo >= 0.34 - 1e-6 && hi <= 0.34 + 1e-6, `[${lo}, ${hi}]`);
    });
});
