// Go to definition, find references and rename over the symbol index.
import type { Location, Range, TextEdit, WorkspaceEdit } from 'vscode-languageserver';
import type { Analysis } from '../core/study';
import { toRange } from './diagnostics';
import { occurrenceAt, occurrencesOf, symbolIndex, type Occurrence } from './symbolIndex';
import { catalogue } from '../core/laws';
import { ISOFLOP_KEYWORDS, LAW_KEYWORDS, TOP_LEVEL_KEYWORDS } from '../core/syntax/parser';

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
// Words with a meaning in the grammar: a rename to one of them would read as that keyword.
const RESERVED = new Set([
  ...TOP_LEVEL_KEYWORDS,
  ...LAW_KEYWORDS,
  ...ISOFLOP_KEYWORDS,
  ...['in', 'init', 'grid', 'by', 'log', 'exp', 'min', 'max', 'inf', 'where', 'at', 'for', 'vs', 'and', 'or'],
]);

export function definition(analysis: Analysis, uri: string, offset: number): Location[] {
  const index = symbolIndex(analysis);
  const at = occurrenceAt(index, offset);
  if (!at || at.kind === 'column' || at.kind === 'catalogue') return [];
  return occurrencesOf(index, at)
    .filter((o) => o.declaration)
    .map((o) => ({ uri, range: toRange(o.range, analysis.lines) }));
}

export function references(analysis: Analysis, uri: string, offset: number, includeDeclaration: boolean): Location[] {
  const index = symbolIndex(analysis);
  const at = occurrenceAt(index, offset);
  if (!at || at.kind === 'catalogue') return [];
  return occurrencesOf(index, at)
    .filter((o) => includeDeclaration || !o.declaration)
    .map((o) => ({ uri, range: toRange(o.range, analysis.lines) }));
}

function renameable(at: Occurrence | undefined): at is Occurrence {
  if (!at || at.kind === 'column' || at.kind === 'catalogue') return false;
  return true;
}

/** The range to rename and its current text, or null where nothing can be renamed. */
export function prepareRename(analysis: Analysis, offset: number): { range: Range; placeholder: string } | null {
  const index = symbolIndex(analysis);
  const at = occurrenceAt(index, offset);
  if (!renameable(at)) return null;
  // A catalogue law's parameters are named by the catalogue.
  if (at.kind === 'parameter') {
    const law = index.laws.get(at.scope ?? '');
    if (law && !law.target && law.formula?.kind === 'Call' && catalogue.has(law.formula.callee.text)) return null;
  }
  return { range: toRange(at.range, analysis.lines), placeholder: at.name };
}

export class RenameError extends Error {}

export function rename(analysis: Analysis, uri: string, offset: number, newName: string): WorkspaceEdit | null {
  if (prepareRename(analysis, offset) === null) return null;
  if (!NAME.test(newName) || RESERVED.has(newName)) throw new RenameError(`'${newName}' is not a valid name`);
  const index = symbolIndex(analysis);
  const at = occurrenceAt(index, offset)!;
  const clash = index.occurrences.find(
    (o) =>
      o.declaration &&
      o.name === newName &&
      (at.kind === 'parameter' ? o.kind === 'parameter' && o.scope === at.scope : o.kind !== 'parameter'),
  );
  if (clash) throw new RenameError(`'${newName}' is already declared`);
  const edits: TextEdit[] = occurrencesOf(index, at).map((o) => ({
    range: toRange(o.range, analysis.lines),
    newText: newName,
  }));
  return { changes: { [uri]: edits } };
}
