// The one token vocabulary of the property and fuzz tests (syntax/property.test.ts,
// hardening/lsp.fuzz.test.ts): words they glue into token soups and insert into mutated studies.
// Written out here, not taken from the parser, so a keyword the parser drops is still thrown at it;
// vocabulary.test.ts checks it covers every keyword the parser and the catalogue know.
import fc from 'fast-check';

/** Statement, clause and option keywords. */
export const KEYWORDS = [
  'study',
  'compute',
  'dataset',
  'runs',
  'law',
  'isoflop',
  'envelope',
  'predict',
  'optimize',
  'frontier',
  'plan',
  'sweep',
  'per',
  'minimum',
  'parabola',
  'akima',
  'window',
  'over',
  'points',
  'compare',
  'cv',
  'plot',
  'fit',
  'holdout',
  'objective',
  'param',
  'search',
  'screened',
  'exhaustive',
  'uncertainty',
  'weight',
  'per',
  'shared',
  'init',
  'grid',
  'by',
  'log',
  'in',
  'at',
  'for',
  'vs',
  'on',
  'seed',
  'level',
  'where',
  'last',
  'along',
  'and',
  'or',
  'csv',
  'tsv',
  'jsonl',
  'parquet',
  'huber',
  'squares',
  'bootstrap',
  'asymptotic',
  'profile',
  'none',
  'budget',
  'size',
  'tokens',
  'target',
  'weighted',
  'run',
  'inf',
];

/** Names: functions, catalogue laws, variables and parameters. */
export const NAMES = [
  'exp',
  'min',
  'max',
  'chinchilla',
  'kaplan_n',
  'kaplan_d',
  'kaplan_nd',
  'kaplan_c',
  'saturating',
  'broken_power_law',
  'lr_annealing',
  'N',
  'D',
  'L',
  'C',
  'B',
  'E',
  'A',
  'alpha',
  'beta',
  'x_1',
];

/** Names that are properties of every JS object: they must stay plain names, never code. */
export const HOSTILE_NAMES = ['constructor', '__proto__', 'prototype', 'toString', 'hasOwnProperty'];

/** Numbers, well- and ill-formed, with SI suffixes, and ones that overflow or underflow. */
export const NUMBERS = [
  '0',
  '1',
  '-1',
  '44M',
  '8.8B',
  '1.4T',
  '5.76e23',
  '1e-3',
  '.5',
  '5Bx',
  '1..2',
  '2K',
  '3G',
  '1e308',
  '1e-320',
  '1e999',
];

export const STRINGS = [
  '"runs/sweep.csv"',
  '"a b"',
  '"unterminated',
  '"esc\\"aped"',
  '"../../../etc/passwd"',
  '"<script>x</script>"',
];

export const PUNCTUATION = [
  '+',
  '-',
  '*',
  '/',
  '^',
  '(',
  ')',
  '[',
  ']',
  '{',
  '}',
  ',',
  ':',
  '=',
  '<',
  '<=',
  '>',
  '>=',
  '==',
  '!=',
  '..',
];

/** Comments and characters the language does not use (invisible ones included). */
export const ODD = ['// c', '# c', '@', '!', '.', '😀', '\\', '\u200b', '\uFEFF'];

/** Every word above. */
export const WORDS = [...KEYWORDS, ...NAMES, ...HOSTILE_NAMES, ...NUMBERS, ...STRINGS, ...PUNCTUATION, ...ODD];

/** What goes between words: nothing, spaces, tabs, every line ending. */
export const SEPARATORS = ['', ' ', ' ', '  ', '\t', '\n', '\n', '\r\n', '\r', '\n\n', ' \n  '];

/** One word or one separator: what a mutation inserts. */
export const word: fc.Arbitrary<string> = fc.constantFrom(...WORDS, ...SEPARATORS);

/** Up to `maxLength` words, each followed by a separator. */
export function tokenSoup(maxLength = 80): fc.Arbitrary<string> {
  return fc
    .array(fc.tuple(fc.constantFrom(...WORDS), fc.constantFrom(...SEPARATORS)), { maxLength })
    .map((parts) => parts.map(([w, s]) => w + s).join(''));
}
