// The study language's keywords, by where they start a line: a statement, an item of a law or an
// isoflop or envelope block; and the data formats `dataset` reads. Keywords are identifiers to the lexer; the
// parser decides by position.
export const TOP_LEVEL_KEYWORDS = [
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
  'compare',
  'plot',
];
export const LAW_KEYWORDS = [
  'fit',
  'holdout',
  'objective',
  'param',
  'search',
  'uncertainty',
  'weight',
  'per',
  'shared',
];
export const ISOFLOP_KEYWORDS = [
  'fit',
  'budget',
  'size',
  'tokens',
  'target',
  'weighted',
  'holdout',
  'uncertainty',
  'per',
  'minimum',
];
export const ENVELOPE_KEYWORDS = ['fit', 'budget', 'run', 'size', 'tokens', 'target', 'holdout', 'uncertainty'];
export const SWEEP_KEYWORDS = ['fit', 'over', 'per', 'target', 'minimum', 'holdout', 'uncertainty'];
/** How a sweep finds each group's minimum, and an isoflop each budget's. */
export const MINIMUM_METHODS = ['parabola', 'akima'];
export const DATA_FORMATS = ['csv', 'tsv', 'jsonl', 'parquet'];
