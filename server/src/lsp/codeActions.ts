// Quick fixes: every diagnostic whose message proposes an edit offers it. Checklist hints insert
// their missing line (objective, holdout, uncertainty inside the law block, `compute` at the top);
// an `optimize` over an undeclared budget declares `compute C = 6 * N * D`; a parameter with no
// `param` line gets one with bounds and a start grid; an unknown column is mapped to the likeliest
// unmapped column (by meaning, then spelling); "did you mean" diagnostics replace the name.
import type { CodeAction, Diagnostic as LspDiagnostic, TextEdit } from 'vscode-languageserver';
import { CodeActionKind } from 'vscode-languageserver';
import type { Analysis } from '../core/study';
import type * as A from '../core/syntax/ast';
import { nameOrString } from '../core/syntax/lexer';
import { closest } from '../core/text';

interface InsertData {
  insert: string;
  offset: number;
}

function isInsert(data: unknown): data is InsertData {
  const d = data as InsertData | undefined;
  return !!d && typeof d.insert === 'string' && typeof d.offset === 'number';
}

/** Reads a data file's text for a quick fix that edits it (undefined when it cannot or should not). */
export type DataTextReader = (uri: string) => string | undefined;

export function codeActions(
  analysis: Analysis,
  uri: string,
  diagnostics: LspDiagnostic[],
  readData?: DataTextReader,
): CodeAction[] {
  const actions: CodeAction[] = [];
  for (const d of diagnostics) {
    const codeText = typeof d.code === 'string' ? d.code : '';
    if (codeText === 'scaling.non-numeric') {
      const action = readData && treatAsMissing(d, readData);
      if (action) actions.push(action);
      continue;
    }
    if (codeText.startsWith('scaling.checklist-') && isInsert(d.data)) {
      const edit = insertLine(analysis, d.data);
      actions.push({
        title: `Add \`${d.data.insert}\``,
        kind: CodeActionKind.QuickFix,
        diagnostics: [d],
        isPreferred: true,
        edit: { changes: { [uri]: [edit] } },
      });
      continue;
    }
    const data = (d.data ?? {}) as { variable?: unknown; param?: unknown; columns?: unknown };
    if (codeText === 'scaling.no-compute' && typeof data.variable === 'string') {
      const insert = `compute ${data.variable} = 6 * N * D`;
      actions.push({
        title: `Declare \`${insert}\``,
        kind: CodeActionKind.QuickFix,
        diagnostics: [d],
        isPreferred: true,
        edit: { changes: { [uri]: [insertLine(analysis, { insert, offset: 0 })] } },
      });
      continue;
    }
    if (codeText === 'scaling.undeclared-param' && typeof data.param === 'string') {
      const edit = declareParam(analysis, d, data.param);
      if (edit) {
        actions.push({
          title: `Declare \`param ${data.param}\` with bounds and a start grid`,
          kind: CodeActionKind.QuickFix,
          diagnostics: [d],
          isPreferred: true,
          edit: { changes: { [uri]: [edit] } },
        });
      }
      continue;
    }
    const replacements: string[] = [];
    const message = typeof d.message === 'string' ? d.message : d.message.value;
    const hint = /did you mean '([^']+)'\?/.exec(message)?.[1];
    if (codeText === 'scaling.unknown-column' && Array.isArray(data.columns)) {
      replacements.push(...rankColumns(analysis, d, data.columns.map(String)).slice(0, 6));
    } else if (hint) replacements.push(hint);
    // Only what the language reads back: a name, or a string in its own quoting (not JSON's).
    const written = replacements.flatMap((r) => {
      const newText = nameOrString(r);
      return newText === undefined ? [] : [{ r, newText }];
    });
    written.forEach(({ r, newText }, i) => {
      actions.push({
        title: `Change to '${r}'`,
        kind: CodeActionKind.QuickFix,
        diagnostics: [d],
        isPreferred: i === 0,
        edit: { changes: { [uri]: [{ range: d.range, newText }] } },
      });
    });
  }
  return actions;
}

/** Column names that say what a variable means (lower case, without separators). */
const MEANINGS: Record<string, string[]> = {
  N: ['params', 'nparams', 'parameters', 'nimplied', 'modelsize', 'size', 'n'],
  D: ['tokens', 'traintokens', 'ntokens', 'data', 'dataset', 'd'],
  L: ['loss', 'valloss', 'evalloss', 'validationloss', 'finalloss', 'trainloss', 'l'],
  C: ['flops', 'compute', 'budget', 'c'],
};
const squash = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');

