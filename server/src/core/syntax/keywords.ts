// The study language's keywords, by where they start a line: a statement, an item of a law or an
// isoflop block; and the data formats `dataset` reads. Keywords are identifiers to the lexer; the
// parser decides by position.
export const TOP_LEVEL_KEYWORDS = [
  'study',
  'compute',
  'dataset',
  'runs',
  'law',
  'isoflop',
  'predict',
  'optimize',
  'frontier',
  'compare',
  'plot',
];
export const LAW_KEYWORDS = ['fit', 'holdout', 'objective', 'param', 'search', 'uncertainty'];
export const ISOFLOP_KEYWORDS = ['fit', 'budget', 'size', 'tokens', 'target', 'weighted', 'holdout', 'uncertainty'];
export const DATA_FORMATS = ['csv', 'tsv', 'jsonl'];
