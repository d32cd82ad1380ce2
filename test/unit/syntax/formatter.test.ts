import assert from 'node:assert/strict';
import { format } from '../../../server/src/core/syntax/formatter';
import { lex } from '../../../server/src/core/syntax/lexer';
import { parse } from '../../../server/src/core/syntax/parser';
import { EXAMPLE, scalingFixtures, shape } from './helpers';

/** The comments of a text, as written (trailing blanks aside: the formatter drops those). */
function comments(text: string): string[] {
  return lex(text).comments.map((c) => c.text.trimEnd());
}

/** Checks the formatter's three promises on one text; returns the formatted text. */
export function checkFormat(text: string): string {
  const once = format(text);
  assert.equal(format(once), once, 'format is idempotent');
  assert.deepEqual(shape(once), shape(text), 'format never changes the parse');
  assert.deepEqual(comments(once), comments(text), 'comments are kept verbatim and in order');
  return once;
}

describe('syntax: formatter', () => {
  describe('on every fixture', () => {
    for (const [path, text] of scalingFixtures()) {
      it(`${path}: idempotent, same parse, comments verbatim`, () => {
        checkFormat(text);
      });
      it(`${path} with tabs or 4-space indents: idempotent, same parse`, () => {
        for (const indent of ['\t', '    ']) {
          const once = format(text, { indent });
          assert.equal(format(once, { indent }), once);
          assert.deepEqual(shape(once), shape(text));
          assert.ok(
            once.split('\n').some((l) => l.startsWith(indent)),
            'blocks are indented with the given indent',
          );
        }
      });
      it(`${path} with CRLF line ends formats like with LF, and keeps CRLF`, () => {
        assert.equal(checkFormat(text.replace(/\n/g, '\r\n')), format(text).replace(/\n/g, '\r\n'));
      });
    }
  });

  it('keeps the example as the sketch writes it, apart from column widths', () => {
    const out = checkFormat(EXAMPLE);
    const lines = out.split('\n');
    for (const line of [
      'study "Chinchilla approach 3"',
      'compute C = 6 * N * D',
      'dataset sweep = csv("runs/sweep.csv") {',
      'law chinchilla: L = E + A / N^alpha + B / D^beta {',
      '  fit sweep, pilot',
      '  param E     in (0, 10)   init grid -1..1 by 0.5 log',
      '  param A     in (0, inf)  init grid 0..25 by 5 log',
      '  param alpha in [0, 3]    init grid 0..2 by 0.5',
      '  param beta  in [0, 3]    init grid 0..2 by 0.5',
      'law kaplan: kaplan_n(N) { fit sweep }',
      '  44M  8.8B  3.21',
      '  90M  1.8B  3.04  # comments with // or #',
    ]) {
      assert.ok(lines.includes(line), `has the line ${JSON.stringify(line)}`);
    }
  });

  it('normalises spacing and indentation', () => {
    const input = [
      'study   "x"',
      'compute C=6*N*D',
      'law l :L=E+A/N^ -alpha+max( a ,b ){',
      'fit  s ,t',
      '        holdout N>=5B and D<1T',
      'objective huber( 1e-3 )on log',
      'param E in[0 ,10]init grid -1 .. 1 by 0.5 log',
      '}',
      'predict l at N=70B,D=1.4T',
      'plot l :L vs C by N',
      '',
    ].join('\n');
    assert.equal(
      checkFormat(input),
      [
        'study "x"',
        'compute C = 6 * N * D',
        'law l: L = E + A / N^-alpha + max(a, b) {',
        '  fit s, t',
        '  holdout N >= 5B and D < 1T',
        '  objective huber(1e-3) on log',
        '  param E in [0, 10] init grid -1..1 by 0.5 log',
        '}',
        'predict l at N = 70B, D = 1.4T',
        'plot l: L vs C by N',
        '',
      ].join('\n'),
    );
  });

  it('aligns run-table columns', () => {
    const input = 'runs pilot {\nN D L\n44M 8.8B 3.21\n1.2G -5 "a b"\n}\n';
    assert.equal(checkFormat(input), 'runs pilot {\n  N     D     L\n  44M   8.8B  3.21\n  1.2G  -5    "a b"\n}\n');
  });

  it('aligns consecutive param lines (names, then bounds) and leaves a lone one alone', () => {
    const input =
      'law l: L = a {\nparam a in (0, 1) init 1\nparam long in [0, inf) init grid 0..2 by 1\nparam b = 2\n}\nlaw m: L = b {\nparam b   in (0, 1)    init 1\n}\n';
    assert.equal(
      checkFormat(input),
      [
        'law l: L = a {',
        '  param a    in (0, 1)    init 1',
        '  param long in [0, inf)  init grid 0..2 by 1',
        '  param b    = 2',
        '}',
        'law m: L = b {',
        '  param b in (0, 1) init 1',
        '}',
        '',
      ].join('\n'),
    );
  });

  it('indents continuation lines and lines up closing brackets with their opener', () => {
    const input = 'compute C = 6 *\nN\nlaw l: L = max(\nE,\nA\n) {\nparam E in (\n0,\n10\n)\n}\n';
    assert.equal(
      checkFormat(input),
      'compute C = 6 *\n    N\nlaw l: L = max(\n    E,\n    A\n) {\n  param E in (\n      0,\n      10\n  )\n}\n',
    );
  });

  it('keeps comments verbatim, aligns trailing ones, drops trailing blanks', () => {
    const input = 'study "x" // title  \n\n\n#  spaced   comment\nruns r { # t\n N\n 1 // one\n 22  # twenty-two\n}\n';
    assert.equal(
      checkFormat(input),
      'study "x"  // title\n\n#  spaced   comment\nruns r {  # t\n  N\n  1   // one\n  22  # twenty-two\n}\n',
    );
  });

  it('never fuses tokens: 1 B stays a number and a name, - 1 in a row stays apart', () => {
    const out = checkFormat('predict l at N = 1 B\n');
    assert.equal(out, 'predict l at N = 1 B\n');
    assert.equal(parse(out).diagnostics.length, 1);
    checkFormat('runs r {\n N\n - 1\n}\n');
  });

  it('keeps a line with a syntax error as written (only re-indented)', () => {
    const input = 'law l: L = a {\n      param   E in (0 10)    // broken  \n   fit   s\n}\n';
    assert.equal(checkFormat(input), 'law l: L = a {\n  param   E in (0 10)  // broken\n  fit s\n}\n');
    const stray = 'compute C = 6 * @ N // x  \n';
    assert.equal(checkFormat(stray), 'compute C = 6 * @ N  // x\n');
  });

  it('keeps an unterminated string as written', () => {
    checkFormat('study "one \nsyntax error"\n');
  });

  it('handles empty and blank documents', () => {
    assert.equal(format(''), '');
    assert.equal(format('\n\n  \n'), '');
    // A byte-order mark is kept (issue 15: dropping it changed the file for other editors).
    assert.equal(format('\ufeffstudy "x"'), '\ufeffstudy "x"\n');
  });
});
