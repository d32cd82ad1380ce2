import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as A from '../../../server/src/core/syntax/ast';
import { LAW_KEYWORDS, parse, parseExpression } from '../../../server/src/core/syntax/parser';
import { EXAMPLE, ROOT, rangeProblems, scalingFixtures, stripRanges } from './helpers';

/** A formula as a fully parenthesised string: precedence and associativity made visible. */
function show(e: A.Expr): string {
  switch (e.kind) {
    case 'Number':
      return e.text;
    case 'String':
      return JSON.stringify(e.value);
    case 'NameRef':
      return e.name;
    case 'Unary':
      return `(${e.op}${show(e.operand)})`;
    case 'Binary':
      return `(${show(e.left)} ${e.op} ${show(e.right)})`;
    case 'Call':
      return `${e.callee.text}(${e.args.map(show).join(', ')})`;
    case 'Error':
      return '<error>';
  }
}

function parseClean(text: string) {
  const r = parse(text);
  assert.deepEqual(
    r.diagnostics.map((d) => d.message),
    [],
    `no diagnostics for ${JSON.stringify(text)}`,
  );
  assert.deepEqual(rangeProblems(text, r), []);
  return r.file.statements;
}

function one<K extends A.Statement['kind']>(text: string, kind: K): Extract<A.Statement, { kind: K }> {
  const statements = parseClean(text);
  assert.equal(statements.length, 1);
  assert.equal(statements[0].kind, kind);
  return stripRanges(statements[0]) as Extract<A.Statement, { kind: K }>;
}

const name = (text: string) => ({ kind: 'Name', text });
const ref = (n: string) => ({ kind: 'NameRef', name: n });
const num = (text: string, value: number) => ({ kind: 'Number', text, value });