/**
 * Columns for an unknown column mapping, best first: unmapped before mapped, then those whose name
 * says what the variable means (`loss` for L), then by spelling (edit distance).
 */
function rankColumns(analysis: Analysis, d: LspDiagnostic, columns: string[]): string[] {
  const offset = analysis.lines.offset(d.range.start.line, d.range.start.character);
  const dataset = analysis.parsed.file.statements.find(
    (s): s is A.DatasetDecl => s.kind === 'Dataset' && s.range.start <= offset && offset <= s.range.end,
  );
  const mapping = dataset?.columns.find((m) => m.column.range.start <= offset && offset <= m.column.range.end);
  const mapped = new Set(
    (dataset?.columns ?? [])
      .filter((m) => m !== mapping)
      .map((m) => (m.column.kind === 'Name' ? m.column.text : m.column.value)),
  );
  const meanings = (mapping && MEANINGS[mapping.variable.text]) ?? [];
  const current = sliceRange(analysis, d).replace(/^"|"$/g, '');
  const spelled = closest(current, columns);
  const score = (c: string) => {
    const meaning = meanings.indexOf(squash(c));
    return [mapped.has(c) ? 1 : 0, meaning >= 0 ? meaning : meanings.length + (c === spelled ? 0 : 1)];
  };
  return [...columns]
    .map((c, i) => ({ c, i, s: score(c) }))
    .sort((a, b) => a.s[0] - b.s[0] || a.s[1] - b.s[1] || a.i - b.i)
    .map((x) => x.c);
}

/**
 * A `param` line for a parameter of a law, inside the law's block (or a new block after the law):
 * an exponent (a power's right side, or a Greek name) in [0, 3] with a grid 0..2; an irreducible
 * term E in (0, 10) with a log grid around 1; an amplitude in (0, inf) with a log grid up to e^25,
 * as Hoffmann et al.'s grid does.
 */
