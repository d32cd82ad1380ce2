// Chinchilla approach 1 on synthetic curves drawn from a known law L = E + A/N^α + B/D^β: the
// envelope's frontier exponent must recover β/(α+β) within the resolution the model sizes allow.
import * as assert from 'node:assert/strict';
import { fitStudy } from '../../../server/src/core/fit';
import { analyze } from '../../../server/src/core/study';
import { memoryLoader } from '../hosts';

// Hoffmann et al.'s fitted values: the optimum N* grows as C^(β/(α+β)) = C^0.4516.
const [E, A, B, alpha, beta] = [1.69, 406.4, 410.7, 0.34, 0.28];
const TRUE_N_EXPONENT = beta / (alpha + beta);

/** `sizes` models log-spaced in [lo, hi], each logged at `steps` equal steps up to 100 tokens per parameter. */
function curvesCsv(sizes: number, lo: number, hi: number, steps: number): string {
  const lines = ['run,N,step,D,loss'];
  for (let i = 0; i < sizes; i++) {
    const N = lo * (hi / lo) ** (i / (sizes - 1));
    for (let s = 1; s <= steps; s++) {
      const D = (100 * N * s) / steps;
      lines.push(`m${i},${N},${s},${D},${E + A / N ** alpha + B / D ** beta}`);
    }
  }
  return lines.join('\n') + '\n';
}

const STUDY = `compute C = 6 * N * D
dataset curves = csv("curves.csv") {
  N: N
  D: D
  L: loss
}
envelope a1 {
  fit curves
  budget C
  run run
  size N
  tokens D
  target L
  uncertainty bootstrap 200 seed 1
}
`;

async function envelopeOf(csv: string, text = STUDY) {
  const { loader } = memoryLoader({ '/w/curves.csv': csv });
  const analysis = await analyze(text, { loader, baseDir: '/w' });
  const fitted = await fitStudy(analysis.model);
  return { analysis, fitted, envelope: fitted.results.envelopes![0] };
}

