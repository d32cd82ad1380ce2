// Quick fixes: checklist hints insert their missing line (objective, holdout, uncertainty inside
// the law block, `compute` at the top); "did you mean" diagnostics replace the name.
import type { CodeAction, Diagnostic as LspDiagnostic, TextEdit } from 'vscode-languageserver';
import { CodeActionKind } from 'vscode-languageserver';
import type { Analysis } from '../core/study';
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

export function codeActions(analysis: Analysis, uri: string, diagnostics: LspDiagnostic[]): CodeAction[] {
  const actions: CodeAction[] = [];
  for (const d of diagnostics) {
    const codeText = typeof d.code === 'string' ? d.code : '';
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
    const replacements: string[] = [];
    const message = typeof d.message === 'string' ? d.message : d.message.value;
    const hint = /did you mean '([^']+)'\?/.exec(message)?.[1];
    if (hint) replacements.push(hint);
    const columns = (d.data as { columns?: unknown } | undefined)?.columns;
    if (codeText === 'scaling.unknown-column' && Array.isArray(columns)) {
      const current = sliceRange(analysis, d).replace(/^"|"$/g, '');
      const best = closest(current, columns.map(String));
      if (best && !replacements.includes(best)) replacements.unshift(best);
      for (const c of columns.map(String))
        if (replacements.length < 6 && !replacements.includes(c)) replacements.push(c);
    }
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
