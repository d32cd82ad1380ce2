// Core diagnostics → LSP diagnostics: ranges through the LineIndex, the stable code, our source,
// the severity mapping, the quick-fix payload kept in `data`.
import type { Diagnostic as LspDiagnostic } from 'vscode-languageserver';
import { DiagnosticSeverity, DiagnosticTag } from 'vscode-languageserver';
import { pathToFileURL } from 'node:url';
import type { Diagnostic, Severity } from '../core/diagnostics';
import type { LineIndex } from '../core/syntax/lineIndex';
import type { Range as OffsetRange } from '../core/syntax/ast';
import type { Range } from 'vscode-languageserver';

export const SOURCE = 'scaling-studio';

const SEVERITY: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  info: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

export function toRange(range: OffsetRange, lines: LineIndex): Range {
  return { start: lines.position(range.start), end: lines.position(Math.max(range.start, range.end)) };
}

export function toLspDiagnostic(d: Diagnostic, lines: LineIndex): LspDiagnostic {
  const out: LspDiagnostic = {
    range: toRange(d.range, lines),
    severity: SEVERITY[d.severity] ?? DiagnosticSeverity.Error,
    code: d.code,
    source: SOURCE,
    message: d.message,
  };
  if (d.data !== undefined) out.data = d.data;
  if (d.code === 'scaling.unused-variable') out.tags = [DiagnosticTag.Unnecessary];
  if (d.file) {
    try {
      const line = Math.max(0, d.file.line - 1);
      out.relatedInformation = [
        {
          location: {
            uri: pathToFileURL(d.file.path).toString(),
            range: { start: { line, character: 0 }, end: { line, character: 0 } },
          },
          message: `${d.file.path.split(/[\\/]/).pop()} line ${d.file.line}`,
        },
      ];
    } catch {
      // a path that is not a file path: no related location
    }
  }
  return out;
}

/**
 * The diagnostics of one document version: the analysis' own, plus the fit's (engine errors on
 * their law) when a fit of this very version is known. Identical diagnostics are reported once.
 */
export function documentDiagnostics(
  analysisDiagnostics: Diagnostic[],
  lines: LineIndex,
  fitDiagnostics: Diagnostic[] = [],
): LspDiagnostic[] {
  const seen = new Set<string>();
  const out: LspDiagnostic[] = [];
  for (const d of [...analysisDiagnostics, ...fitDiagnostics]) {
    const key = `${d.code}|${d.range.start}|${d.range.end}|${d.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(toLspDiagnostic(d, lines));
  }
  return out;
}