describe('approach 1: the training-curve envelope', () => {
  it('recovers β/(α+β) within the resolution of the model sizes, and its interval covers it', async () => {
    const sizes = 25;
    const { analysis, fitted, envelope } = await envelopeOf(curvesCsv(sizes, 1e7, 1e10, 200));
    assert.deepEqual(analysis.diagnostics, []);
    assert.deepEqual(fitted.diagnostics, []);
    // Resolution (docs/engine.md): the best run changes in steps of one model size, so the fitted
    // exponent can be off by up to half a size step over the span of optimal sizes:
    // (ln r / 2) / ln(N_max / N_min), r the ratio between neighbouring sizes. Here 0.021.
    const resolution = Math.log(1e3) / (sizes - 1) / 2 / Math.log(1e3);
    const n = envelope.frontier!.N.exponent;
    assert.ok(Math.abs(n - TRUE_N_EXPONENT) <= resolution, `${n} vs ${TRUE_N_EXPONENT} ± ${resolution}`);
    // C = 6ND along every curve, so the two exponents add up to one (up to the same resolution).
    assert.ok(Math.abs(n + envelope.frontier!.D.exponent - 1) < 1e-9);
    const iv = envelope.intervals!.N_exponent;
    assert.ok(iv[0] <= TRUE_N_EXPONENT && TRUE_N_EXPONENT <= iv[1], `${iv} covers ${TRUE_N_EXPONENT}`);
  });

  it('fewer sizes: coarser, still inside the documented resolution', async () => {
    const sizes = 7;
    const { envelope } = await envelopeOf(curvesCsv(sizes, 1e7, 1e10, 100));
    const resolution = 1 / (sizes - 1) / 2;
    assert.ok(Math.abs(envelope.frontier!.N.exponent - TRUE_N_EXPONENT) <= resolution);
  });

  it('marks points whose best run is the smallest or largest model, and leaves them out', async () => {
    const { envelope } = await envelopeOf(curvesCsv(9, 1e7, 1e10, 50));
    const smallest = envelope.points.filter((p) => p.run === 'm0');
    assert.ok(smallest.length > 0 && smallest.every((p) => p.edge));
    assert.ok(envelope.points.some((p) => !p.edge));
    assert.ok(envelope.points.every((p) => p.edge === (p.run === 'm0' || p.run === 'm8')));
    // Points are ordered by budget, and each lies on its run's own curve (C = 6ND).
    for (let i = 1; i < envelope.points.length; i++)
      assert.ok(envelope.points[i].budget > envelope.points[i - 1].budget);
    for (const p of envelope.points) assert.ok(Math.abs(6 * p.at.N * p.at.D - p.budget) / p.budget < 1e-9);
  });

  it('a curve that goes back in compute, or a run with one point, is named and left out', async () => {
    const csv = curvesCsv(9, 1e7, 1e10, 20) + 'lonely,5e8,1,1e9,3.1\n';
    const lines = csv.trimEnd().split('\n');
    // Swap two rows of m4: its D (and so C) goes back.
    const i = lines.findIndex((l) => l.startsWith('m4,'));
    [lines[i + 1], lines[i + 2]] = [lines[i + 2], lines[i + 1]];
    const { fitted, envelope } = await envelopeOf(lines.join('\n') + '\n');
    const order = fitted.diagnostics.find((d) => d.code === 'scaling.curve-order');
    assert.match(order?.message ?? '', /'curves.csv' line \d+: run 'm4' goes back in C/);
    const one = fitted.diagnostics.find((d) => d.code === 'scaling.curve-one-point');
    assert.match(one?.message ?? '', /run 'lonely' has one logged point/);
    assert.ok(envelope.points.every((p) => p.run !== 'm4' && p.run !== 'lonely'));
    assert.ok(envelope.frontier);
  });

  it('a missing run column is named at the envelope', async () => {
    const { analysis } = await envelopeOf(curvesCsv(5, 1e7, 1e9, 10), STUDY.replace('run run', 'run model'));
    assert.match(analysis.diagnostics[0].message, /'curves' has no column 'model' naming its training runs/);
  });
});

describe('approach 1: its answers through optimize and frontier', () => {
  it('optimize and frontier read N*(C), D*(C) from the envelope power laws, with bootstrap intervals by run', async () => {
    const text = STUDY + 'optimize a1 for C = 1e21\nfrontier a1 over C = 1e19..1e21 points 3\n';
    const { analysis, fitted, envelope } = await envelopeOf(curvesCsv(9, 1e7, 1e10, 30), text);
    assert.deepEqual(
      analysis.diagnostics.filter((d) => d.severity === 'error'),
      [],
    );
    const [o] = fitted.results.optima;
    const { N, D } = envelope.frontier!;
    // The answer is the power law itself at C = 1e21 (rounding only).
    assert.ok(Math.abs(o.at.N / (N.coefficient * 1e21 ** N.exponent) - 1) < 1e-12);
    assert.ok(Math.abs(o.at.D / (D.coefficient * 1e21 ** D.exponent) - 1) < 1e-12);
    const iN = o.intervals.N;
    assert.ok(iN && iN[0] <= o.at.N && o.at.N <= iN[1], JSON.stringify(o.intervals));
    assert.ok(o.value !== null && o.value > E, 'L* from the envelope points, above the irreducible loss');
    const [f] = fitted.results.frontiers!;
    assert.equal(f.points.length, 3);
  });
});

