// No cascades: once a statement has a syntax error, the follow-on complaints about it are noise.
// Drops (1) non-syntax errors inside a statement that has a syntax error, and (2) errors elsewhere
// that name what a broken statement declares (a broken `compute C = …` makes every use of C "unknown").
import type { Diagnostic } from '../diagnostics';
import type { ParseResult } from '../syntax/parser';

export function withoutCascades(diagnostics: Diagnostic[], parsed: ParseResult, text: string): Diagnostic[] {
  const syntax = diagnostics.filter((d) => d.code === 'scaling.syntax');
  if (syntax.length === 0) return diagnostics;
  const broken = parsed.file.statements.filter((s) =>
    syntax.some((d) => s.range.start <= d.range.start && d.range.start <= s.range.end),
  );
  const names = new Set<string>();
  for (const s of broken) {
    if ('name' in s && s.name && typeof s.name === 'object' && 'text' in s.name) names.add(s.name.text);
  }
  // A statement the parser abandoned is not in the tree: read the declared name from its line.
  for (const d of syntax) {
    const lineStart = text.lastIndexOf('\n', d.range.start - 1) + 1;
    const m = /^\s*(?:compute|dataset|runs|law|isoflop|sweep)\s+([A-Za-z_][A-Za-z0-9_]*)/.exec(
      text.slice(lineStart, lineStart + 200),
    );
    if (m) names.add(m[1]);
  }
  return diagnostics.filter((d) => {
    if (d.code === 'scaling.syntax' || d.severity !== 'error') return true;
    if (broken.some((s) => s.range.start <= d.range.start && d.range.end <= s.range.end)) return false;
    for (const n of names) if (d.message.includes(`'${n}'`)) return false;
    return true;
  });
}
