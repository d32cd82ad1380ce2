// Format Document: normalises spacing and indentation, aligns run-table columns and trailing
// comments. It re-spaces the existing tokens line by line and never adds, drops or merges a
// token, so the meaning cannot change; comments are copied verbatim. Lines with a syntax error
// are only re-indented.
import type { RunsDecl } from './ast';
import { lex, type Token } from './lexer';
import { parse, type ParseResult } from './parser';

interface FormatOptions {
  indent: string;
}

interface Line {
  tokens: Token[]; // code tokens of this line (no newline, no comment)
  comment: string | undefined;
  depth: number; // block depth before the line's first token
  continuation: boolean; // continues a formula from the previous line
  hasError: boolean;
  original: string;
}

const NO_SPACE_BEFORE = new Set([')', ']', ',', ':', '^', '..']);
const NO_SPACE_AFTER = new Set(['(', '[', '^', '..']);
const CONTINUES = new Set(['+', '-', '*', '/', '^', ',', '(', '[', '=', '<', '<=', '>', '>=', '==', '!=', 'and', 'or']);

export function format(
  text: string,
  options: FormatOptions = { indent: '  ' },
  parsed: ParseResult = parse(text),
): string {
  const lines = splitLines(text, parsed);
  const runsRows = runTableLines(parsed);
  const out: string[] = [];
  const rendered: Rendered[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const indent = options.indent.repeat(Math.max(0, line.depth)) + (line.continuation ? options.indent.repeat(2) : '');
    // A line with a syntax error keeps its code as written, from its first token to its last.
    const code = line.hasError ? verbatim(line, text) : renderTokens(line.tokens, parsed, text);
    rendered.push({ code, comment: line.comment?.trimEnd(), indent });
  }
  alignParams(rendered, lines, parsed, text);
  alignRunTables(rendered, lines, runsRows, parsed);
  alignTrailingComments(rendered);
  let blank = 0;
  for (const r of rendered) {
    if (r.code === '' && r.comment === undefined) {
      blank++;
      continue;
    }
    if (blank > 0 && out.length > 0) out.push('');
    blank = 0;
    const body =
      r.code === '' ? (r.comment ?? '') : r.comment !== undefined ? `${r.code}${r.gap ?? '  '}${r.comment}` : r.code;
    out.push(r.indent + body);
  }
  // The file's own line ending (its first) and byte-order mark are kept: the edit replaces the whole
  // document, and an editor that does not normalise would otherwise turn CRLF into LF.
  const bom = text.charCodeAt(0) === 0xfeff ? '\uFEFF' : '';
  const firstBreak = text.indexOf('\n');
  const eol = firstBreak > 0 && text[firstBreak - 1] === '\r' ? '\r\n' : '\n';
  return out.length === 0 ? bom : bom + out.join(eol) + eol;
}

function verbatim(line: Line, text: string): string {
  const { tokens } = line;
  return tokens.length === 0 ? '' : text.slice(tokens[0].start, tokens[tokens.length - 1].end);
}

function splitLines(text: string, parsed: ParseResult): Line[] {
  const { tokens } = lex(text);
  const comments = parsed.comments;
  const lines: Line[] = [];
  const errorStarts = parsed.diagnostics.map((d) => d.range.start).sort((a, b) => a - b);
  let errorIndex = 0; // lines come in order: one pass over the sorted error offsets
  let current: Token[] = [];
  let depth = 0;
  let parenDepth = 0;
  let lineStart = 0;
  let commentIndex = 0;
  let previousLast: Token | undefined;
  const flush = (end: number) => {
    let comment: string | undefined;
    while (commentIndex < comments.length && comments[commentIndex].range.start < end) {
      if (comments[commentIndex].range.start >= lineStart) comment = comments[commentIndex].text;
      commentIndex++;
    }
    const first = current.length > 0 && current[0].kind === 'punct' ? current[0].text : '';
    const closes = first === '}';
    const startDepth = closes ? depth - 1 : depth;
    // A line that starts with `}`, `)` or `]` lines up with the line that opened it.
    const continuation =
      current.length > 0 &&
      !closes &&
      !(first === ')' || first === ']') &&
      (parenDepth > 0 ||
        (previousLast !== undefined && CONTINUES.has(previousLast.text) && previousLast.kind === 'punct') ||
        isWordOperator(previousLast));
    let hasError = false;
    while (errorIndex < errorStarts.length && errorStarts[errorIndex] < lineStart) errorIndex++;
    if (errorIndex < errorStarts.length && errorStarts[errorIndex] <= end) hasError = true;
    lines.push({
      tokens: current,
      comment,
      depth: startDepth,
      continuation,
      hasError,
      original: text.slice(lineStart, end),
    });
    for (const t of current) {
      if (t.kind !== 'punct') continue;
      if (t.text === '{') depth++;
      else if (t.text === '}') depth = Math.max(0, depth - 1);
      else if (t.text === '(' || t.text === '[') parenDepth++;
      else if ((t.text === ')' || t.text === ']') && parenDepth > 0) parenDepth--;
    }
    if (current.length > 0) previousLast = current[current.length - 1];
    current = [];
  };
  for (const t of tokens) {
    if (t.kind === 'newline' || t.kind === 'eof') {
      flush(t.start);
      lineStart = t.end;
      if (t.kind === 'eof') break;
      continue;
    }
    current.push(t);
  }
  return lines;
}

