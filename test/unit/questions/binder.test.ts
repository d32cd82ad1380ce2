// Issue 11's bad input for the new questions: each a diagnostic at the statement (or the word in it).
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { catalogue } from '../../../server/src/core/laws';
import { analyze, toJsonDiagnostic, type Analysis } from '../../../server/src/core/study';
import { diskLoader } from '../hosts';

const fixtures = path.resolve(__dirname, '../../fixtures');

function study(text: string): Promise<Analysis> {
  return analyze(text, { loader: diskLoader(), studyPath: path.join(fixtures, 'inline.scaling'), catalogue });
}

function at(a: Analysis, code: string): { line: number; column: number; message: string } {
  const d = a.diagnostics.find((x) => x.code === code);
  assert.ok(d, `expected a ${code} diagnostic, got ${JSON.stringify(a.diagnostics.map((x) => x.message))}`);
  const j = toJsonDiagnostic(d, a.lines);
  return { line: j.line, column: j.column, message: j.message };
}

const data = `dataset sweep = csv("runs/sweep.csv") {
  N: params
  D: tokens
  L: loss
}
law l: L = E + A / N^a + B / D^b { fit sweep }
`;
const compute = 'compute C = 6 * N * D\n';

describe('questions: binding optimize targets and inference', () => {
  it('binds a target and inference into the budget as given', async () => {
    const a = await study(`${compute}${data}optimize l for L = 2.0, inference = 2T\n`);
    assert.deepEqual(
      a.diagnostics.filter((d) => d.severity === 'error'),
      [],
    );
    assert.deepEqual(a.model.optima[0].budget, { L: 2, inference: 2e12 });
  });

  it('inference without a compute line is an error at `inference`', async () => {
    const a = await study(`${data}optimize l for L = 2.0, inference = 2T\n`);
    const d = at(a, 'scaling.no-compute');
    assert.equal(d.line, 7);
    assert.equal(d.column, 25);
    assert.match(d.message, /inference needs a `compute` line/);
    assert.equal(a.model.optima.length, 0);
  });

  it('a target and a budget together, two budgets, no budget, a non-positive target: errors', async () => {
    const both = await study(`${compute}${data}optimize l for L = 2.0, C = 1e24\n`);
    assert.match(at(both, 'scaling.bad-question').message, /either a target/);
    const none = await study(`${compute}${data}optimize l for inference = 1T\n`);
    assert.match(at(none, 'scaling.bad-question').message, /needs a target \(L = …\) or a compute budget/);
    const negative = await study(`${compute}${data}optimize l for L = -1\n`);
    assert.match(at(negative, 'scaling.bad-value').message, /target L must be a positive number/);
    const badInference = await study(`${compute}${data}optimize l for L = 2, inference = -1\n`);
    assert.match(at(badInference, 'scaling.bad-value').message, /inference tokens/);
    for (const a of [both, none, negative, badInference]) assert.equal(a.model.optima.length, 0);
  });

  it('binds a frontier (13 points by default) and reports bad ranges at the range', async () => {
    const ok = await study(
      `${compute}${data}frontier l over C = 1e20..1e26\nfrontier l over C = 1e20..1e22 points 5\n`,
    );
    assert.deepEqual(
      ok.model.frontiers.map((f) => [f.variable, f.from, f.to, f.points]),
      [
        ['C', 1e20, 1e26, 13],
        ['C', 1e20, 1e22, 5],
      ],
    );
    const reversed = await study(`${compute}${data}frontier l over C = 1e26..1e20\n`);
    const r = at(reversed, 'scaling.bad-range');
    assert.match(r.message, /reversed/);
    assert.deepEqual([r.line, r.column], [8, 21]);
    const negative = await study(`${compute}${data}frontier l over C = -1..1e20\n`);
    assert.match(at(negative, 'scaling.bad-range').message, /positive/);
    const points = await study(`${compute}${data}frontier l over C = 1e20..1e22 points 1\n`);
    assert.match(at(points, 'scaling.bad-value').message, /points must be a whole number from 2/);
    const noCompute = await study(`${data}frontier l over C = 1e20..1e22\n`);
    at(noCompute, 'scaling.no-compute');
    const syntax = await study(`${compute}${data}frontier l over C = 1e20\n`);
    assert.ok(syntax.diagnostics.some((d) => d.severity === 'error' && /'\.\.'/.test(d.message)));
    for (const a of [reversed, negative, points, noCompute, syntax]) assert.equal(a.model.frontiers.length, 0);
  });

  it('an isoflop answers for its budget variable only', async () => {
    const iso = `isoflop a2 {\n  fit sweep\n  budget C\n}\n`;
    const ok = await study(`${compute}${data}${iso}optimize a2 for C = 1e22\nfrontier a2 over C = 1e20..1e22\n`);
    assert.deepEqual(ok.model.optima[0].budget, { C: 1e22 });
    assert.equal(ok.model.frontiers[0].law, 'a2');
    const wrong = await study(`${compute}${data}${iso}optimize a2 for N = 1e9\n`);
    assert.match(at(wrong, 'scaling.bad-question').message, /answers for its budget variable C, not N/);
    assert.equal(wrong.model.optima.length, 0);
  });
});
