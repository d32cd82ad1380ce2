import assert from 'node:assert/strict';
import { isDeepStrictEqual } from 'node:util';
import { parse } from '../../../server/src/core/syntax/parser';
import { EXAMPLE, lineCol, rangeProblems, stripRanges } from './helpers';

// Each case is a copy of the sketch's example with one typo: [original text, typo, where the one
// diagnostic starts (line:column, 1-based), a fragment of its message].
const CASES: [string, string, string, string][] = [
  [
    'study "Chinchilla approach 3"',
    'study Chinchilla approach 3"',
    '2:7',
    'expected a title in quotes, e.g. study "Chinchilla approach ',
  ],
  ['study "Chinchilla approach 3"', 'study "Chinchilla approach 3', '2:7', 'unterminated string: add the closing "'],
  ['study "Chinchilla', 'stdy "Chinchilla', '2:1', "unknown statement 'stdy' (did you mean 'study'?): a line sta"],
  ['compute C = 6', 'compute C 6', '5:11', "expected '=', found the number '6'"],
  ['compute C = 6 * N * D', 'compute C = 6 * N * ', '5:20', "expected a value after '*', found the end of the line"],
  ['compute C = 6 * N', 'compute C = 6 ** N', '5:16', "expected a value, a name or '(', found '*'"],
  [
    'dataset sweep = csv(',
    'dataset sweep = cvs(',
    '8:17',
    'expected csv("…"), tsv("…"), jsonl("…") or parquet("…"), found \'cvs\'',
  ],
  ['csv("runs/sweep.csv")', 'csv("runs/sweep.csv"', '8:38', "expected ')', found '{'"],
  [
    'csv("runs/sweep.csv") {',
    'csv("runs/sweep.csv")',
    '8:38',
    "missing '{' at the end of this line to open the block of dat",
  ],
  ['  N: params ', '  N params ', '9:5', "expected ':' (as in `N: params`), found 'params'"],
  ['  D: tokens ', '  D: ', '10:5', 'expected a column name (or "a quoted name"), found the end o'],
  ['where loss < 10', 'where loss < ', '12:15', "expected a value after '<', found the end of the line"],
  ['where loss < 10', 'wher loss < 10', '12:8', "expected ':' (as in `N: params`), found 'loss'"],
  [
    '  44M    8.8B    3.21',
    '  44M    8.8Bx   3.21',
    '19:10',
    "'8.8Bx' is not a number: a number may end in one SI suffix K",
  ],
  ['  44M    8.8B    3.21', '  44M    8.8B    3.21  7', '19:3', 'this row has 4 values but the header names 3 columns'],
  ['  44M    8.8B    3.21', '  44M    8.8B    3..21', '19:19', "unexpected '..' in a row of values"],
  ['runs pilot {', 'runs pilot', '17:11', "expected '{' and a table of runs, found the end of the line"],
  [
    '  90M    1.8B    3.04    # comments with // or #\n}',
    '  90M    1.8B    3.04    # comments with // or #\n',
    '17:12',
    "missing '}' to close the runs table 'pilot'",
  ],
  ['law chinchilla: L', 'law chinchilla L', '24:16', "expected ':' and the law (`law NAME: L = FORMULA` or `law NA"],
  ['E + A / N^alpha', 'E + A / N^^alpha', '24:31', "expected a value, a name or '(', found '^'"],
  ['E + A / N^alpha', 'E + A / (N^alpha', '24:51', "expected ')', found '{'"],
  ['D^beta {', 'D^beta', '24:49', "missing '{' at the end of this line to open the block of law"],
  ['fit sweep, pilot', 'fit sweep pilot', '25:13', "unexpected 'pilot': expected the end of the line"],
  ['fit sweep, pilot', 'fit sweep,', '25:13', 'expected a dataset or runs table, found the end of the line'],
  ['holdout N >= 5B', 'holdout N => 5B', '26:13', "'=>' is not an operator: write '>='"],
  ['holdout N >= 5B', 'holdot N >= 5B', '26:3', "unknown law setting 'holdot' (did you mean 'holdout'?): expe"],
  ['objective huber(1e-3) on log', 'objective huber(1e-3 on log', '27:24', "expected ')', found 'on'"],
  [
    'objective huber(1e-3) on log',
    'objective hubr(1e-3) on log',
    '27:13',
    "expected squares or huber(delta), found 'hubr'",
  ],
  [
    'objective huber(1e-3) on log',
    'objective huber(1e-3) on lg',
    '27:28',
    "expected 'log' (objectives are on log or, without `on`, on t",
  ],
  [
    'param E     in (0, 10)',
    'param E     in (0 10)',
    '28:21',
    "expected ',' between the lower and upper bound, found the nu",
  ],
  ['param E     in (0, 10)', 'param E     in (0, 10', '28:27', "expected ')' or ']' to close the bounds, found 'init'"],
  [
    'param A     in (0, inf)  init grid 0..25',
    'param A     in (0, inf)  init grid 0.25',
    '29:43',
    "expected '..' as in `init grid 0..2 by 0.5`, found 'by'",
  ],
  [
    'param B     in (0, inf)  init grid 0..25 by 5',
    'param B     in (0, inf)  init grid 0..25 5',
    '30:44',
    "expected 'by' and the grid step, found the number '5'",
  ],
  [
    'param alpha in [0, 3]',
    'param alpha [0, 3]',
    '31:15',
    "expected 'in (low, high)', 'init …' or '= value' after the p",
  ],
  [
    'param alpha in [0, 3]',
    'parm alpha in [0, 3]',
    '31:3',
    "unknown law setting 'parm' (did you mean 'param'?): expected",
  ],
  ['param beta  in [0, 3]', 'param beta  in [0, 3}', '32:23', "expected ')' or ']' to close the bounds, found '}'"],
  [
    'uncertainty bootstrap 1000',
    'uncertainty bootstrap',
    '33:25',
    'expected the number of bootstrap resamples, e.g. bootstrap 1',
  ],
  ['uncertainty bootstrap 1000 seed 7', 'uncertainty bootstrap 1000 seed', '33:35', "expected a seed, found 'level'"],
  ['level 0.9   //', 'level 0.9 extra  //', '33:47', "unexpected 'extra': expected the end of the line"],
  [
    'level 0.9   // or: none, asymptotic; `by COLUMN` resamples whole runs\n}',
    'level 0.9   // or: none, asymptotic; `by COLUMN` resamples whole runs\n',
    '24:50',
    "missing '}' to close this block",
  ],
  [
    'law kaplan: kaplan_n(N) { fit sweep }',
    'law kaplan: kaplan_n(N) { fit sweep',
    '40:25',
    "missing '}' to close this block",
  ],
  ['law kaplan: kaplan_n(N)', 'law kaplan: kaplan_n(N', '40:24', "expected ')' to close kaplan_n(…), found '{'"],
  [
    'law kaplan: kaplan_n(N)',
    'law kaplan: kaplan_n',
    '40:13',
    'or a catalogue law with its variables, as in kaplan_n(N)',
  ],
  ['isoflop approach2 {', 'isoflop approach2', '44:18', "expected '{' and the isoflop settings (fit, budget)"],
  ['  budget C\n', '  budgte C\n', '46:3', "unknown isoflop setting 'budgte' (did you mean 'budget'?): e"],
  ['  budget C\n}', '  budget C\n', '44:19', "missing '}' to close this block"],
  [
    'predict chinchilla at N',
    'predict chinchilla N',
    '49:20',
    "expected 'at' and the point, e.g. predict chinchilla at N = ",
  ],
  ['N = 70B, D', 'N = 70B D', '49:31', "unexpected 'D': expected the end of the line"],
  ['N = 70B, D', 'N = 70B,, D', '49:31', "expected a variable, as in N = 70B, found ','"],
  ['D = 1.4T', 'D = 1.4Tx', '49:36', "'1.4Tx' is not a number: a number may end in one SI suffix K"],
  [
    'optimize chinchilla for C',
    'optimize chinchilla C',
    '50:21',
    "expected 'for' and the budget, e.g. optimize chinchilla for ",
  ],
  [
    'optimize chinchilla for',
    'optimise chinchilla for',
    '50:1',
    "unknown statement 'optimise' (did you mean 'optimize'?): a l",
  ],
  [
    'plot chinchilla: L vs C',
    'plot chinchilla: L C',
    '51:20',
    "expected 'vs' as in `plot chinchilla: L vs C`, found 'C'",
  ],
  [
    'plot chinchilla: L vs C by N',
    'plot chinchilla: L vs C by',
    '51:27',
    'expected the variable that groups curves, found the end of t',
  ],
  ['compute C = 6 * N * D', 'compute C = 6 * N * D)', '5:22', "unexpected ')': expected the end of the line"],
  ['compute C = 6 * N * D', 'compute C = (6 * N * D', '5:23', "expected ')', found the end of the line"],
  ['compute C = 6 * N * D', 'compute C = 6 * N @ D', '5:19', "unexpected character '@'"],
  ['law chinchilla: L = E', 'law chinchilla: L = = E', '24:21', "expected a value, a name or '(', found '='"],
  ['}\n// `init grid', '}}\n// `init grid', '34:2', "unmatched '}'"],
  // A line break inside an item, a stray brace, a header short of a column, a string broken
  // over two lines, unclosed parentheses: still one diagnostic each.
  [
    '  param E     in',
    '  pa\nram E     in',
    '28:3',
    "unknown law setting 'pa' (did you mean 'per'?): expected fit, holdout, objective, ",
  ],
  [
    '  param A     in (0, inf)  init',
    '  param A     in (0, inf) { init',
    '29:27',
    "unexpected '{': expected the end of the line",
  ],
  ['compute C = 6 * N * D', 'compute C = 6 * { N * D', '5:17', "expected a value, a name or '(', found '{'"],
  ['  N      D       L\n', '  N      D\n', '18:3', 'the header names 2 columns but every row has 3 values'],
  ['study "Chinchilla approach 3"', 'study "Chinchilla\napproach 3"', '2:7', 'unterminated string: add the closing "'],
  ['param A     in (0, inf)', 'param A     in (0, "inf)', '29:22', 'unterminated string: add the closing "'],
  ['param alpha in [0, 3]', 'param alpha in [0, 3', '31:27', "expected ')' or ']' to close the bounds, found 'init'"],
  ['holdout N >= 5B', 'holdout N >= (5B', '26:19', "expected ')', found the end of the line"],
  ['fit sweep, pilot', 'fit sweep, pilot {', '25:20', "unexpected '{': expected the end of the line"],
  [
    '  90M    1.8B    3.04',
    '  90M    1.8B    3.04  12',
    '20:3',
    'this row has 4 values but the header names 3 columns',
  ],
];

