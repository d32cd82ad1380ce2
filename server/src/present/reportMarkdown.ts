// The report as Markdown: the document model of reportDocument.ts, rendered. Pure: the CLI
// (`fit --report FILE.md`) and Export Report use it.
import { capLines } from './lineCap';
import * as path from 'node:path';
import type { StudyResults } from '../core/results';
import type { Analysis } from '../core/study';
import { buildReportDocument, type Block, type Inline, type ReportMeta } from './reportDocument';

/**
 * User text (titles, names, messages) as Markdown text: HTML is entity-escaped (Markdown renderers
 * pass raw HTML through) and link/emphasis/table syntax is backslash-escaped.
 */
function text(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/[\\|[\]()*_`!#]/g, (c) => `\\${c}`)
    .replace(/\r?\n/g, ' ');
}

/** A code span: backticks cannot be escaped inside one, so the fence is longer than any run in it. */
function codeSpan(s: string): string {
  const clean = s.replace(/\r?\n/g, ' ');
  const longest = Math.max(0, ...(clean.match(/`+/g) ?? []).map((r) => r.length));
  const fence = '`'.repeat(longest + 1);
  const pad = clean.startsWith('`') || clean.endsWith('`') ? ' ' : '';
  // A `|` ends a table cell even inside a code span.
  return `${fence}${pad}${clean.replace(/\|/g, '\\|')}${pad}${fence}`;
}

function inline(parts: Inline): string {
  return parts.map((p) => (typeof p === 'string' ? text(p) : codeSpan(p.code))).join('');
}

function block(b: Block): string[] {
  switch (b.kind) {
    case 'heading':
      return [`${'#'.repeat(b.level)} ${text(b.text)}`, ''];
    case 'paragraph':
      return [inline(b.text), ''];
    case 'list':
      return [...b.items.map((i) => `- ${inline(i)}`), ''];
    case 'checklist':
      return [...b.items.map((i) => `- ${i.ok ? '[x]' : '[ ]'} ${inline(i.text)}`), ''];
    case 'table':
      return [
        `| ${b.head.map(text).join(' | ')} |`,
        `|${b.numeric.map((n) => (n ? '---:' : '---')).join('|')}|`,
        ...b.rows.map((r) => `| ${r.map(inline).join(' | ')} |`),
        '',
      ];
    case 'source': {
      const longest = Math.max(2, ...(b.text.match(/`+/g) ?? []).map((r) => r.length));
      const fence = '`'.repeat(longest + 1);
      return [`${fence}scaling`, b.text.replace(/\n$/, ''), fence, ''];
    }
    case 'plots':
      return ['The plots are in the HTML report (`fit --report FILE.html`).', ''];
  }
}

export function buildMarkdownReport(analysis: Analysis, results: StudyResults, meta: ReportMeta = {}): string {
  const doc = buildReportDocument(analysis, results, meta);
  const out = [`# ${text(doc.title)}`, ''];
  for (const m of doc.meta) out.push(`${inline(m)}  `);
  out.push('');
  for (const b of doc.blocks) out.push(...block(b));
  // A 100,000-character name must not make a 100,000-character line (issue 15).
  return capLines(out.join('\n'), MAX_REPORT_LINE, Infinity);
}

/** The longest line of the Markdown report; longer ones keep their start and end in "…". */
export const MAX_REPORT_LINE = 2_000;

/** Where Export Report writes: next to the study, `NAME.report.md`. */
export function reportPath(studyPath: string, ext = '.md'): string {
  const dir = path.dirname(studyPath);
  const base = path.basename(studyPath).replace(/\.scaling$/, '');
  return path.join(dir, `${base}.report${ext}`);
}
