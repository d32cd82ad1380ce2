// Document symbols (the outline) and folding ranges (blocks and runs of comment lines).
import type { DocumentSymbol, FoldingRange } from 'vscode-languageserver';
import { FoldingRangeKind, SymbolKind } from 'vscode-languageserver';
import type * as A from '../core/syntax/ast';
import type { Analysis } from '../core/study';
import { exprToString } from '../core/semantics/evaluate';
import { toRange } from './diagnostics';

export function documentSymbols(analysis: Analysis): DocumentSymbol[] {
  const out: DocumentSymbol[] = [];
  const sym = (
    name: string,
    kind: SymbolKind,
    range: A.Range,
    selection: A.Range,
    detail?: string,
    children?: DocumentSymbol[],
  ): DocumentSymbol => ({
    name: name || '?',
    kind,
    range: toRange(range, analysis.lines),
    selectionRange: toRange(selection, analysis.lines),
    ...(detail ? { detail } : {}),
    ...(children && children.length > 0 ? { children } : {}),
  });
  for (const s of analysis.parsed.file.statements) {
    switch (s.kind) {
      case 'Study':
        out.push(sym(s.title?.value ?? 'study', SymbolKind.File, s.range, s.title?.range ?? s.range, 'study'));
        break;
      case 'Compute':
        if (s.name)
          out.push(
            sym(
              s.name.text,
              SymbolKind.Variable,
              s.range,
              s.name.range,
              s.formula ? `= ${exprToString(s.formula)}` : 'compute',
            ),
          );
        break;
      case 'Dataset':
        if (s.name)
          out.push(
            sym(
              s.name.text,
              SymbolKind.Module,
              s.range,
              s.name.range,
              s.path ? `${s.format?.text ?? 'csv'}("${s.path.value}")` : 'dataset',
              s.columns.map((c) =>
                sym(
                  c.variable.text,
                  SymbolKind.Field,
                  c.range,
                  c.variable.range,
                  c.column.kind === 'Name' ? c.column.text : c.column.value,
                ),
              ),
            ),
          );
        break;
      case 'Runs':
        if (s.name)
          out.push(
            sym(
              s.name.text,
              SymbolKind.Module,
              s.range,
              s.name.range,
              `${s.rows.length} runs: ${s.header.map((h) => h.text).join(' ')}`,
            ),
          );
        break;
      case 'Law':
        if (s.name)
          out.push(
            sym(
              s.name.text,
              SymbolKind.Function,
              s.range,
              s.name.range,
              s.formula ? `${s.target ? `${s.target.text} = ` : ''}${exprToString(s.formula)}` : 'law',
              s.body
                .filter((b): b is A.ParamClause => b.kind === 'Param')
                .map((p) => sym(p.name.text, SymbolKind.TypeParameter, p.range, p.name.range, 'param')),
            ),
          );
        break;
      case 'Isoflop':
        if (s.name) out.push(sym(s.name.text, SymbolKind.Function, s.range, s.name.range, s.keyword));
        break;
      case 'Sweep':
        if (s.name) out.push(sym(s.name.text, SymbolKind.Function, s.range, s.name.range, 'sweep'));
        break;
      case 'Predict':
        out.push(sym(`predict ${s.law?.text ?? ''}`.trim(), SymbolKind.Event, s.range, s.law?.range ?? s.range));
        break;
      case 'Optimize':
        out.push(sym(`optimize ${s.law?.text ?? ''}`.trim(), SymbolKind.Event, s.range, s.law?.range ?? s.range));
        break;
      case 'Frontier':
        out.push(sym(`frontier ${s.law?.text ?? ''}`.trim(), SymbolKind.Event, s.range, s.law?.range ?? s.range));
        break;
      case 'Plan':
        out.push(sym(`plan ${s.law?.text ?? ''}`.trim(), SymbolKind.Event, s.range, s.law?.range ?? s.range));
        break;
      case 'Compare':
        out.push(
          sym(
            s.name?.text ?? `compare ${s.laws.map((l) => l.text).join(', ')}`,
            SymbolKind.Event,
            s.range,
            s.name?.range ?? s.laws[0]?.range ?? s.range,
          ),
        );
        break;
      case 'Plot':
        out.push(sym(`plot ${s.subject?.text ?? ''}`.trim(), SymbolKind.Event, s.range, s.subject?.range ?? s.range));
        break;
    }
  }
  return out;
}

export function foldingRanges(analysis: Analysis): FoldingRange[] {
  const out: FoldingRange[] = [];
  const lines = analysis.lines;
  for (const s of analysis.parsed.file.statements) {
    const start = lines.position(s.range.start).line;
    const end = lines.position(s.range.end).line;
    // Fold up to the line before the closing brace so the brace stays visible, as VS Code does.
    if (end > start) out.push({ startLine: start, endLine: Math.max(start, end - 1) });
  }
  // Runs of whole-line comments.
  let runStart = -1;
  let runEnd = -1;
  const flush = () => {
    if (runStart >= 0 && runEnd > runStart)
      out.push({ startLine: runStart, endLine: runEnd, kind: FoldingRangeKind.Comment });
    runStart = runEnd = -1;
  };
  for (const c of analysis.parsed.comments) {
    const p = lines.position(c.range.start);
    const wholeLine = analysis.text.slice(lines.lineStart(p.line), c.range.start).trim() === '';
    if (!wholeLine) {
      flush();
      continue;
    }
    if (runStart >= 0 && p.line === runEnd + 1) runEnd = p.line;
    else {
      flush();
      runStart = runEnd = p.line;
    }
  }
  flush();
  return out;
}
