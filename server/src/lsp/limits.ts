// Size limits of whole-document editor features. Formatting and semantic tokens cost time and a
// response proportional to the whole file on every request: a 50 MB study (1.8 M inline rows) took
// 21.8 s to format and 7.7 s (a 58 MB response) for semantic tokens. Above the limit they are
// refused with a notice; diagnostics, hover, completion and fits still work. docs/language.md#limits.
import { documentLength, type Analysis } from '../core/study';

/** 1,000,000 characters (about 1 MB, some 45,000 inline runs): formatting takes ~0.5 s, tokens ~0.2 s. */
export const MAX_WHOLE_DOCUMENT_CHARS = 1_000_000;

/** Undefined when the study is small enough for `feature`, else the notice that says why it is off. */
export function tooLargeFor(analysis: Analysis, feature: 'formatting' | 'semantic highlighting'): string | undefined {
  const size = documentLength(analysis);
  // A text with elided rows is never the whole document: the editor splits only over the limit.
  if (size <= MAX_WHOLE_DOCUMENT_CHARS && analysis.lines.elisions.length === 0) return undefined;
  const mb = (n: number) => `${(n / 1e6).toFixed(1)} million characters`;
  return `Scaling Studio: ${feature} is off for this study: it has ${mb(size)}, over the limit of ${mb(MAX_WHOLE_DOCUMENT_CHARS)}. Move large run tables to a CSV file (dataset … = csv("…")).`;
}
