// `minimum …` inside an isoflop (issue 10.5): parsed, bound and checked; each budget's minimum by
// the method named; edge budgets marked in hover and table; hovers on `holdout` in isoflop and sweep
// blocks and on `last by run` (issue 18). Data: L = 1.8 + 480/N^0.35 + 2100/D^0.35 on D = C/(6N), whose
// exact optimum is N* = (480/2100)^(1/0.7) (C/6)^0.5; one budget sampled far below it has its minimum at an edge.
import assert from 'node:assert/strict';
import { catalogue } from '../../../server/src/core/laws';
import { analyze, type Analysis } from '../../../server/src/core/study';
import { runFit } from '../../../server/src/fitRunner';
import { completion } from '../../../server/src/lsp/completion';
import { hover } from '../../../server/src/lsp/hover';
import { inlayHints } from '../../../server/src/lsp/inlayHints';
import { formatResultsTable } from '../../../server/src/present/resultsTable';
import { buildMarkdownReport } from '../../../server/src/present/reportMarkdown';
import { memoryLoader } from '../hosts';

const studyPath = '/m/study.scaling';
const optN = (c: number) => (480 / 2100) ** (1 / 0.7) * Math.sqrt(c / 6);
const BUDGETS = [1e18, 1e19, 1e20, 1e21];
const EDGE = 1e22;

/**
 * Seven sizes a factor 2 apart per budget; the EDGE budget's all far below its optimum. Config b's
 * N column is `bScale` × the size its loss is computed at, so its N* is bScale × a's.
 */
function points(bScale = 1): string {
  const lines = ['run,config,C,N,D,L'];
  let run = 0;
  for (const config of ['a', 'b'])
    for (const c of [...BUDGETS, EDGE]) {
      const centre = c === EDGE ? optN(c) / 100 : optN(c) * 1.3;
      for (let k = -3; k <= 3; k++) {
        const n = centre * 2 ** k;
        const d = c / (6 * n);
        const written = config === 'b' ? n * bScale : n;
        lines.push(`r${run++},${config},${c},${written},${d},${1.8 + 480 / n ** 0.35 + 2100 / d ** 0.35}`);
      }
    }
  return lines.join('\n');
}

async function study(block: string, rest = '', bScale = 1): Promise<Analysis> {
  const { loader } = memoryLoader({ '/m/pts.csv': points(bScale) });
  const text = `dataset pts = csv("pts.csv") {\n  C: C\n  N: N\n  D: D\n  L: L\n}\nisoflop a2 {\n  fit pts\n${block}\n}\n${rest}`;
  return analyze(text, { loader, studyPath, catalogue });
}

const codes = (a: Analysis) => a.diagnostics.map((d) => d.code);
const hoverAt = (a: Analysis, results: Parameters<typeof hover>[1], needle: string) => {
  const h = hover(a, results, a.text.indexOf(needle) + 1);
  assert.ok(h, `no hover at ${needle}`);
  // Markdown escapes (\\. \\* \\( …) removed: the text as it reads.
  return (h.contents as { value: string }).value.replace(/\\(.)/g, '$1');
};