/** 1-based line of an offset. */
function lineOf(text: string, offset: number): number {
  return Number(lineCol(text, offset).split(':')[0]);
}

describe('syntax: error recovery (one typo, one diagnostic)', () => {
  const original = parse(EXAMPLE).file.statements;

  it(`has at least 25 cases (${CASES.length})`, () => {
    assert.ok(CASES.length >= 25);
  });

  for (const [from, to, where, fragment] of CASES) {
    it(`${JSON.stringify(from)} → ${JSON.stringify(to)}: ${where} ${fragment}`, () => {
      const at = EXAMPLE.indexOf(from);
      assert.ok(at >= 0, 'the case must match the example');
      const text = EXAMPLE.slice(0, at) + to + EXAMPLE.slice(at + from.length);
      const result = parse(text);
      assert.deepEqual(rangeProblems(text, result), []);
      assert.deepEqual(
        result.diagnostics.map((d) => `${lineCol(text, d.range.start)} ${d.message}`),
        [`${where} ${result.diagnostics[0]?.message}`],
      );
      assert.ok(
        result.diagnostics[0].message.includes(fragment),
        `message ${JSON.stringify(result.diagnostics[0].message)} lacks ${JSON.stringify(fragment)}`,
      );
      // Every statement that does not contain the typo still parses exactly as before.
      let first = 0;
      while (first < from.length && from[first] === to[first]) first++;
      const typoLine = lineOf(EXAMPLE, at + first);
      const got = result.file.statements.map((s) => stripRanges(s));
      for (const s of original) {
        if (lineOf(EXAMPLE, s.range.start) <= typoLine && typoLine <= lineOf(EXAMPLE, s.range.end)) continue;
        assert.ok(
          got.some((g) => isDeepStrictEqual(g, stripRanges(s))),
          `the ${s.kind} statement at line ${lineOf(EXAMPLE, s.range.start)} is intact`,
        );
      }
    });
  }
});