describe('syntax: parser', () => {
  describe('the sketch example and the fixtures', () => {
    it('parses the sketch example with zero diagnostics', () => {
      const statements = parseClean(EXAMPLE);
      assert.deepEqual(
        statements.map((s) => s.kind),
        ['Study', 'Compute', 'Dataset', 'Runs', 'Law', 'Law', 'Isoflop', 'Predict', 'Optimize', 'Plot'],
      );
    });

    for (const [path, text] of scalingFixtures()) {
      if (path.includes('broken')) continue;
      it(`parses ${path} with zero diagnostics`, () => {
        parseClean(text);
      });
    }

    it('the e2e broken fixture has its one error at line 5', () => {
      const broken = scalingFixtures().find(([p]) => p.includes('broken'));
      assert.ok(broken);
      const r = parse(broken[1]);
      assert.equal(r.diagnostics.length, 1);
      assert.match(r.diagnostics[0].message, /expected '='/);
    });
  });

  describe('statements → AST', () => {
    it('study', () => {
      assert.deepEqual(one('study "Chinchilla approach 3"', 'Study'), {
        kind: 'Study',
        title: { kind: 'String', value: 'Chinchilla approach 3' },
      });
    });

    it('compute', () => {
      const c = one('compute C = 6 * N * D', 'Compute');
      assert.deepEqual(c.name, name('C'));
      assert.equal(show(c.formula!), '((6 * N) * D)');
    });

    it('dataset with column maps and where filters', () => {
      const d = one(
        'dataset sweep = csv("runs/sweep.csv") {\n  N: params\n  L: "final loss"\n  where loss < 10\n  where N > 1M and D < 1T\n}',
        'Dataset',
      );
      assert.deepEqual(d.name, name('sweep'));
      assert.deepEqual(d.format, name('csv'));
      assert.deepEqual(d.path, { kind: 'String', value: 'runs/sweep.csv' });
      assert.deepEqual(d.columns, [
        { kind: 'ColumnMap', variable: name('N'), column: name('params') },
        { kind: 'ColumnMap', variable: name('L'), column: { kind: 'String', value: 'final loss' } },
      ]);
      assert.deepEqual(d.where.map(show), ['(loss < 10)', '((N > 1M) and (D < 1T))']);
    });

    it('dataset formats tsv and jsonl, with and without a block', () => {
      assert.deepEqual(one('dataset t = tsv("a.tsv") { N: n }', 'Dataset').format, name('tsv'));
      const j = one('dataset j = jsonl("a.jsonl")', 'Dataset');
      assert.deepEqual([j.format, j.columns, j.where], [name('jsonl'), [], []]);
    });

    it('runs table with suffixes, signs and strings', () => {
      const r = one('runs pilot {\n  N D L\n  44M 8.8B 3.21\n  -1 +2.5 "x"\n}', 'Runs');
      assert.deepEqual(r.header, [name('N'), name('D'), name('L')]);
      assert.deepEqual(r.rows, [
        { kind: 'RunRow', cells: [num('44M', 44e6), num('8.8B', 8.8e9), num('3.21', 3.21)] },
        { kind: 'RunRow', cells: [num('-1', -1), num('+2.5', 2.5), { kind: 'String', value: 'x' }] },
      ]);
    });

    it('runs table closed on its last row', () => {
      const r = one('runs p {\n N L\n 1 2 }', 'Runs');
      assert.equal(r.rows.length, 1);
    });

    it('law, formula form, with every law item', () => {
      const l = one(
        [
          'law chinchilla: L = E + A / N^alpha + B / D^beta {',
          '  fit sweep, pilot',
          '  holdout N >= 5B',
          '  objective huber(1e-3) on log',
          '  param E in (0, 10) init grid -1..1 by 0.5 log',
          '  param A in (0, inf) init 1, 10',
          '  param alpha in [0, 3] init grid 0..2 by 0.5',
          '  param B = 1.69',
          '  param beta init 0.3',
          '  uncertainty bootstrap 1000 seed 7 level 0.9 by run',
          '}',
        ].join('\n'),
        'Law',
      );
      assert.deepEqual(l.name, name('chinchilla'));
      assert.deepEqual(l.target, name('L'));
      assert.equal(show(l.formula!), '((E + (A / (N ^ alpha))) + (B / (D ^ beta)))');
      assert.deepEqual(
        l.body.map((i) => i.kind),
        ['Fit', 'Holdout', 'Objective', 'Param', 'Param', 'Param', 'Param', 'Param', 'Uncertainty'],
      );
      assert.deepEqual(l.body[0], { kind: 'Fit', sources: [name('sweep'), name('pilot')] });
      assert.equal(show((l.body[1] as A.HoldoutClause).condition), '(N >= 5B)');
      assert.deepEqual(l.body[2], { kind: 'Objective', loss: 'huber', delta: num('1e-3', 1e-3), onLog: true });
      assert.deepEqual(l.body[3], {
        kind: 'Param',
        name: name('E'),
        fixed: undefined,
        bounds: { lower: num('0', 0), upper: num('10', 10), lowerClosed: false, upperClosed: false },
        init: {
          kind: 'InitGrid',
          from: { kind: 'Unary', op: '-', operand: num('1', 1) },
          to: num('1', 1),
          step: num('0.5', 0.5),
          log: true,
        },
      });
      const a = l.body[4] as A.ParamClause;
      assert.deepEqual(a.bounds?.upper, ref('inf'));
      assert.deepEqual(a.init, { kind: 'InitValues', values: [num('1', 1), num('10', 10)] });
      const alpha = l.body[5] as A.ParamClause;
      assert.deepEqual([alpha.bounds?.lowerClosed, alpha.bounds?.upperClosed], [true, true]);
      assert.equal((alpha.init as A.InitGrid).log, false);
      assert.deepEqual(l.body[6], {
        kind: 'Param',
        name: name('B'),
        fixed: num('1.69', 1.69),
        bounds: undefined,
        init: undefined,
      });
      assert.deepEqual((l.body[7] as A.ParamClause).init, { kind: 'InitValues', values: [num('0.3', 0.3)] });
      assert.deepEqual(l.body[8], {
        kind: 'Uncertainty',
        method: 'bootstrap',
        resamples: num('1000', 1000),
        seed: num('7', 7),
        level: num('0.9', 0.9),
        by: name('run'),
      });
    });

    it('mixed bounds ( ] and [ )', () => {
      const l = one('law l: L = a {\n param a in (0, 1]\n param b in [0, 1)\n}', 'Law');
      const [a, b] = l.body as A.ParamClause[];
      assert.deepEqual([a.bounds?.lowerClosed, a.bounds?.upperClosed], [false, true]);
      assert.deepEqual([b.bounds?.lowerClosed, b.bounds?.upperClosed], [true, false]);
    });

    it('objectives: squares, squares on log, huber(d), huber(d) on log', () => {
      const objective = (text: string) => one(`law l: L = a { objective ${text} }`, 'Law').body[0];
      assert.deepEqual(objective('squares'), { kind: 'Objective', loss: 'squares', delta: undefined, onLog: false });
      assert.deepEqual(objective('squares on log'), {
        kind: 'Objective',
        loss: 'squares',
        delta: undefined,
        onLog: true,
      });
      assert.deepEqual(objective('huber(0.01)'), {
        kind: 'Objective',
        loss: 'huber',
        delta: num('0.01', 0.01),
        onLog: false,
      });
      assert.deepEqual(objective('huber(1e-3) on log'), {
        kind: 'Objective',
        loss: 'huber',
        delta: num('1e-3', 1e-3),
        onLog: true,
      });
    });

    it('uncertainty: asymptotic level P, profile level P, none', () => {
      const u = (text: string) => one(`law l: L = a { uncertainty ${text} }`, 'Law').body[0];
      assert.deepEqual(u('asymptotic level 0.95'), {
        kind: 'Uncertainty',
        method: 'asymptotic',
        resamples: undefined,
        seed: undefined,
        level: num('0.95', 0.95),
        by: undefined,
      });
      assert.deepEqual(u('profile level 0.8'), {
        kind: 'Uncertainty',
        method: 'profile',
        resamples: undefined,
        seed: undefined,
        level: num('0.8', 0.8),
        by: undefined,
      });
      assert.deepEqual(u('none'), {
        kind: 'Uncertainty',
        method: 'none',
        resamples: undefined,
        seed: undefined,
        level: undefined,
        by: undefined,
      });
    });

    it('catalogue laws: law k: kaplan_n(N) { … } and with a written target', () => {
      for (const [call, args] of [
        ['chinchilla(N, D)', ['N', 'D']],
        ['kaplan_n(N)', ['N']],
        ['kaplan_d(D)', ['D']],
        ['kaplan_nd(N, D)', ['N', 'D']],
        ['kaplan_c(C)', ['C']],
        ['saturating(x)', ['x']],
        ['broken_power_law(x)', ['x']],
        ['lr_annealing(S1, S2)', ['S1', 'S2']],
      ] as const) {
        const l = one(`law k: ${call} { fit sweep }`, 'Law');
        assert.equal(l.target, undefined);
        assert.deepEqual(l.formula, { kind: 'Call', callee: name(call.split('(')[0]), args: args.map(ref) });
        assert.equal(l.body.length, 1);
      }
      const t = one('law k: L = kaplan_c(C)', 'Law');
      assert.deepEqual(t.target, name('L'));
      assert.equal(t.formula?.kind, 'Call');
      assert.deepEqual(t.body, []);
      assert.equal(t.bodyRange, undefined);
    });

    it('law ranges: the block range covers { … }', () => {
      const text = 'law k: kaplan_n(N) { fit sweep }';
      const [l] = parseClean(text) as A.LawDecl[];
      assert.deepEqual(l.bodyRange, { start: text.indexOf('{'), end: text.length });
      assert.deepEqual(l.range, { start: 0, end: text.length });
    });

    it('isoflop with every setting', () => {
      const i = one(
        'isoflop approach2 {\n fit sweep\n budget C\n size N\n tokens D\n target L\n weighted\n holdout C > 1e21\n uncertainty bootstrap 100 seed 3\n}',
        'Isoflop',
      );
      assert.deepEqual(i.name, name('approach2'));
      assert.deepEqual(
        i.items.map((x) => (x.kind === 'IsoflopSetting' ? `${x.setting}:${x.variable?.text ?? ''}` : x.kind)),
        ['Fit', 'budget:C', 'size:N', 'tokens:D', 'target:L', 'weighted:', 'Holdout', 'Uncertainty'],
      );
    });

    it('predict … at and optimize … for', () => {
      const p = one('predict chinchilla at N = 70B, D = 1.4T', 'Predict');
      assert.deepEqual(p, {
        kind: 'Predict',
        law: name('chinchilla'),
        at: [
          { kind: 'Assignment', variable: name('N'), value: num('70B', 70e9) },
          { kind: 'Assignment', variable: name('D'), value: num('1.4T', 1.4e12) },
        ],
      });
      const o = one('optimize chinchilla for C = 5.76e23', 'Optimize');
      assert.deepEqual(o.budget, [{ kind: 'Assignment', variable: name('C'), value: num('5.76e23', 5.76e23) }]);
      const e = one('predict l at N = 2 * 35B', 'Predict');
      assert.equal(show(e.at[0].value), '(2 * 35B)');
    });

    it('plot NAME[: Y vs X] [by G]', () => {
      assert.deepEqual(one('plot chinchilla: L vs C by N', 'Plot'), {
        kind: 'Plot',
        subject: name('chinchilla'),
        y: name('L'),
        x: name('C'),
        by: name('N'),
      });
      assert.deepEqual(one('plot approach2', 'Plot'), {
        kind: 'Plot',
        subject: name('approach2'),
        y: undefined,
        x: undefined,
        by: undefined,
      });
      assert.deepEqual(one('plot k by N', 'Plot').by, name('N'));
      assert.deepEqual(one('plot k: L vs N', 'Plot').by, undefined);
    });

    it('statement ranges cover the statement and not the trailing comment', () => {
      const text = 'predict chinchilla at N = 70B   // hover\n';
      const [p] = parseClean(text);
      assert.equal(text.slice(p.range.start, p.range.end), 'predict chinchilla at N = 70B');
    });
  });

  describe('expressions', () => {
    const cases: [string, string][] = [
      ['1 + 2 * 3', '(1 + (2 * 3))'],
      ['1 * 2 + 3', '((1 * 2) + 3)'],
      ['a - b - c', '((a - b) - c)'],
      ['a / b / c', '((a / b) / c)'],
      ['a / b * c', '((a / b) * c)'],
      ['(a + b) * c', '((a + b) * c)'],
      ['a ^ b ^ c', '(a ^ (b ^ c))'],
      ['-a ^ 2', '(-(a ^ 2))'],
      ['-a^2', '(-(a ^ 2))'],
      ['a ^ -b', '(a ^ (-b))'],
      ['N^-alpha', '(N ^ (-alpha))'],
      ['a * -b', '(a * (-b))'],
      ['- -a', '(-(-a))'],
      ['+a', '(+a)'],
      ['2 ^ 3 * 4', '((2 ^ 3) * 4)'],
      ['(-a) ^ 2', '((-a) ^ 2)'],
      ['E + A / N^alpha + B / D^beta', '((E + (A / (N ^ alpha))) + (B / (D ^ beta)))'],
      ['log(N) * exp(-x)', '(log(N) * exp((-x)))'],
      ['min(a, max(b, c))', 'min(a, max(b, c))'],
      ['f()', 'f()'],
      ['a < b', '(a < b)'],
      ['a <= b + 1', '(a <= (b + 1))'],
      ['a > b', '(a > b)'],
      ['a >= 5B', '(a >= 5B)'],
      ['a == b', '(a == b)'],
      ['a != b', '(a != b)'],
      ['a < 1 and b > 2 or c == 3', '(((a < 1) and (b > 2)) or (c == 3))'],
      ['a or b and c', '(a or (b and c))'],
      ['(a or b) and c', '((a or b) and c)'],
      ['"x" == name', '("x" == name)'],
    ];
    for (const [text, expected] of cases) {
      it(`${text}  ⇒  ${expected}`, () => {
        assert.equal(show(parseExpression(text)), expected);
      });
    }

    it('comparisons do not chain', () => {
      assert.throws(() => parseExpression('a < b < c'), /comparisons don't chain/);
    });

    it('a formula continues on the next line after a binary operator', () => {
      const c = one('compute C = 6 *\n  N *\n\n  // a comment line\n  D', 'Compute');
      assert.equal(show(c.formula!), '((6 * N) * D)');
      const h = one('law l: L = a {\n holdout N > 1 and\n   D > 2\n}', 'Law');
      assert.equal(show((h.body[0] as A.HoldoutClause).condition), '((N > 1) and (D > 2))');
      const p = one('law l: L = a ^\n b', 'Law');
      assert.equal(show(p.formula!), '(a ^ b)');
    });

    it('a formula continues inside parentheses, brackets and calls', () => {
      const c = one('compute C = (6\n * N\n )', 'Compute');
      assert.equal(show(c.formula!), '(6 * N)');
      const m = one('law l: L = max(\n  E,\n  A\n)', 'Law');
      assert.equal(show(m.formula!), 'max(E, A)');
      const b = one('law l: L = a {\n param a in (\n 0,\n 10\n ) init 1\n}', 'Law');
      assert.equal((b.body[0] as A.ParamClause).init?.kind, 'InitValues');
    });

    it('without an operator at the end, the line ends the formula', () => {
      const statements = parseClean('compute C = 6 * N\ncompute F = D');
      assert.equal(statements.length, 2);
    });

    it('a parenthesised formula keeps its parentheses in the range', () => {
      const e = parseExpression('(a + b)');
      assert.deepEqual(e.range, { start: 0, end: 7 });
    });
  });
});

describe('syntax: docs/language.md', () => {
  const doc = readFileSync(join(ROOT, 'docs', 'language.md'), 'utf8');
  const blocks = [...doc.matchAll(/^( *)```\n([\s\S]*?)^\1```/gm)].map((m) =>
    m[2]
      .split('\n')
      .map((l) => l.slice(m[1].length))
      .join('\n'),
  );

  it('has an example for every construct', () => {
    const all = blocks.join('\n');
    for (const word of [
      'study',
      'compute',
      'dataset',
      'csv(',
      'tsv(',
      'jsonl(',
      'where',
      'runs',
      'law',
      'kaplan_n(',
      'fit',
      'holdout',
      'objective huber',
      'objective squares',
      'on log',
      'param',
      'init grid',
      'inf',
      'uncertainty bootstrap',
      'uncertainty asymptotic',
      'uncertainty none',
      'isoflop',
      'weighted',
      'predict',
      'optimize',
      'plot',
    ]) {
      assert.ok(all.includes(word), `an example uses ${word}`);
    }
  });

  it('every example parses with zero diagnostics', () => {
    let checked = 0;
    for (const block of blocks) {
      if (block.startsWith('file ')) continue; // the grammar itself
      const first = block.trimStart().split(/\s/)[0];
      const text = LAW_KEYWORDS.includes(first) ? `law x: L = a {\n${block}}\n` : block;
      const r = parse(text);
      assert.deepEqual(
        r.diagnostics.map((d) => d.message),
        [],
        text,
      );
      checked++;
    }
    assert.ok(checked >= 12, `${checked} examples`);
  });
});

describe('syntax: large files (the parser keeps a window of tokens)', () => {
  const rows = Array.from(
    { length: 20000 },
    (_, i) => `  ${i + 1}M  ${(i % 7) + 1}.5B  ${(2 + (i % 100) / 100).toFixed(2)}${i % 50 === 0 ? '  # note' : ''}`,
  );
  const tail = 'law l: L = E + A / N^a {\n  fit big\n  holdout N >=\n}\npredict l at N = 1B @\n';
  const lineOf = (text: string, needle: string) => text.slice(0, text.indexOf(needle)).split('\n').length;

  it('a 20,000-run table parses row by row, with the statements after it', () => {
    const broken = [...rows];
    broken[12345] = '  1M  2B';
    const text = `runs big {\n  N D L\n${broken.join('\n')}\n}\n${tail}`;
    const r = parse(text);
    assert.deepEqual(rangeProblems(text, r), []);
    assert.deepEqual(
      r.file.statements.map((s) => s.kind),
      ['Runs', 'Law', 'Predict'],
    );
    const runs = r.file.statements[0] as A.RunsDecl;
    assert.equal(runs.rows.length, 20000);
    assert.deepEqual(
      runs.rows[19999].cells.map((c) => (c as A.NumberLit).value),
      [20000e6, 1.5e9, 2.99],
    );
    assert.deepEqual(
      r.diagnostics.map((d) => [text.slice(0, d.range.start).split('\n').length, d.message]),
      [
        [12348, 'this row has 2 values but the header names 3 columns'],
        [lineOf(text, 'holdout'), "expected a value after '>=', found the end of the line"],
        [lineOf(text, 'predict'), "unexpected character '@'"],
      ],
    );
    const small = parse(tail);
    assert.deepEqual(stripRanges(r.file.statements.slice(1)), stripRanges(small.file.statements));
    assert.equal(r.comments.length, 400);
  });

  it('a missing } after 20,000 runs is reported at the table’s {, far behind', () => {
    const text = `runs big {\n  N D L\n${rows.join('\n')}\n${tail}`;
    const r = parse(text);
    assert.deepEqual(
      r.diagnostics.map((d) => [text.slice(0, d.range.start).split('\n').length, d.message]).slice(0, 1),
      [[1, "missing '}' to close the runs table 'big'"]],
    );
    assert.deepEqual(
      r.file.statements.map((s) => s.kind),
      ['Runs', 'Law', 'Predict'],
    );
  });

  it('20,000 broken lines after a broken statement are skipped quietly', () => {
    const text = `compute C = 6 * {N\n${rows.join('\n')}\nplot l\n`;
    const r = parse(text);
    assert.equal(r.diagnostics.length, 1);
    assert.deepEqual(
      r.file.statements.map((s) => s.kind),
      ['Plot'],
    );
  });
});
