// Format Document: the core formatter, as one whole-document edit (none when nothing changes).
import type { TextEdit } from 'vscode-languageserver';
import { format } from '../core/syntax/formatter';
import type { Analysis } from '../core/study';
import { tooLargeFor } from './limits';

export function formatDocument(
  analysis: Analysis,
  options: { tabSize?: number; insertSpaces?: boolean } = {},
): TextEdit[] {
  if (analysis.failed || tooLargeFor(analysis, 'formatting')) return [];
  const indent = options.insertSpaces === false ? '\t' : ' '.repeat(Math.max(1, Math.min(8, options.tabSize ?? 2)));
  const formatted = format(analysis.text, { indent }, analysis.parsed);
  if (formatted === analysis.text) return [];
  const end = analysis.lines.position(analysis.text.length);
  return [{ range: { start: { line: 0, character: 0 }, end }, newText: formatted }];
}
