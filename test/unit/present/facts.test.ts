// The presentation facts (server/src/present/facts.ts) and the displays built from them: bugs a new
// user found by reading the CLI table, the hover and the JSON side by side.
import assert from 'node:assert/strict';
import { catalogue } from '../../../server/src/core/laws';
import type { LawResult, StudyResults } from '../../../server/src/core/results';
import { analyze } from '../../../server/src/core/study';
import { runFit } from '../../../server/src/fitRunner';
import { allocationRatio, lawSummary } from '../../../server/src/present/facts';
import { formatResultsTable, tableContext } from '../../../server/src/present/resultsTable';
import { memoryLoader } from '../hosts';

async function study(text: string) {
  const { loader } = memoryLoader();
  return analyze(text, { baseDir: '/mem', loader, catalogue });
}

function failedLaw(): LawResult {
  return {
    name: 'broken',
    formula: 'L = E + A / N^alpha',
    params: {},
    intervals: null,
    objective: { kind: 'squares', delta: null, space: 'log', value: null },
    points: { fit: 0, holdout: 0, dropped: 3 },
    holdout: null,
    starts: { declared: 0, screened: 0, optimized: 0, agreed: 0, search: 'screened' },
    converged: false,
    stop_reason: 'no-finite-start',
    seed: null,
    seconds: 0.01,
  };
}

describe('presentation facts', () => {
  it('a failed fit reads "—" in the table, also after a trip through JSON (was "= NaN", and a throw)', () => {
    const results: StudyResults = {
      study: 's',
      laws: [failedLaw()],
      isoflops: [],
      predictions: [
        { law: 'broken', at: { N: 1e9 }, value: null, interval: null, observation_interval: null, level: null },
      ],
      optima: [],
      diagnostics: [],
    };
    for (const r of [results, JSON.parse(JSON.stringify(results)) as StudyResults]) {
      const table = formatResultsTable(r, 'f.scaling');
      assert.match(table, /objective squares on log = —$/m);
      assert.doesNotMatch(table, /NaN|null/);
      assert.match(table, /predict broken at N = 1B: no value/);
    }
  });

  it('starts say declared and optimized, and the extra seeds (was "8 optimized of 7")', () => {
    const law = {
      ...failedLaw(),
      starts: { declared: 7, screened: 8, optimized: 8, agreed: 3, search: 'screened' as const, seeds: 1 },
    };
    assert.equal(
      lawSummary(law).starts,
      '7 declared, 8 optimized (1 of them extra seeds from the linear parameters), 8 screened, 3 agreed on the best',
    );
    assert.doesNotMatch(formatResultsTable({ ...emptyResults(), laws: [law] }, 'f'), /optimized of/);
  });

  it("the allocation ratio comes from the study's compute line, whatever its variables are called", async () => {
    const a = await study('compute C = 6 * P * T\n');
    const o = { law: 'x', budget: { C: 1e21 }, at: { P: 1e9, T: 2e10 }, value: 2, intervals: {} };
    assert.deepEqual(allocationRatio(a.model.computes, o), { label: 'T*/P*', value: '20' });
    const table = formatResultsTable({ ...emptyResults(), optima: [o] }, 'f', tableContext(a.model));
    assert.match(table, /T\*\/P\* = 20,/);
    // Without a compute line for the budget there is no ratio to show (it was D/N by name only).
    assert.equal(allocationRatio([], o), null);
  });

  it('one positivity rule: a + b*x^2 keeps the rows with x < 0 (the fit used to drop them)', async () => {
    const rows = [-3, -2, -1, 0.5, 1, 2, 3, 4].map((x) => `  ${x}  ${1 + 0.5 * x * x}`).join('\n');
    const a = await study(
      `runs r {\n  x  y\n${rows}\n}\nlaw q: y = a + b * x^2 {\n  fit r\n  param a in (-10, 10) init 0.5\n  param b in (-10, 10) init 1\n}\n`,
    );
    assert.deepEqual(
      a.diagnostics.filter((d) => d.severity === 'error').map((d) => d.code),
      [],
    );
    const { results, diagnostics } = await runFit(a, '/mem/s.scaling');
    const law = results.laws[0];
    assert.equal(law.points.dropped, 0, JSON.stringify(diagnostics.map((d) => d.message)));
    assert.equal(law.points.fit, 8);
    // And a fitted power still needs positive x: the validator and the fit agree on it.
    const b = await study(
      `runs r {\n  x  y\n${rows}\n}\nlaw p: y = a * x^k {\n  fit r\n  param a in (0, 10) init 1\n  param k in (0, 3) init 1\n}\n`,
    );
    assert.ok(b.diagnostics.some((d) => d.code === 'scaling.nonpositive-log'));
  });
});

function emptyResults(): StudyResults {
  return { study: 's', laws: [], isoflops: [], predictions: [], optima: [], diagnostics: [] };
}
