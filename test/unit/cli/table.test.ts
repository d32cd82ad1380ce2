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

  it('prints a frontier as an aligned table, an interval beside each value, and inference beside training-only', () => {
    const point = (C: number, N: number, D: number, L: number) => ({
      budget: { C },
      at: { N, D },
      value: L,
      intervals: { N: [N * 0.9, N * 1.1] as [number, number] },
    });
    const results: StudyResults = {
      study: 's',
      laws: [],
      isoflops: [],
      predictions: [],
      optima: [
        {
          law: 'c',
          budget: { L: 2, inference: 2e12 },
          at: { N: 3e10, D: 1.5e12, C: 2.7e23 },
          value: 2,
          intervals: {},
          total_compute: 3.9e23,
          training_only: { at: { N: 6e10, D: 1e12, C: 3.6e23 }, value: 2 },
        },
      ],
      frontiers: [{ law: 'c', variable: 'C', points: [point(1e20, 1e8, 2e9, 3.1), point(1e26, 1e11, 2e12, 2.01)] }],
      diagnostics: [],
    };
    const lines = formatResultsTable(results, 'f.scaling').split('\n');
    const i = lines.indexOf('frontier c over C (2 points):');
    assert.ok(i > 0, lines.join('\n'));
    // Budgets as the study writes them (formatSize), fitted values in 4 significant digits
    // (formatValue); without the study's compute lines the ratio column is D*/N* of N and D.
    assert.deepEqual(lines.slice(i + 1, i + 4), [
      '  C          N*                                D*         D*/N*  L*',
      '  1.000e+20  1.000e+8 [9.000e+7, 1.100e+8]     2.000e+9   20     3.1',
      '  1.000e+26  1.000e+11 [9.000e+10, 1.100e+11]  2.000e+12  20     2.01',
    ]);
    const opt = lines.findIndex((l) => l.startsWith('optimize c for L = 2'));
    assert.equal(lines[opt + 1], '   training only: N* = 6.000e+10, D* = 1.000e+12 (inference moves N* ×0.5, D* ×1.5)');
  });
});
