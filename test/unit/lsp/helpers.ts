// Shared helpers of the LSP handler tests: fixtures with a `|` cursor marker, analyses of them, and
// deterministic stand-in fit results (the handlers only read StudyResults, whatever computed them).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { catalogue } from '../../../server/src/core/laws';
import type { StudyResults } from '../../../server/src/core/results';
import { analyze, type Analysis } from '../../../server/src/core/study';
import { setLog } from '../../../server/src/lsp/safe';
import { diskLoader } from '../hosts';

/** Handler logs are noise in test output; tests that care read them through setLog themselves. */
setLog(() => {});

export const FIXTURES = path.resolve(__dirname, '../../fixtures');
export const STUDY_PATH = path.join(FIXTURES, 'chinchilla.scaling');
export const STUDY_TEXT = fs.readFileSync(STUDY_PATH, 'utf8');
export const STUDY_URI = 'file://' + STUDY_PATH;

/** The loader every analyzeText shares (its cache holds the fixtures' files once read). */
export const TEST_LOADER = diskLoader();

export function analyzeText(
  text: string,
  severities: Record<string, 'error' | 'warning' | 'info' | 'hint' | 'off'> = {},
): Promise<Analysis> {
  return analyze(text, { studyPath: STUDY_PATH, loader: TEST_LOADER, catalogue, severities });
}

/** Text with one `|` marking the cursor → the text without it and the cursor offset. */
export function cursor(marked: string): { text: string; offset: number } {
  const offset = marked.indexOf('|');
  if (offset < 0) throw new Error('no | cursor marker');
  return { text: marked.slice(0, offset) + marked.slice(offset + 1), offset };
}

/** The study with `needle` replaced by itself with a `|` inserted at `at` characters into it. */
export function at(needle: string, into = 0, text = STUDY_TEXT): { text: string; offset: number } {
  const i = text.indexOf(needle);
  if (i < 0) throw new Error(`'${needle}' not in the text`);
  return { text, offset: i + into };
}

/** Results shaped like `fit --json`'s, with distinct numbers per law, for every law, prediction and optimum. */
export function fakeResults(a: Analysis): StudyResults {
  return {
    study: a.model.title ?? null,
    laws: a.model.laws.map((law, k) => {
      const params: Record<string, number> = {};
      const intervals: Record<string, [number, number]> = {};
      law.params.forEach((p, i) => {
        params[p.name] = 0.25 + i + k * 10 + 0.123456;
        intervals[p.name] = [params[p.name] * 0.9, params[p.name] * 1.1];
      });
      const observed = law.data.numeric.get(law.target)!;
      return {
        name: law.name,
        formula: `${law.target} = ${law.formulaText}`,
        params,
        intervals,
        objective: { kind: 'huber', delta: 0.001, space: 'log', value: 0.0123456789 },
        points: { fit: law.data.rowCount - 2, holdout: 2, dropped: 0 },
        holdout: { mape: 0.01234, rmse_log: 0.0456 },
        starts: { declared: 4500, screened: 4504, optimized: 12, agreed: 9, search: 'screened' },
        converged: true,
        stop_reason: 'gradient <tol>',
        seed: 7,
        seconds: 0.321,
        residuals: Array.from(observed, (o, i) => ({ observed: o, fitted: o * 0.99, heldOut: !!law.heldOut[i] })),
        level: 0.9,
      };
    }),
    isoflops: [],
    predictions: a.model.predictions.map((p, i) => ({
      law: p.law,
      at: { ...p.at },
      value: 1.9412 + i,
      interval: [1.9201 + i, 1.9733 + i] as [number, number],
      observation_interval: [1.9001 + i, 1.9933 + i] as [number, number],
      level: 0.9,
    })),
    optima: a.model.optima.map((o) => ({
      law: o.law,
      budget: { ...o.budget },
      at: { N: 6.7e10, D: 1.43e12 },
      value: 1.9367,
      intervals: { N: [6e10, 7.5e10] as [number, number], D: [1.3e12, 1.6e12] as [number, number] },
    })),
    diagnostics: [],
  };
}

/**
 * The parameter table rows hover and report show for fakeResults' chinchilla law: parameter i is
 * 0.373456 + i with interval ×0.9 and ×1.1, to 5 significant digits. Worked out by hand, not
 * with the code's formatter, so a formatting change fails the tests that use them.
 */
export const CHINCHILLA_ROWS = [
  '| E | 0.3735 | [0.3361, 0.4108] | (0, 10) |',
  '| A | 1.373 | [1.236, 1.511] | (0, inf) |',
  '| alpha | 2.373 | [2.136, 2.611] | [0, 3] |',
  '| B | 3.373 | [3.036, 3.711] | (0, inf) |',
  '| beta | 4.373 | [3.936, 4.811] | [0, 3] |',
];