function isWordOperator(t: Token | undefined): boolean {
  return t !== undefined && t.kind === 'ident' && (t.text === 'and' || t.text === 'or');
}

function renderTokens(tokens: Token[], parsed: ParseResult, text: string): string {
  let out = '';
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (i > 0) out += gapBetween(tokens[i - 1], t, parsed, text);
    out += t.text;
  }
  return out;
}

function gapBetween(prev: Token, t: Token, parsed: ParseResult, text: string): string {
  // Unknown characters keep their original spacing: we don't know what they mean.
  if (prev.kind === 'bad' || t.kind === 'bad') return text.slice(prev.end, t.start);
  if (t.kind === 'punct' && NO_SPACE_BEFORE.has(t.text)) return '';
  if (prev.kind === 'punct' && NO_SPACE_AFTER.has(prev.text)) return '';
  if (prev.kind === 'punct' && parsed.unarySigns.has(prev.start)) return '';
  if (t.kind === 'punct' && t.text === '(' && parsed.callParens.has(t.start)) return '';
  // Two tokens that would fuse if written together keep a space (e.g. `1` `B` is not `1B`).
  return ' ';
}

function runTableLines(parsed: ParseResult): Map<number, RunsDecl> {
  // Maps the offset of the first token of each header/row line to its table. A header written
  // on the `{` line is not a line of its own and stays as it is.
  const map = new Map<number, RunsDecl>();
  for (const s of parsed.file.statements) {
    if (s.kind !== 'Runs' || s.header.length === 0) continue;
    map.set(s.header[0].range.start, s);
    for (const row of s.rows) map.set(row.range.start, s);
  }
  return map;
}

interface Rendered {
  code: string;
  comment: string | undefined;
  indent: string;
  gap?: string;
}

function alignRunTables(rendered: Rendered[], lines: Line[], rows: Map<number, RunsDecl>, parsed: ParseResult): void {
  // Group the lines of each table, split them into cells, pad every column to its widest cell.
  const groups = new Map<RunsDecl, number[]>();
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.tokens.length === 0 || line.hasError) continue;
    const table = rows.get(line.tokens[0].start);
    if (!table) continue;
    const list = groups.get(table) ?? [];
    list.push(i);
    groups.set(table, list);
  }
  for (const indices of groups.values()) {
    const cellRows = indices.map((i) => splitCells(lines[i].tokens, parsed));
    const widths: number[] = [];
    for (const cells of cellRows) cells.forEach((c, k) => (widths[k] = Math.max(widths[k] ?? 0, c.length)));
    indices.forEach((lineIndex, r) => {
      const cells = cellRows[r];
      rendered[lineIndex].code = cells
        .map((c, k) => (k === cells.length - 1 || cells[k + 1] === '}' ? c : c.padEnd(widths[k] + 2)))
        .join('')
        .trimEnd();
    });
  }
}

/**
 * Consecutive one-line `param` clauses get their names and bounds in columns, as the language
 * sketch writes them:
 *   param E     in (0, 10)   init grid -1..1 by 0.5 log
 *   param alpha in [0, 3]    init grid 0..2 by 0.5
 * The widths come from the re-spaced tokens, not from the original spacing, so it is idempotent.
 */
