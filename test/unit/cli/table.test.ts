// The readable table of `fit`: a question with no answer says so instead of printing ': , loss* = —'.
import assert from 'node:assert/strict';
import type { StudyResults } from '../../../server/src/core/results';
import { formatResultsTable } from '../../../server/src/present/resultsTable';

describe('fit table', () => {
  it('prints a failed optimum as "no optimum", not an empty allocation', () => {
    const results: StudyResults = {
      study: 's',
      laws: [],
      isoflops: [],
      predictions: [],
      optima: [{ law: 'c', budget: { C2: 1000 }, at: {}, value: null as unknown as number, intervals: {} }],
      diagnostics: [],
    };
    const line = formatResultsTable(results, 'f.scaling')
      .split('\n')
      .find((l) => l.startsWith('optimize'));
    assert.equal(line, 'optimize c for C2 = 1000: no optimum (see the warning below)');
  });
});