describe('syntax: error messages on other inputs', () => {
  const cases: [string, string, string][] = [
    // [text, line:column, message]
    [
      'compute C = 6 * N\n  * D\n',
      '2:3',
      "a line can't start with '*': to continue a formula, end the previous line with the operator",
    ],
    [
      'law l: L = a {\n  holdout N > 1\n    and D > 2\n  fit s\n}\n',
      '3:5',
      "a line can't start with 'and': to continue a formula, end the previous line with the operator",
    ],
    ['study "a" "b"\n', '1:11', 'unexpected string "b": expected the end of the line'],
    ['runs r {\n N\n 1 x\n}\n', '3:4', "unexpected 'x' in a row of values"],
    ['runs r {\n N D\n 1 2\n 1\n 3 4 5\n}\n', '4:2', 'this row has 1 value but the header names 2 columns'],
    ['law l: L = a {\n param a in [0, 1] init 0.5\n', '1:14', "missing '}' to close this block"],
    ['dataset d = csv("x") {}\n  N: p\n', '2:3', "unknown statement 'N'"],
    [
      'dataset d = csv("x")\n  N: p\n  L: l\n}\n',
      '1:21',
      "missing '{' at the end of this line to open the block of dataset 'd'",
    ],
    ['compute C = 6 * {N\nplot l\n', '1:17', "expected a value, a name or '(', found '{'"],
    ['lw x: L = a {\n  fit s\n}\nplot x\n', '1:1', "unknown statement 'lw' (did you mean 'law'?)"],
    ['plot x\n@@@ ### \n', '2:1', "unexpected characters '@@@'"],
    ['predict l at N = 1 +\n', '1:21', "expected a value after '+', found the end of the line"],
  ];
  for (const [text, where, message] of cases) {
    it(`${JSON.stringify(text)} → ${where} ${message}`, () => {
      const result = parse(text);
      const got = result.diagnostics.map((d) => `${lineCol(text, d.range.start)} ${d.message}`);
      assert.equal(got.length, text === 'runs r {\n N D\n 1 2\n 1\n 3 4 5\n}\n' ? 2 : 1, got.join('\n'));
      assert.ok(got[0].startsWith(`${where} ${message}`), got[0]);
    });
  }

  it('a broken statement does not take the next statements with it', () => {
    const text = 'compute C = 6 * {N\nplot l\nlw x: L = a {\n  fit s\n}\npredict l at N = 1\n';
    const kinds = parse(text).file.statements.map((s) => s.kind);
    assert.deepEqual(kinds, ['Plot', 'Predict']);
  });
});