function alignParams(rendered: Rendered[], lines: Line[], parsed: ParseResult, text: string): void {
  let i = 0;
  while (i < lines.length) {
    let j = i;
    const group: ParamColumns[] = [];
    while (j < lines.length) {
      const columns = paramColumns(lines, j, parsed, text);
      if (!columns) break;
      group.push(columns);
      j++;
    }
    if (group.length >= 2) {
      const nameWidth = Math.max(...group.map((g) => g.head.length));
      const boundsWidth = Math.max(
        0,
        ...group.map((g) => (g.bounds !== undefined && g.initFollows ? g.bounds.length : 0)),
      );
      group.forEach((g, k) => {
        let code = g.head.padEnd(nameWidth + 1);
        if (g.bounds !== undefined)
          code += g.rest === '' ? g.bounds : g.bounds.padEnd(g.initFollows ? boundsWidth + 2 : g.bounds.length + 1);
        code += g.rest;
        rendered[i + k].code = code.trimEnd();
      });
    }
    i = Math.max(j, i + 1);
  }
}

interface ParamColumns {
  head: string; // `param NAME`
  bounds: string | undefined; // `in (0, 10)`
  initFollows: boolean; // the rest starts with `init`
  rest: string;
}

function paramColumns(lines: Line[], index: number, parsed: ParseResult, text: string): ParamColumns | undefined {
  const line = lines[index];
  const t = line.tokens;
  if (
    line.hasError ||
    line.continuation ||
    t.length < 3 ||
    t[0].kind !== 'ident' ||
    t[0].text !== 'param' ||
    t[1].kind !== 'ident'
  )
    return undefined;
  if (index + 1 < lines.length && lines[index + 1].continuation) return undefined;
  if (t.some((x) => x.kind === 'bad')) return undefined;
  const head = renderTokens(t.slice(0, 2), parsed, text);
  let restFrom = 2;
  let bounds: string | undefined;
  if (t[2].kind === 'ident' && t[2].text === 'in') {
    let depth = 0;
    let k = 3;
    for (; k < t.length; k++) {
      const x = t[k];
      if (x.kind !== 'punct') continue;
      if (x.text === '(' || x.text === '[') depth++;
      else if (x.text === ')' || x.text === ']') {
        depth--;
        if (depth <= 0) break;
      }
    }
    if (k >= t.length) return undefined;
    bounds = renderTokens(t.slice(2, k + 1), parsed, text);
    restFrom = k + 1;
  }
  const restTokens = t.slice(restFrom);
  const initFollows = restTokens.length > 0 && restTokens[0].kind === 'ident' && restTokens[0].text === 'init';
  return { head, bounds, initFollows, rest: renderTokens(restTokens, parsed, text) };
}

function splitCells(tokens: Token[], parsed: ParseResult): string[] {
  const cells: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t.kind === 'punct' && parsed.unarySigns.has(t.start) && i + 1 < tokens.length) {
      cells.push(t.text + tokens[i + 1].text);
      i++;
    } else cells.push(t.text);
  }
  // A closing brace on the last row stays one space after it.
  if (cells.length > 1 && cells[cells.length - 1] === '}') {
    const last = cells.pop() as string;
    cells[cells.length - 1] += ' ' + last;
  }
  return cells;
}

/** Consecutive lines at one indentation that each end in a comment get their comments in one column. */
function alignTrailingComments(rendered: Rendered[]): void {
  let i = 0;
  while (i < rendered.length) {
    if (rendered[i].code === '' || rendered[i].comment === undefined) {
      i++;
      continue;
    }
    let j = i;
    let width = 0;
    while (
      j < rendered.length &&
      rendered[j].code !== '' &&
      rendered[j].comment !== undefined &&
      rendered[j].indent === rendered[i].indent
    ) {
      width = Math.max(width, rendered[j].indent.length + rendered[j].code.length);
      j++;
    }
    for (let k = i; k < j; k++) {
      rendered[k].gap = ' '.repeat(width - rendered[k].indent.length - rendered[k].code.length + 2);
    }
    i = j;
  }
}