describe('isoflop `minimum …` (issue 10.5)', function () {
  this.timeout(60_000);

  it('binds parabola (default, unrecorded), parabola window K, akima, and `in D`', async () => {
    const cases: [string, object | undefined, string | undefined][] = [
      ['', undefined, undefined],
      ['  minimum parabola', undefined, undefined],
      ['  minimum parabola window 5', { method: 'parabola', window: 5 }, undefined],
      ['  minimum akima', { method: 'akima' }, undefined],
      ['  minimum akima in D', { method: 'akima' }, 'tokens'],
      ['  minimum akima in N', { method: 'akima' }, undefined],
      ['  minimum parabola window 4 in D', { method: 'parabola', window: 4 }, 'tokens'],
    ];
    for (const [line, minimum, along] of cases) {
      const a = await study(line);
      assert.deepEqual(codes(a), [], line);
      assert.deepEqual(a.model.isoflops[0].minimum, minimum, line);
      assert.equal(a.model.isoflops[0].along, along, line);
    }
  });

  it('bad input: a window below 3 or not whole, `in` naming no size/tokens variable, an unknown method', async () => {
    for (const w of ['2', '4.5']) {
      const a = await study(`  minimum parabola window ${w}`);
      const d = a.diagnostics.find((x) => x.code === 'scaling.bad-value');
      assert.ok(d, w);
      assert.equal(a.text.slice(d.range.start, d.range.end), w);
      assert.equal(a.model.isoflops.length, 0);
    }
    const a = await study('  minimum akima in C');
    const d = a.diagnostics.find((x) => x.code === 'scaling.minimum-along');
    assert.ok(d, codes(a).join());
    assert.equal(a.text.slice(d.range.start, d.range.end), 'C');
    assert.match(d.message, /size variable \(N\) or the tokens variable \(D\), not 'C'/);
    const typo = await study('  minimum akima in DD');
    assert.match(typo.diagnostics.find((x) => x.code === 'scaling.minimum-along')!.message, /did you mean 'D'/);
    const bad = await study('  minimum cubic');
    assert.ok(codes(bad).includes('scaling.syntax'), codes(bad).join());
    const weighted = await study('  minimum akima\n  weighted');
    assert.deepEqual(codes(weighted), ['scaling.weighted-needs-parabola']);
    assert.equal(weighted.model.isoflops[0].weighted, false);
  });

  it('akima: edge budgets are excluded and marked in JSON, the table, the block hover and the minimum hover', async () => {
    const a = await study('  minimum akima');
    // Both configs share budgets here: one isoflop over all rows sees 14 runs per budget.
    const { results } = await runFit(a, studyPath, { workers: 1 });
    const iso = results.isoflops[0];
    assert.deepEqual(iso.minimum, { method: 'akima', window: null, along: 'N' });
    assert.deepEqual(
      iso.budgets.map((b) => [b.budget, b.edge]),
      [...BUDGETS.map((c) => [c, false]), [EDGE, true]],
    );
    for (const b of iso.budgets.filter((x) => !x.edge)) assert.ok(Math.abs(Math.log(b.at.N / optN(b.budget))) < 0.05);
    assert.ok(Math.abs(iso.frontier!.N.exponent - 0.5) < 0.01);
    const table = formatResultsTable(results, 'study.scaling', { budgetVars: { a2: 'C' } });
    assert.match(
      table,
      /isoflop a2: 5 budgets; minimum: akima spline[^\n]*\n(.*\n){4} +budget +1\.000e\+22 .*\(excluded: minimum on the edge\)\n/,
    );
    const block = hoverAt(a, results, 'a2 {');
    assert.match(block, /minimum: akima spline of ln L in ln N/);
    assert.match(block, /5 budgets \(4 kept for the frontier\)/);
    assert.match(block, /edge \(excluded from the frontier\): C = 1\.000e\+22/);
    const hint = inlayHints(a, results).find(
      (h) => h.position.line === a.lines.position(a.text.indexOf('minimum akima')).line,
    );
    assert.equal(hint?.label, '→ N* exponent 0.5, 4 of 5 budgets kept');
    const line = hoverAt(a, results, 'minimum akima');
    assert.match(line, /^\*\*minimum\*\* of isoflop `a2`/);
    assert.match(line, /N\*\(C\) = .* · C\^0\.5/);
    assert.match(line, /\| 1\.000e\+22 \| 14 \| .* \| \*\*edge \(excluded\)\*\* \|/);
    assert.equal((line.match(/\| kept \|/g) ?? []).length, 4);
  });

  it('completion after `minimum`: the methods, then window/in, then the size and tokens variables', async () => {
    const labels = async (line: string) => {
      const a = await study(`  ${line}`);
      const offset = a.text.indexOf(line) + line.length;
      return completion(a, offset).map((i) => i.label);
    };
    assert.deepEqual(await labels('minimum '), ['parabola', 'akima']);
    assert.deepEqual((await labels('minimum parabola ')).sort(), ['in', 'window']);
    assert.deepEqual(await labels('minimum akima '), ['in']);
    assert.deepEqual(await labels('minimum akima in '), ['N', 'D']);
  });

  it('hover on `holdout` in an isoflop and a sweep: the runs held out, the first by file and line', async () => {
    const a = await study('  holdout C >= 1e22', 'sweep s {\n  fit pts\n  over N\n  per C\n  holdout C < 1e19\n}\n');
    assert.deepEqual(codes(a), []);
    const iso = hoverAt(a, undefined, 'holdout C >= 1e22');
    assert.match(iso, /^\*\*holdout\*\* `C >= 1e22` of isoflop `a2`/);
    // Rows 29–35 (config a) and 64–70 (config b) of the file: its lines 30–36 and 65–71.
    assert.match(iso, /holds out 14 of 70 runs/);
    assert.match(
      iso,
      /first: 'pts\.csv' line 30, 'pts\.csv' line 31, 'pts\.csv' line 32, 'pts\.csv' line 33, 'pts\.csv' line 34 … and 9 more/,
    );
    const sw = hoverAt(a, undefined, 'holdout C < 1e19');
    assert.match(sw, /^\*\*holdout\*\* `C < 1e19` of sweep `s`/);
    assert.match(sw, /holds out 14 of 70 runs/);
    assert.match(sw, /'pts\.csv' line 2,/);
  });

  it('hover on `last by run`: the runs kept, the rows reduced', async () => {
    const { loader } = memoryLoader({ '/m/curves.csv': 'run,step,L\na,1,3\na,2,2.5\nb,1,3.2\nb,2,2.9\nb,3,2.7\n' });
    const text = 'dataset c = csv("curves.csv") {\n  L: L\n  last by run along step\n}\n';
    const a = await analyze(text, { loader, studyPath, catalogue });
    const h = hoverAt(a, undefined, 'last by run');
    assert.match(h, /^\*\*last by\*\* `run`/);
    assert.match(h, /keeps each run's last row: 2 runs, 5 rows reduced to 2, in file order \(`step` checked to rise/);
  });
});

describe('approach-2 answers of a `per` isoflop (issue 10.5)', function () {
  this.timeout(60_000);

  it('optimize and frontier answer per group from its own frontier, tagged with the group; hovers list them', async () => {
    const a = await study(
      '  per config\n  minimum akima\n  uncertainty bootstrap 50 seed 1',
      'optimize a2 for C = 1e23\nfrontier a2 over C = 1e20..1e22 points 3\n',
      2,
    );
    assert.deepEqual(codes(a), []);
    const { results } = await runFit(a, studyPath, { workers: 1 });
    assert.ok(
      !results.diagnostics.some((d) => d.code === 'scaling.optimize-failed'),
      JSON.stringify(results.diagnostics),
    );
    const groups = results.isoflops[0].groups!;
    assert.deepEqual(
      results.optima.map((o) => o.group),
      ['a', 'b'],
    );
    for (const [j, o] of results.optima.entries()) {
      const { N, D } = groups[j].frontier!;
      // The group's own power laws at the budget, to rounding.
      assert.ok(Math.abs(o.at.N / (N.coefficient * 1e23 ** N.exponent) - 1) < 1e-12);
      assert.ok(Math.abs(o.at.D / (D.coefficient * 1e23 ** D.exponent) - 1) < 1e-12);
      assert.ok(o.intervals.N, 'bootstrap interval of N*');
    }
    // Config b's sizes are written 2× larger: its N* is 2× a's (the spline in ln N just shifts).
    assert.ok(Math.abs(results.optima[1].at.N / results.optima[0].at.N - 2) < 1e-9);
    assert.deepEqual(
      results.frontiers!.map((f) => [f.group, f.points.length]),
      [
        ['a', 3],
        ['b', 3],
      ],
    );
    // The frontier's point at 1e22 is the optimize answer there.
    const opt = hoverAt(a, results, 'optimize a2');
    assert.match(opt, /_config = "a"_/);
    assert.match(opt, /_config = "b"_/);
    const fr = hoverAt(a, results, 'frontier a2');
    assert.match(fr, /_config = "a"_\n\n\| C \|/);
    assert.match(fr, /_config = "b"_\n\n\| C \|/);
    const table = formatResultsTable(results, 'study.scaling', { budgetVars: { a2: 'C' } });
    assert.match(table, /optimize a2 \[config = "a"\] for C = 1\.000e\+23/);
    assert.match(table, /frontier a2 \[config = "b"\] over C \(3 points\)/);
    assert.match(table, /isoflop a2: per config, 2 groups; minimum: akima/);
    assert.ok(inlayHints(a, results).some((h) => h.label === '→ 2 groups, N* exponents 0.5 … 0.5'));
    const frontierHint = inlayHints(a, results).find(
      (h) => h.position.line === a.lines.position(a.text.indexOf('frontier a2')).line,
    );
    assert.match(String(frontierHint?.label), /^config = "a": .*; config = "b": /);
    // The report: a section per group, its method, its budgets with the edge one excluded.
    const report = buildMarkdownReport(a, results).replace(/\\(.)/g, '$1');
    for (const g of ['a', 'b']) assert.ok(report.includes(`### isoflop a2 [config = "${g}"]`), report);
    assert.equal((report.match(/minimum: akima spline/g) ?? []).length, 2);
    assert.equal((report.match(/excluded \(minimum on the edge\)/g) ?? []).length, 2);
    assert.ok(/Frontier of a2 \[config = "b"\] over C/.test(report));
    const block = hoverAt(a, results, 'a2 {');
    assert.match(block, /\| config \| N\* exponent \| D\* exponent \| budgets kept \| edge \(excluded\) \|/);
    assert.match(block, /\| b \| 0\.5 .*\| 4 of 5 \| 1\.000e\+22 \|/);
  });
});
