// `compare`'s bad input (issue 11.1): each a diagnostic at the statement or the word in it, and no
// comparison bound.
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
law full: L = E + A / N^a + B / D^b { fit sweep }
law no_floor: L = A / N^a + B / D^b { fit sweep }
`;
const last = 8; // the line of the compare statement in each study below

function only(a: Analysis, code: string): { line: number; column: number; message: string } {
  const errors = a.diagnostics.filter((d) => d.severity === 'error');
  assert.equal(errors.length, 1, JSON.stringify(errors.map((d) => d.message)));
  assert.equal(errors[0].code, code);
  assert.equal(a.model.comparisons!.length, 0);
  const j = toJsonDiagnostic(errors[0], a.lines);
  return { line: j.line, column: j.column, message: j.message };
}

describe('compare: binding', () => {
  it('binds the laws, the folds and the seed; cv by a column; a name', async () => {
    const a = await study(
      `${data}compare full, no_floor\ncompare floors: full, no_floor cv 5 seed 2\ncompare full, no_floor cv by N\n`,
    );
    assert.deepEqual(
      a.diagnostics.filter((d) => d.severity === 'error'),
      [],
    );
    assert.deepEqual(
      a.model.comparisons!.map((c) => [c.name, c.laws, c.cv]),
      [
        [undefined, ['full', 'no_floor'], undefined],
        ['floors', ['full', 'no_floor'], { folds: 5, seed: 2 }],
        [undefined, ['full', 'no_floor'], { by: 'N' }],
      ],
    );
  });

  it('laws with different targets: an error at the second law', async () => {
    const a = await study(`${data.replace('law no_floor: L = A', 'law no_floor: D = A')}compare full, no_floor\n`);
    const d = only(a, 'scaling.incomparable-laws');
    assert.deepEqual([d.line, d.column], [last, 15]);
    assert.match(d.message, /different targets \(D and L\)/);
  });

  it('laws over different data or a different hold-out: an error', async () => {
    const other = `${data}runs pilot {\n  N D L\n  1e8 1e9 3.1\n  2e8 2e9 2.9\n}\nlaw small: L = E + A / N^a + B / D^b { fit pilot }\ncompare full, small\n`;
    assert.match(only(await study(other), 'scaling.incomparable-laws').message, /different data \(2 and 56 rows/);
    const held = data.replace(
      'law no_floor: L = A / N^a + B / D^b { fit sweep }',
      'law no_floor: L = A / N^a + B / D^b {\n  fit sweep\n  holdout N > 1e9\n}',
    );
    assert.match(
      only(await study(`${held}compare full, no_floor\n`), 'scaling.incomparable-laws').message,
      /hold out different rows/,
    );
  });

  it('one law, a law twice, an unknown law: errors', async () => {
    assert.match(only(await study(`${data}compare full\n`), 'scaling.bad-question').message, /two laws or more/);
    const twice = only(await study(`${data}compare full, full\n`), 'scaling.bad-question');
    assert.deepEqual([twice.line, twice.column], [last, 15]);
    assert.match(
      only(await study(`${data}compare full, no_flor\n`), 'scaling.unknown-name').message,
      /did you mean 'no_floor'/,
    );
  });

  it('bad folds, a bad seed, a missing cv column: errors at the value', async () => {
    const one = only(await study(`${data}compare full, no_floor cv 1\n`), 'scaling.bad-value');
    assert.deepEqual([one.line, one.column], [last, 27]);
    assert.match(one.message, /from 2 to 56 \(the laws fit 56 rows\)/);
    assert.match(
      only(await study(`${data}compare full, no_floor cv 2.5\n`), 'scaling.bad-value').message,
      /whole number/,
    );
    assert.match(
      only(await study(`${data}compare full, no_floor cv 5 seed -1\n`), 'scaling.bad-value').message,
      /seed/,
    );
    assert.match(
      only(await study(`${data}compare full, no_floor cv by size\n`), 'scaling.unknown-column').message,
      /no column 'size'/,
    );
  });
});
