import assert from 'node:assert/strict';
import fc from 'fast-check';
import { lex, type Token } from '../../../server/src/core/syntax/lexer';
import { parse } from '../../../server/src/core/syntax/parser';
import { EXAMPLE } from './helpers';

/** The code tokens of a text as `kind:text`, without newlines and the final eof. */
function kinds(text: string): string[] {
  return lex(text)
    .tokens.filter((t) => t.kind !== 'eof')
    .map((t) => `${t.kind}:${t.kind === 'newline' ? '\\n' : t.text}`);
}

function only(text: string): Token {
  const tokens = lex(text).tokens.filter((t) => t.kind !== 'eof');
  assert.equal(tokens.length, 1, `one token in ${JSON.stringify(text)}: ${tokens.map((t) => t.text).join(' | ')}`);
  return tokens[0];
}

describe('syntax: lexer', () => {
  describe('numbers', () => {
    const cases: [string, number][] = [
      ['0', 0],
      ['42', 42],
      ['3.21', 3.21],
      ['.5', 0.5],
      ['44M', 44e6],
      ['8.8B', 8.8e9],
      ['1.4B', 1.4e9],
      ['2G', 2e9],
      ['1.4T', 1.4e12],
      ['1.5K', 1500],
      ['5.76e23', 5.76e23],
      ['1e-3', 1e-3],
      ['2E+2', 200],
      ['3e2K', 3e5],
    ];
    for (const [text, value] of cases) {
      it(`${text} = ${value}`, () => {
        const t = only(text);
        assert.equal(t.kind, 'number');
        assert.equal(t.text, text);
        assert.equal(t.error, undefined);
        assert.ok(Math.abs((t.value ?? NaN) - value) <= Math.abs(value) * 1e-12, `${t.value} vs ${value}`);
      });
    }

    it('a suffix belongs to the number only right after the digits: 1 B is a number and a name', () => {
      assert.deepEqual(kinds('1 B'), ['number:1', 'ident:B']);
      assert.deepEqual(kinds('B'), ['ident:B']);
      assert.deepEqual(kinds('B / D^beta'), ['ident:B', 'punct:/', 'ident:D', 'punct:^', 'ident:beta']);
      assert.deepEqual(kinds('N >= 5B'), ['ident:N', 'punct:>=', 'number:5B']);
    });

    it('1..2 is a range: number, .., number', () => {
      assert.deepEqual(kinds('1..2'), ['number:1', 'punct:..', 'number:2']);
      assert.deepEqual(kinds('-1..1'), ['punct:-', 'number:1', 'punct:..', 'number:1']);
      assert.deepEqual(kinds('0.5..2.5'), ['number:0.5', 'punct:..', 'number:2.5']);
      assert.deepEqual(kinds('0...5'), ['number:0', 'punct:..', 'number:.5']);
    });

    it('5Bx, 3x and 1.4b are one bad number each', () => {
      for (const text of ['5Bx', '3x', '1.4b', '2KM', '1e']) {
        const t = only(text);
        assert.equal(t.kind, 'number');
        assert.equal(t.text, text);
        assert.ok(Number.isNaN(t.value));
        assert.match(t.error ?? '', /is not a number: a number may end in one SI suffix K, M, B, G or T/);
      }
      const r = parse('predict l at N = 5Bx\n');
      assert.equal(r.diagnostics.length, 1);
      assert.deepEqual(r.diagnostics[0].range, { start: 17, end: 20 });
    });

    it('values equal Number() of the digits times the suffix, for any digits', () => {
      const digits = (min: number, max: number) =>
        fc.array(fc.integer({ min: 0, max: 9 }), { minLength: min, maxLength: max }).map((d) => d.join(''));
      const numeral = fc
        .tuple(
          digits(1, 20),
          fc.option(digits(1, 20)),
          fc.option(fc.tuple(fc.constantFrom('e', 'E'), fc.constantFrom('', '+', '-'), digits(1, 3))),
          fc.constantFrom('', 'K', 'M', 'B', 'G', 'T'),
        )
        .map(([int, frac, exp, suffix]) => ({
          digits: int + (frac === null ? '' : '.' + frac) + (exp === null ? '' : exp.join('')),
          suffix,
        }));
      const scale: Record<string, number> = { '': 1, K: 1e3, M: 1e6, B: 1e9, G: 1e9, T: 1e12 };
      fc.assert(
        fc.property(numeral, ({ digits, suffix }) => {
          const t = only(digits + suffix);
          assert.equal(t.kind, 'number');
          assert.equal(t.value, Number(digits) * scale[suffix]);
        }),
        { seed: 7, numRuns: 2000 },
      );
    });

    it('an exponent needs digits: 1e+ is a bad number then +', () => {
      assert.deepEqual(kinds('1e+'), ['number:1e', 'punct:+']);
    });
  });

  describe('strings', () => {
    it('reads a string with escapes', () => {
      const t = only('"runs/sweep.csv"');
      assert.equal(t.kind, 'string');
      assert.equal(t.stringValue, 'runs/sweep.csv');
      assert.equal(only('"a \\"b\\" \\\\ c\\n"').stringValue, 'a "b" \\ c\n');
    });

    it('an unterminated string stops at the line end, less trailing blanks', () => {
      const { tokens } = lex('study "abc   \nplot x');
      assert.equal(tokens[1].kind, 'string');
      assert.equal(tokens[1].text, '"abc');
      assert.equal(tokens[1].stringValue, 'abc');
      assert.match(tokens[1].error ?? '', /unterminated string/);
      assert.equal(tokens[2].kind, 'newline');
      assert.equal(tokens[3].text, 'plot');
    });

    it('a backslash never escapes a line break', () => {
      const { tokens } = lex('"abc\\\nplot');
      assert.equal(tokens[0].error !== undefined, true);
      assert.equal(tokens[1].kind, 'newline');
    });

    it('comment markers inside a string are text', () => {
      assert.deepEqual(kinds('"a // b # c"'), ['string:"a // b # c"']);
      assert.equal(lex('"a // b # c"').comments.length, 0);
    });
  });

  describe('comments', () => {
    it('keeps // and # comments aside with their ranges', () => {
      const text = 'compute C = 6 * N // six\n# whole line\nplot x#tight';
      const { tokens, comments } = lex(text);
      assert.deepEqual(
        comments.map((c) => c.text),
        ['// six', '# whole line', '#tight'],
      );
      for (const c of comments) assert.equal(text.slice(c.range.start, c.range.end), c.text);
      assert.ok(tokens.every((t) => !t.text.includes('#') && !t.text.includes('//')));
    });

    it('a single / is division', () => {
      assert.deepEqual(kinds('A / N'), ['ident:A', 'punct:/', 'ident:N']);
    });
  });

  describe('line breaks, CRLF and BOM', () => {
    it('CRLF is one newline token and offsets stay UTF-16 offsets into the text', () => {
      const text = 'study "x"\r\ncompute C = 1\r\n';
      const { tokens } = lex(text);
      const newlines = tokens.filter((t) => t.kind === 'newline');
      assert.equal(newlines.length, 2);
      assert.deepEqual([newlines[0].start, newlines[0].end], [9, 11]);
      const c = tokens.find((t) => t.text === 'compute');
      assert.equal(c?.start, 11);
    });

    it('a lone CR is a line break too', () => {
      assert.deepEqual(kinds('a\rb'), ['ident:a', 'newline:\\n', 'ident:b']);
    });

    it('the example parses the same with CRLF line ends and a BOM', () => {
      const crlf = '\ufeff' + EXAMPLE.replace(/\n/g, '\r\n');
      const r = parse(crlf);
      assert.deepEqual(r.diagnostics, []);
      assert.equal(r.file.statements.length, parse(EXAMPLE).file.statements.length);
      const first = r.file.statements[0];
      assert.equal(crlf.slice(first.range.start, first.range.end), 'study "Chinchilla approach 3"');
    });
  });

  describe('punctuation and stray characters', () => {
    it('takes the longest operator', () => {
      assert.deepEqual(
        kinds('<= >= == != < > = .. ^ ( ) [ ] { } , :'),
        ['<=', '>=', '==', '!=', '<', '>', '=', '..', '^', '(', ')', '[', ']', '{', '}', ',', ':'].map(
          (p) => `punct:${p}`,
        ),
      );
      assert.deepEqual(kinds('a<=b'), ['ident:a', 'punct:<=', 'ident:b']);
    });

    it('a run of stray characters is one bad token with one error', () => {
      const t = only('@@$');
      assert.equal(t.kind, 'bad');
      assert.equal(t.error, "unexpected characters '@@$'");
      assert.deepEqual(kinds('a @ b'), ['ident:a', 'bad:@', 'ident:b']);
      assert.deepEqual(kinds('a ! b . c'), ['ident:a', 'bad:!', 'ident:b', 'bad:.', 'ident:c']);
      assert.equal(only('😀').error, "unexpected character '😀'");
    });

    it('identifiers take letters, digits and underscores', () => {
      assert.deepEqual(kinds('kaplan_n _x a1'), ['ident:kaplan_n', 'ident:_x', 'ident:a1']);
    });

    it('always ends in eof at the text length', () => {
      for (const text of ['', 'a', 'a\n', '"x']) {
        const { tokens } = lex(text);
        const last = tokens[tokens.length - 1];
        assert.equal(last.kind, 'eof');
        assert.equal(last.start, text.length);
      }
    });
  });
});