function declareParam(analysis: Analysis, d: LspDiagnostic, name: string): TextEdit | undefined {
  const offset = analysis.lines.offset(d.range.start.line, d.range.start.character);
  const law = analysis.parsed.file.statements.find(
    (s): s is A.LawDecl => s.kind === 'Law' && s.range.start <= offset && offset <= s.range.end,
  );
  if (!law) return undefined;
  const source = analysis.text.slice(law.range.start, law.bodyRange?.start ?? law.range.end);
  // The names right after a `^` (a literal pattern: the hardening test checks every regex is linear).
  const powers = [...source.matchAll(/\^[\s(-]*([A-Za-z_]\w*)/g)].map((m) => m[1]);
  const exponent = powers.includes(name) || /^(alpha|beta|gamma|delta|nu|mu)(_\w+)?$/i.test(name);
  const line = exponent
    ? `param ${name} in [0, 3] init grid 0..2 by 0.5`
    : /^E(_\w+)?$/.test(name)
      ? `param ${name} in (0, 10) init grid -1..1 by 0.5 log`
      : `param ${name} in (0, inf) init grid 0..25 by 5 log`;
  if (law.bodyRange) return insertLine(analysis, { insert: line, offset: law.bodyRange.end - 1 });
  const end = analysis.lines.position(law.range.end);
  return { range: { start: end, end }, newText: ` {\n  ${line}\n}` };
}

function sliceRange(analysis: Analysis, d: LspDiagnostic): string {
  const start = analysis.lines.offset(d.range.start.line, d.range.start.character);
  const end = analysis.lines.offset(d.range.end.line, d.range.end.character);
  return analysis.text.slice(start, end);
}

/** The edit that inserts a checklist line: before a law's closing brace, or at the top of the file. */
export function insertLine(analysis: Analysis, data: InsertData): TextEdit {
  const text = analysis.text;
  const offset = Math.max(0, Math.min(data.offset, text.length));
  if (offset === 0 || !text.startsWith('}', offset)) {
    // At the top: after the `study` line when there is one, else at the very start.
    const study = analysis.parsed.file.statements.find((s) => s.kind === 'Study');
    if (offset === 0 && study) {
      const line = analysis.lines.position(study.range.end).line + 1;
      const pos = { line, character: 0 };
      const atEnd = line >= analysis.lines.lineCount;
      return { range: { start: pos, end: pos }, newText: `${atEnd ? '\n' : ''}${data.insert}\n` };
    }
    const pos = analysis.lines.position(offset);
    return { range: { start: pos, end: pos }, newText: `${data.insert}\n` };
  }
  const bracePos = analysis.lines.position(offset);
  const lineStart = analysis.lines.lineStart(bracePos.line);
  const before = text.slice(lineStart, offset);
  const braceIndent = /^[ \t]*/.exec(before)![0];
  // The body's indentation: the previous non-empty line inside the block, or the brace's plus two.
  let indent = braceIndent + '  ';
  for (let l = bracePos.line - 1; l >= 0; l--) {
    const s = analysis.lines.lineStart(l);
    const e = analysis.lines.lineStart(l + 1);
    const t = text.slice(s, e).replace(/\r?\n$/, '');
    if (t.trim() === '') continue;
    if (!t.trimEnd().endsWith('{')) indent = /^[ \t]*/.exec(t)![0];
    break;
  }
  if (before.trim() === '') {
    // `}` on its own line: a new line above it.
    const pos = { line: bracePos.line, character: 0 };
    return { range: { start: pos, end: pos }, newText: `${indent}${data.insert}\n` };
  }
  // `{ fit sweep }` on one line: break before the brace.
  const lineIndent = /^[ \t]*/.exec(text.slice(lineStart))![0];
  const trimmedEnd = before.length - before.trimEnd().length;
  const start = analysis.lines.position(offset - trimmedEnd);
  return {
    range: { start, end: bracePos },
    newText: `\n${lineIndent}  ${data.insert}\n${lineIndent}`,
  };
}

/**
 * "Treat as missing": empties the bad cell in the CSV/TSV row the diagnostic links to (its related
 * information), so the row becomes one with a missing value (left out of the law, with a warning).
 * Offered only when the cell at that row and column still reads what the diagnostic says.
 */
function treatAsMissing(d: LspDiagnostic, readData: DataTextReader): CodeAction | undefined {
  const data = (d.data ?? {}) as { column?: unknown; cell?: unknown };
  const where = d.relatedInformation?.[0]?.location;
  if (typeof data.column !== 'string' || typeof data.cell !== 'string' || !where) return undefined;
  const text = readData(where.uri);
  if (text === undefined) return undefined;
  const delimiter = /\.tsv$/i.test(where.uri) ? '\t' : ',';
  const lines = text.split('\n');
  const row = where.range.start.line;
  if (row < 1 || row >= lines.length) return undefined;
  const column = fieldsOf(lines[0].replace(/\r$/, ''), delimiter).findIndex((f) => f.value === data.column);
  const cell = column < 0 ? undefined : fieldsOf(lines[row].replace(/\r$/, ''), delimiter)[column];
  if (!cell || cell.value.trim() !== data.cell.trim()) return undefined;
  const file = decodeURIComponent(where.uri.split('/').pop() ?? where.uri);
  return {
    title: `Treat '${data.cell}' as missing (empty the cell in ${file} line ${row + 1})`,
    kind: CodeActionKind.QuickFix,
    diagnostics: [d],
    edit: {
      changes: {
        [where.uri]: [
          {
            range: { start: { line: row, character: cell.start }, end: { line: row, character: cell.end } },
            newText: '',
          },
        ],
      },
    },
  };
}

/** The fields of one CSV line with their character ranges (quotes allowed; "" is a quote inside). */
export function fieldsOf(line: string, delimiter: string): { value: string; start: number; end: number }[] {
  const out: { value: string; start: number; end: number }[] = [];
  let i = 0;
  for (;;) {
    const start = i;
    let value = '';
    if (line[i] === '"') {
      i++;
      for (; i < line.length; i++) {
        if (line[i] !== '"') value += line[i];
        else if (line[i + 1] === '"') value += line[i++];
        else break;
      }
      i++;
      while (i < line.length && line[i] !== delimiter) value += line[i++];
    } else {
      while (i < line.length && line[i] !== delimiter) value += line[i++];
    }
    out.push({ value, start, end: Math.min(i, line.length) });
    if (i >= line.length) return out;
    i++;
  }
}
