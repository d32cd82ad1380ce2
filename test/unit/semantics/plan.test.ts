// `plan LAW at … budget B` and `plan LAW for C = … budget B` (issue 12.4): parsed, bound, and every
// bad input a diagnostic at its place.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { catalogue } from '../../../server/src/core/laws';
import { analyze, toJsonDiagnostic, type Analysis } from '../../../server/src/core/study';
import { diskLoader } from '../hosts';

const fixtures = path.resolve(__dirname, '../../fixtures');

function study(text: string): Promise<Analysis> {
  return analyze(text, { loader: diskLoader(), studyPath: path.join(fixtures, 'inline.scaling'), catalogue });
}

const data = `dataset sweep = csv("runs/sweep.csv") {
  N: params
  D: tokens
  L: loss
}
law chin: chinchilla(N, D) { fit sweep }
`;
const header = `compute C = 6 * N * D\n${data}`;

function only(a: Analysis, code: string) {
  const found = a.diagnostics.filter((d) => d.code === code);
  assert.equal(found.length, 1, `expected one ${code}, got ${JSON.stringify(a.diagnostics.map((d) => d.message))}`);
  const j = toJsonDiagnostic(found[0], a.lines);
  return { ...j, text: a.text.slice(found[0].range.start, found[0].range.end) };
}

describe('plan statement', () => {
  it('binds a prediction target (computes filled in) and an optimum target, with the pricing compute', async () => {
    const a = await study(
      `${header}plan chin at N = 70B, D = 1.4T budget 3e21\nplan chin for C = 5.76e23 budget 3e21\n`,
    );
    assert.deepEqual(
      a.diagnostics.filter((d) => d.severity === 'error'),
      [],
    );
    const [p, o] = a.model.plans!;
    assert.deepEqual(p.target, { kind: 'predict', at: { N: 7e10, D: 1.4e12, C: 6 * 7e10 * 1.4e12 } });
    assert.equal(p.budget, 3e21);
    assert.equal(p.cost, 'C');
    assert.deepEqual(o.target, { kind: 'optimum', budget: { C: 5.76e23 } });
    assert.equal(o.law, 'chin');
  });

  it('without a compute line: scaling.no-compute on the line, with the quick fix’s variable', async () => {
    const a = await study(`${data}plan chin at N = 70B, D = 1.4T budget 3e21\n`);
    const d = a.diagnostics.find((x) => x.code === 'scaling.no-compute');
    assert.ok(d, JSON.stringify(a.diagnostics.map((x) => x.message)));
    assert.deepEqual(d.data, { variable: 'C' });
    assert.match(a.text.slice(d.range.start, d.range.end), /^plan chin at/);
    assert.equal(a.model.plans!.length, 0);
  });

  it('`for` a variable that is not a compute: scaling.no-compute at the variable', async () => {
    const a = await study(`${header}plan chin for Q = 1e23 budget 3e21\n`);
    const d = only(a, 'scaling.no-compute');
    assert.equal(d.text, 'Q');
  });

  it('a budget that is not positive is scaling.bad-value at the budget', async () => {
    for (const bad of ['0', '-1e21', '1e999']) {
      const a = await study(`${header}plan chin at N = 70B, D = 1.4T budget ${bad}\n`);
      const d = only(a, 'scaling.bad-value');
      assert.equal(d.text, bad);
      assert.equal(a.model.plans!.length, 0);
    }
  });

  it('an unknown law gets did-you-mean; an unknown variable too; a missing one is named', async () => {
    const unknown = await study(`${header}plan chim at N = 70B, D = 1.4T budget 3e21\n`);
    assert.match(only(unknown, 'scaling.unknown-name').message, /did you mean 'chin'/);
    const variable = await study(`${header}plan chin at N = 70B, DD = 1.4T budget 3e21\n`);
    assert.match(only(variable, 'scaling.unused-variable').message, /did you mean 'D'/);
    assert.match(only(variable, 'scaling.missing-variable').message, /plan needs D/);
  });

  it('a missing budget or question is a syntax error that names what is expected', async () => {
    const noBudget = await study(`${header}plan chin at N = 70B, D = 1.4T\n`);
    assert.ok(
      noBudget.diagnostics.some((d) => /'budget'/.test(d.message)),
      JSON.stringify(noBudget.diagnostics),
    );
    const noQuestion = await study(`${header}plan chin N = 70B budget 1e21\n`);
    assert.ok(
      noQuestion.diagnostics.some((d) => /'at'.*'for'/.test(d.message)),
      JSON.stringify(noQuestion.diagnostics),
    );
  });
});
