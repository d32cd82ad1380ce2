// Core diagnostics → LSP diagnostics: ranges through the LineIndex, the stable code, our source,
// the severity mapping, the quick-fix payload kept in `data`.
import type { Diagnostic as LspDiagnostic } from 'vscode-languageserver';
import { DiagnosticSeverity, DiagnosticTag } from 'vscode-languageserver';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Diagnostic, Severity } from '../core/diagnostics';
import type { LineIndex } from '../core/syntax/lineIndex';
import type { Range as OffsetRange } from '../core/syntax/ast';
import type { Range } from 'vscode-languageserver';

export const SOURCE = 'scaling-studio';

let docsUrl: string | null | undefined;

/** docs/diagnostics.md, found above this file (dist/ in the extension, server/src/lsp/ in tests). */
function diagnosticsDoc(): string | null {
  if (docsUrl !== undefined) return docsUrl;
  docsUrl = null;
  for (let dir = __dirname; path.dirname(dir) !== dir; dir = path.dirname(dir)) {
    const file = path.join(dir, 'docs', 'diagnostics.md');
    if (fs.existsSync(file)) {
      docsUrl = pathToFileURL(file).href;
      break;
    }
  }
  return docsUrl;
}

/** The anchor of a code's entry in docs/diagnostics.md (a heading `## scaling.unknown-name`). */
export function diagnosticAnchor(code: string): string {
  return code.toLowerCase().replace(/[^a-z0-9 -]/g, '');
}

/** Where a code's entry is: what it means, why it matters, how to fix it. */
export function diagnosticHref(code: string): string | undefined {
  const doc = diagnosticsDoc();
  return doc && code.startsWith('scaling.') ? `${doc}#${diagnosticAnchor(code)}` : undefined;
}

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
  const href = diagnosticHref(d.code);
  if (href) out.codeDescription = { href };
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