describe('approach 1: JSON, hover and the CLI table', () => {
  it('fit --json has envelopes: [{name, points: [{budget, run, at, value}], frontier, intervals}]; hover and table agree', async () => {
    const { runFit } = await import('../../../server/src/fitRunner');
    const { formatResultsTable } = await import('../../../server/src/present/resultsTable');
    const { formatValue, md } = await import('../../../server/src/present/numbers');
    const { hover } = await import('../../../server/src/lsp/hover');
    const { loader } = memoryLoader({ '/w/curves.csv': curvesCsv(9, 1e7, 1e10, 30) });
    const analysis = await analyze(STUDY, { loader, baseDir: '/w' });
    const { results } = await runFit(analysis, '/w/study.scaling');
    const json = JSON.parse(JSON.stringify(results));
    assert.deepEqual(json.isoflops, []);
    const [env] = json.envelopes;
    assert.equal(env.name, 'a1');
    assert.deepEqual(Object.keys(env.points[0]).sort(), ['at', 'budget', 'edge', 'run', 'value']);
    assert.deepEqual(Object.keys(env.frontier), ['N', 'D']);
    assert.deepEqual(Object.keys(env.frontier.N), ['exponent', 'coefficient']);
    assert.deepEqual(Object.keys(env.intervals).sort(), ['D_exponent', 'N_exponent']);
    // Shown to 4 significant digits, the one number format (0.4516 for the true 0.45161…).
    const exponent = formatValue(env.frontier.N.exponent);
    const h = hover(analysis, results, STUDY.indexOf('a1 {') + 1);
    const text = (h?.contents as { value: string }).value;
    assert.match(text, /\*\*envelope\*\* `a1`/);
    // Hover is Markdown: the line is escaped as the isoflop's is.
    assert.ok(text.includes(md(`N*(C) = `)) && text.includes(md(`C^${exponent}`)), text);
    assert.ok(formatResultsTable(results, 'study.scaling').includes(`N*(C) = `));
    assert.ok(formatResultsTable(results, 'study.scaling').includes(`C^${exponent}`));
    // The report's envelope section has the table's frontier line, word for word.
    const { buildMarkdownReport } = await import('../../../server/src/present/reportMarkdown');
    const table = formatResultsTable(results, 'study.scaling').split('\n');
    const line = table.find((l) => l.trim().startsWith('N*(C) = '))!.trim();
    // Markdown escapes: compare the text a reader sees.
    const report = buildMarkdownReport(analysis, results).replace(/\\(.)/g, '$1');
    assert.match(report, /## Training-curve envelopes \(approach 1\)\n\n### envelope a1\n/);
    assert.ok(report.includes(`- ${line}\n`), report.slice(report.indexOf('### envelope a1')));
  });
});

describe('approach 1: the plot', () => {
  it('draws every run’s curve with the envelope over it, and the frontier through its interior points', async () => {
    const { runFit } = await import('../../../server/src/fitRunner');
    const { plotModel } = await import('../../../server/src/present/plotModel');
    const { availableViews, isPlotModel } = await import('../../../protocol/plot');
    const { loader } = memoryLoader({ '/w/curves.csv': curvesCsv(9, 1e7, 1e10, 200) });
    const analysis = await analyze(STUDY, { loader, baseDir: '/w' });
    const { results } = await runFit(analysis, '/w/study.scaling');
    const model = plotModel(analysis, results);
    assert.ok(isPlotModel(JSON.parse(JSON.stringify(model))));
    assert.ok(availableViews(model).includes('envelope') && availableViews(model).includes('frontier'));
    const [env] = model.envelopes!;
    assert.equal(env.curves.length, 9);
    // 200 logged points thinned to at most 60 (plus the last), each curve from its first to its last point.
    assert.ok(env.curves.every((c) => c.x.length <= 61 && c.x.length >= 50));
    assert.equal(env.points.x.length, results.envelopes![0].points.length);
    const frontier = model.isoflops.find((i) => i.name === 'a1')!;
    assert.deepEqual(frontier.budgets, []);
    assert.deepEqual(
      frontier.frontier.map((f) => f.variable),
      ['N', 'D'],
    );
    assert.equal(frontier.frontier[0].minima.x.length, results.envelopes![0].points.filter((p) => !p.edge).length);
  });
});
