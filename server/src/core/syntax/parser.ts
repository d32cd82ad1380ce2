// A recursive-descent parser for study files. Statements are lines; blocks are `{ … }` with one
// item per line. On an error the parser reports once, skips to the next line or block boundary,
// and goes on, so one typo gives one diagnostic and the rest of the file still parses.
import type * as A from './ast';
import type { Diagnostic } from '../diagnostics';
import { SyntaxFailure } from './cursor';
import { ExpressionParser } from './expressions';
import {
  DATA_FORMATS,
  ENVELOPE_KEYWORDS,
  ISOFLOP_KEYWORDS,
  LAW_KEYWORDS,
  MINIMUM_METHODS,
  SWEEP_KEYWORDS,
  TOP_LEVEL_KEYWORDS,
} from './keywords';
import type { Token } from './lexer';
import type { Elision } from './lineIndex';
import { describe, listOr, suggest, unexpected, whatStarts } from './messages';

export {
  DATA_FORMATS,
  ENVELOPE_KEYWORDS,
  ISOFLOP_KEYWORDS,
  LAW_KEYWORDS,
  MINIMUM_METHODS,
  SWEEP_KEYWORDS,
  TOP_LEVEL_KEYWORDS,
} from './keywords';
export { MAX_FORMULA_DEPTH } from './expressions';

export interface ParseResult {
  file: A.StudyFile;
  comments: A.Comment[];
  diagnostics: Diagnostic[];
  /** Start offsets of `-`/`+` tokens that are unary signs (the formatter keeps them tight). */
  unarySigns: Set<number>;
  /** Start offsets of `(` tokens that open a call (`log(`, `csv(`, `huber(`): written tight to the name. */
  callParens: Set<number>;
  /** The rows of each refused runs table: whole lines [start, end) of the text, `lines` of them. */
  refusedRows: { start: number; end: number; lines: number; rows: number }[];
  /** How many of the text's elisions a refused table's scan took in (all of them, or the analysis is not the document's). */
  elisionsRead: number;
}

export interface ParseOptions {
  /** Refused tables' rows left out of the text (sorted by `at`): the scan counts them unread. */
  elisions?: readonly Elision[];
}

const BINARY_PUNCT = new Set(['+', '-', '*', '/', '^', '<', '<=', '>', '>=', '==', '!=']);

export function parse(text: string, options: ParseOptions = {}): ParseResult {
  return new Parser(text, undefined, options.elisions).parseFile();
}

/**
 * For tests: parses with the token window compacted once the parser is `window` tokens in (the
 * default is 4096; Infinity never drops a token). The result must not depend on it.
 */
export function parseWithWindow(text: string, window: number): ParseResult {
  return new Parser(text, window).parseFile();
}

/** Parses one expression (the catalogue and tests use it); throws on a syntax error. */
export function parseExpression(text: string): A.Expr {
  const p = new Parser(text);
  const result = p.parseStandaloneExpression();
  if (p.diagnostics.length > 0) throw new Error(`${p.diagnostics[0].message} in '${text}'`);
  return result;
}

/** Inline runs tables with more rows are refused (issue 15.3): such data belongs in a CSV file. */
export const MAX_INLINE_ROWS = 100_000;

class Parser extends ExpressionParser {
  private readonly scratchCells: (A.NumberLit | A.StringLit)[] = [];
  private readonly refusedRows: ParseResult['refusedRows'] = [];
  private readonly elided: Map<number, Elision>;
  private elisionsRead = 0;

  constructor(text: string, window?: number, elisions: readonly Elision[] = []) {
    super(text, window);
    this.elided = new Map(elisions.map((e) => [e.at, e]));
  }

  // ----------------------------------------------------------------------------- file

  parseFile(): ParseResult {
    const statements: A.Statement[] = [];
    // After a statement with an error, lines that don't start a statement are taken as part of the
    // broken one and skipped quietly: one typo, one diagnostic.
    let quiet = false;
    let previous: A.Statement | undefined;
    while (true) {
      this.skipNewlines();
      const t = this.peek();
      if (t.kind === 'eof') break;
      this.compact();
      const start = this.here();
      const errorsBefore = this.diagnostics.length;
      const isStatement = t.kind === 'ident' && TOP_LEVEL_KEYWORDS.includes(t.text);
      if (!isStatement && quiet) {
        this.skipQuietly(false);
        this.ensureProgress(start);
        continue;
      }
      if (!isStatement && previous && this.missingBlockOpen(previous, t)) {
        quiet = true;
        this.skipQuietly(false);
        this.ensureProgress(start);
        continue;
      }
      previous = undefined;
      try {
        const statement = this.parseStatement();
        statements.push(statement);
        previous = statement;
        this.endOfStatement();
      } catch (e) {
        if (!(e instanceof SyntaxFailure)) throw e;
        this.syncToLineEnd(false);
      }
      quiet = this.diagnostics.length > errorsBefore || this.lexErrorWithin(t.start, this.prevEnd());
      this.ensureProgress(start);
    }
    const file: A.StudyFile = { kind: 'StudyFile', statements, range: { start: 0, end: this.text.length } };
    this.lexToEnd();
    this.reportLexicalErrors();
    this.diagnostics.sort((a, b) => a.range.start - b.range.start);
    return {
      file,
      comments: this.lexer.comments,
      diagnostics: this.diagnostics,
      unarySigns: this.unarySigns,
      callParens: this.callParens,
      refusedRows: this.refusedRows,
      elisionsRead: this.elisionsRead,
    };
  }

  parseStandaloneExpression(): A.Expr {
    try {
      const e = this.parseExpr();
      this.skipNewlines();
      if (this.peek().kind !== 'eof') this.fail(`${unexpected(this.peek())}`, this.peek());
      return e;
    } catch (e) {
      if (!(e instanceof SyntaxFailure)) throw e;
      return { kind: 'Error', range: { start: 0, end: this.text.length } };
    } finally {
      this.lexToEnd();
      this.reportLexicalErrors();
    }
  }

  /**
   * A line that is an item of the block the previous statement could have opened (`fit sweep` after
   * a law without `{`): reports the missing `{` at the end of that statement, once.
   */
  private missingBlockOpen(previous: A.Statement, t: Token): boolean {
    let what: string | undefined;
    if (previous.kind === 'Law' && previous.bodyRange === undefined && previous.name) {
      if (t.kind === 'ident' && LAW_KEYWORDS.includes(t.text)) what = `law '${previous.name.text}'`;
    } else if (previous.kind === 'Dataset' && previous.bodyRange === undefined && previous.name) {
      if (t.kind === 'ident' && (t.text === 'where' || t.text === 'last' || this.is(':', this.peekSecond())))
        what = `dataset '${previous.name.text}'`;
    }
    if (!what) return false;
    const end = previous.range.end;
    this.report(`missing '{' at the end of this line to open the block of ${what}`, end, end);
    return true;
  }

  private endOfStatement(): void {
    const t = this.peek();
    if (t.kind === 'newline' || t.kind === 'eof' || this.atLineStart()) return;
    if (this.is('}', t)) this.fail(`unmatched '}'`, t);
    this.fail(`${unexpected(t)}: expected the end of the line`, t);
  }

  private parseStatement(): A.Statement {
    const t = this.peek();
    const keyword = t.kind === 'ident' ? t.text : '';
    switch (keyword) {
      case 'study':
        return this.parseStudy();
      case 'compute':
        return this.parseCompute();
      case 'dataset':
        return this.parseDataset();
      case 'runs':
        return this.parseRuns();
      case 'law':
        return this.parseLaw();
      case 'isoflop':
      case 'envelope':
        return this.parseIsoflop();
      case 'predict':
        return this.parsePredict();
      case 'optimize':
        return this.parseOptimize();
      case 'frontier':
        return this.parseFrontier();
      case 'plan':
        return this.parsePlan();
      case 'sweep':
        return this.parseSweep();
      case 'compare':
        return this.parseCompare();
      case 'plot':
        return this.parsePlot();
    }
    if (this.is('}', t)) this.fail(`unmatched '}'`, t);
    this.leadingOperator(t);
    const hint = t.kind === 'ident' ? suggest(t.text, TOP_LEVEL_KEYWORDS) : undefined;
    this.fail(
      `unknown statement ${whatStarts(t)}${hint ? ` (did you mean '${hint}'?)` : ''}: a line starts with ${listOr(TOP_LEVEL_KEYWORDS)}`,
      t,
    );
  }

  /** A line that starts with a binary operator: the user continued a formula the other way round. */
  private leadingOperator(t: Token): void {
    const binary = (t.kind === 'punct' && BINARY_PUNCT.has(t.text)) || this.is('and', t) || this.is('or', t);
    if (binary && !this.atFileStart()) {
      this.fail(
        `a line can't start with '${t.text}': to continue a formula, end the previous line with the operator`,
        t,
      );
    }
  }

  private atFileStart(): boolean {
    let i = this.pos - 1;
    while (i >= 0 && this.tokens[i].kind === 'newline') i--;
    return i < 0 && this.droppedEnd < 0;
  }

  private name(what: string): A.Name {
    const t = this.peek();
    if (t.kind !== 'ident') this.fail(`expected ${what}, found ${describe(t)}`, t);
    this.next();
    return { kind: 'Name', text: t.text, range: { start: t.start, end: t.end } };
  }

  private stringLit(what: string): A.StringLit {
    const t = this.peek();
    if (t.kind !== 'string') this.fail(`expected ${what}, found ${describe(t)}`, t);
    this.next();
    return { kind: 'String', value: t.stringValue ?? '', range: { start: t.start, end: t.end } };
  }

  /** A sign written against a number (`-0.25`): `numberLit` takes both as one literal. */
  private atSignedNumber(): boolean {
    const t = this.peek();
    const after = this.peekSecond();
    return (this.is('-', t) || this.is('+', t)) && after.kind === 'number' && after.start === t.end;
  }

  /** A number literal, with its sign when one is written against it (`-3`). */
  private numberLit(what: string): A.NumberLit {
    if (this.atSignedNumber()) {
      const sign = this.next();
      this.unarySigns.add(sign.start);
      const n = this.numberLit(what);
      return {
        ...n,
        value: sign.text === '-' ? -n.value : n.value,
        text: sign.text + n.text,
        range: { start: sign.start, end: n.range.end },
      };
    }
    const t = this.peek();
    if (t.kind !== 'number') this.fail(`expected ${what}, found ${describe(t)}`, t);
    this.next();
    return { kind: 'Number', value: t.value ?? NaN, text: t.text, range: { start: t.start, end: t.end } };
  }

  // ----------------------------------------------------------------------------- statements

  private parseStudy(): A.StudyDecl {
    const start = this.next().start;
    const title = this.stringLit('a title in quotes, e.g. study "Chinchilla approach 3"');
    return { kind: 'Study', title, range: { start, end: this.prevEnd() } };
  }

  private parseCompute(): A.ComputeDecl {
    const start = this.next().start;
    const name = this.name('the name of the computed variable, e.g. compute C = 6 * N * D');
    this.expect('=');
    const formula = this.parseExpr();
    return { kind: 'Compute', name, formula, range: { start, end: this.prevEnd() } };
  }

  private parseDataset(): A.DatasetDecl {
    const start = this.next().start;
    const decl: A.DatasetDecl = {
      kind: 'Dataset',
      name: undefined,
      format: undefined,
      path: undefined,
      columns: [],
      where: [],
      range: { start, end: start },
    };
    try {
      decl.name = this.name('a dataset name');
      this.expect('=');
      const format = this.peek();
      if (format.kind !== 'ident' || !DATA_FORMATS.includes(format.text)) {
        this.fail(`expected csv("…"), tsv("…"), jsonl("…") or parquet("…"), found ${describe(format)}`, format);
      }
      decl.format = this.name('a format');
      this.callParens.add(this.expect('(').start);
      this.parenDepth++;
      try {
        decl.path = this.stringLit('a file path in quotes');
        this.closing([')'], "')'");
      } finally {
        this.parenDepth--;
      }
    } catch (e) {
      if (!(e instanceof SyntaxFailure)) throw e;
      this.syncToLineEnd(false, true);
    }
    if (this.is('{')) {
      const open = this.peek().start;
      this.parseBlock(['where', 'last'], () => {
        if (this.is('where')) {
          this.next();
          decl.where.push(this.parseExpr());
          return;
        }
        if (this.is('last') && !this.is(':', this.peekSecond())) {
          const start = this.next().start;
          this.expect('by', "'by' and the column naming each run, as in `last by run`");
          const by = this.name('the column naming each run');
          const along = this.accept('along') ? this.name('the column ordering each curve (e.g. step)') : undefined;
          if (decl.last) this.report('a dataset has one `last by` line; this one is ignored', start, this.prevEnd());
          else decl.last = { kind: 'Last', by, along, range: { start, end: this.prevEnd() } };
          return;
        }
        const variable = this.name('a mapping `VARIABLE: column` or `where CONDITION`');
        this.expect(':', "':' (as in `N: params`)");
        const t = this.peek();
        const column: A.Name | A.StringLit =
          t.kind === 'string' ? this.stringLit('a column') : this.name('a column name (or "a quoted name")');
        decl.columns.push({
          kind: 'ColumnMap',
          variable,
          column,
          range: { start: variable.range.start, end: this.prevEnd() },
        });
      });
      decl.bodyRange = { start: open, end: this.prevEnd() };
    }
    decl.range.end = this.prevEnd();
    return decl;
  }

  private parseRuns(): A.RunsDecl {
    const start = this.next().start;
    const decl: A.RunsDecl = { kind: 'Runs', name: undefined, header: [], rows: [], range: { start, end: start } };
    decl.name = this.name('a name for the runs table');
    const open = this.expect('{', "'{' and a table of runs");
    let headerSeen = false;
    let done = false;
    // Rows whose count of values differs from the header's: reported at the end, once at the header
    // when every row disagrees with it the same way (then the header is what is wrong).
    const mismatched: A.RunRow[] = [];
    while (!done) {
      this.compact();
      const lineStart = this.here();
      try {
        this.skipNewlines();
        const t = this.peek();
        if (this.is('}', t)) {
          this.next();
          break;
        }
        if (t.kind === 'eof' || (t.kind === 'ident' && TOP_LEVEL_KEYWORDS.includes(t.text) && headerSeen)) {
          this.report(`missing '}' to close the runs table '${decl.name.text}'`, open.start, open.end);
          break;
        }
        if (!headerSeen) {
          headerSeen = true;
          while (this.peek().kind === 'ident') decl.header.push(this.name('a column name'));
          if (decl.header.length === 0)
            this.fail(`expected the table's header (variable names), found ${describe(this.peek())}`, this.peek());
          const oversized = this.oversizedRows(this.peek().start);
          if (oversized) {
            const name = decl.name.text;
            this.report(
              `the runs table '${name}' has ${oversized.rows.toLocaleString('en-US')} rows; inline tables stop at ${MAX_INLINE_ROWS.toLocaleString('en-US')} (each edit would re-read them all): move the rows into a CSV file and read it with \`dataset ${name} = csv("${name}.csv") { … }\``,
              decl.name.range.start,
              decl.name.range.end,
            );
            decl.refused = true;
            this.seekText(oversized.end);
            continue;
          }
        } else {
          const row = this.parseRunRow();
          decl.rows.push(row);
          if (decl.header.length > 0 && row.cells.length !== decl.header.length) mismatched.push(row);
        }
        const end = this.peek();
        if (this.is('}', end)) {
          this.next();
          done = true;
        } else if (end.kind !== 'newline' && end.kind !== 'eof') {
          this.fail(`${unexpected(end)} in the runs table`, end);
        }
      } catch (e) {
        if (!(e instanceof SyntaxFailure)) throw e;
        this.syncToLineEnd(true);
      }
      this.ensureProgress(lineStart);
    }
    this.reportRowCounts(decl, mismatched);
    decl.range.end = this.prevEnd();
    return decl;
  }

  /**
   * When the table from `from` (just after its header) has more than MAX_INLINE_ROWS lines of rows,
   * their count and where they end (the line of the closing brace or of the next statement), found
   * by a scan of the text; undefined for a table of allowed size. Elided lines on the way count
   * as the rows they were.
   */
  private oversizedRows(from: number): { rows: number; end: number } | undefined {
    const text = this.text;
    let rows = 0;
    let lines = 0;
    let read = 0;
    const first = text.indexOf('\n', from) + 1;
    let at = first;
    // Character codes only, no substring or regex per line: this scan runs over every inline table.
    while (at > 0 && at < text.length) {
      const elision = this.elided.get(at);
      if (elision) {
        rows += elision.rows;
        lines += elision.lines;
        read++;
      }
      const kind = scanLine(text, at);
      if (kind === 'end') break;
      if (kind === 'row') rows++;
      lines++;
      at = text.indexOf('\n', at) + 1;
    }
    if (rows <= MAX_INLINE_ROWS) return undefined;
    const end = at > 0 ? at : text.length;
    this.elisionsRead += read;
    this.refusedRows.push({ start: first, end, lines, rows });
    return { rows, end };
  }

  private reportRowCounts(decl: A.RunsDecl, mismatched: A.RunRow[]): void {
    if (mismatched.length === 0) return;
    const columns = decl.header.length;
    const values = (n: number) => `${n} value${n === 1 ? '' : 's'}`;
    const named = `${columns} column${columns === 1 ? '' : 's'}`;
    const count = mismatched[0].cells.length;
    if (
      mismatched.length > 1 &&
      mismatched.length === decl.rows.length &&
      mismatched.every((r) => r.cells.length === count)
    ) {
      const first = decl.header[0].range.start;
      const last = decl.header[columns - 1].range.end;
      this.report(`the header names ${named} but every row has ${values(count)}`, first, last);
      return;
    }
    for (const row of mismatched) {
      this.report(
        `this row has ${values(row.cells.length)} but the header names ${named}`,
        row.range.start,
        row.range.end,
      );
    }
  }

  private parseRunRow(): A.RunRow {
    // Cells gather in a scratch array and are copied out at their exact size: a fresh array grown
    // by push keeps room for 17 elements, which a 100,000-row table pays for in memory and GC.
    const cells = this.scratchCells;
    cells.length = 0;
    const start = this.peek().start;
    while (true) {
      const t = this.peek();
      if (t.kind === 'number' || this.atSignedNumber()) cells.push(this.numberLit('a value'));
      else if (t.kind === 'string') cells.push(this.stringLit('a value'));
      else break;
    }
    const end = this.prevEnd();
    const t = this.peek();
    if (cells.length === 0) this.fail(`expected a row of values, found ${describe(t)}`, t);
    if (t.kind !== 'newline' && t.kind !== 'eof' && !this.is('}', t))
      this.fail(`${unexpected(t)} in a row of values`, t);
    return { kind: 'RunRow', cells: cells.slice(), range: { start, end } };
  }

  private parseLaw(): A.LawDecl {
    const start = this.next().start;
    const decl: A.LawDecl = {
      kind: 'Law',
      name: undefined,
      target: undefined,
      formula: undefined,
      body: [],
      bodyRange: undefined,
      range: { start, end: start },
    };
    try {
      decl.name = this.name('a law name');
      this.expect(':', "':' and the law (`law NAME: L = FORMULA` or `law NAME: chinchilla(N, D)`)");
      const head = this.parseExpr();
      if (this.is('=')) {
        if (head.kind !== 'NameRef')
          this.fail(`the left side of a law must be the target variable, e.g. L`, this.tokenAt(head.range.start));
        decl.target = { kind: 'Name', text: head.name, range: head.range };
        this.next();
        decl.formula = this.parseExpr();
      } else if (head.kind === 'Call' || head.kind === 'Error') {
        decl.formula = head;
      } else if (
        head.kind === 'NameRef' &&
        (this.is('{') || this.peek().kind === 'newline' || this.peek().kind === 'eof')
      ) {
        // `law k: kaplan_n { … }`: a catalogue law without its variables, or a target without `=`.
        const at = this.tokenAt(head.range.start);
        this.fail(
          `expected '=' and a formula after '${head.name}', or a catalogue law with its variables, as in ${head.name}(N)`,
          at,
        );
      } else {
        this.fail(`expected '=' and a formula, or a catalogue law such as chinchilla(N, D)`, this.peek());
      }
    } catch (e) {
      if (!(e instanceof SyntaxFailure)) throw e;
      if (decl.name && !decl.formula) decl.formula = { kind: 'Error', range: { start, end: this.peek().start } };
      this.syncToLineEnd(false, true);
    }
    if (this.is('{')) {
      const open = this.peek().start;
      this.parseBlock(LAW_KEYWORDS, () => decl.body.push(this.parseLawItem()));
      decl.bodyRange = { start: open, end: this.prevEnd() };
    }
    decl.range.end = this.prevEnd();
    return decl;
  }

  private tokenAt(offset: number): Token {
    return this.tokens.find((t) => t.start === offset) ?? this.peek();
  }

  /** `{` items, one per line, `}`. A top-level keyword inside means the `}` is missing. */
  private parseBlock(keywords: string[], item: () => void): void {
    const outer = this.blockKeywords;
    this.blockKeywords = keywords;
    try {
      this.parseBlockItems(keywords, item);
    } finally {
      this.blockKeywords = outer;
    }
  }

  private parseBlockItems(keywords: string[], item: () => void): void {
    const open = this.next();
    // After an item with an error, lines that don't start an item belong to it: skipped quietly.
    let quiet = false;
    while (true) {
      this.skipNewlines();
      const t = this.peek();
      if (this.is('}', t)) {
        this.next();
        return;
      }
      if (
        t.kind === 'eof' ||
        (t.kind === 'ident' && TOP_LEVEL_KEYWORDS.includes(t.text) && !keywords.includes(t.text))
      ) {
        this.report(`missing '}' to close this block`, open.start, open.end);
        return;
      }
      const before = this.here();
      const startsItem = t.kind === 'ident' && (keywords.includes(t.text) || this.is(':', this.tok(this.pos + 1)));
      if (quiet && !startsItem) {
        this.skipQuietly(true);
        this.ensureProgress(before);
        continue;
      }
      const errorsBefore = this.diagnostics.length;
      try {
        item();
        const end = this.peek();
        if (!this.is('}', end) && end.kind !== 'newline' && end.kind !== 'eof') {
          this.fail(`${unexpected(end)}: expected the end of the line`, end);
        }
      } catch (e) {
        if (!(e instanceof SyntaxFailure)) throw e;
        this.syncToLineEnd(true);
      }
      quiet = this.diagnostics.length > errorsBefore || this.lexErrorWithin(t.start, this.prevEnd());
      this.ensureProgress(before);
    }
  }

  private parseLawItem(): A.LawItem {
    const t = this.peek();
    switch (t.kind === 'ident' ? t.text : '') {
      case 'fit':
        return this.parseFit();
      case 'holdout':
        return this.parseHoldout();
      case 'objective':
        return this.parseObjective();
      case 'param':
        return this.parseParam();
      case 'search':
        return this.parseSearch();
      case 'uncertainty':
        return this.parseUncertainty();
      case 'per':
        return this.parsePer();
      case 'shared':
        return this.parseShared();
      case 'weight': {
        const start = this.next().start;
        const expr = this.parseExpr();
        return { kind: 'Weight', expr, range: { start, end: this.prevEnd() } };
      }
    }
    this.leadingOperator(t);
    const hint = t.kind === 'ident' ? suggest(t.text, LAW_KEYWORDS) : undefined;
    this.fail(
      `unknown law setting ${whatStarts(t)}${hint ? ` (did you mean '${hint}'?)` : ''}: expected ${listOr(LAW_KEYWORDS)}`,
      t,
    );
  }

  private parseFit(): A.FitClause {
    const start = this.next().start;
    const sources = [this.name('a dataset or runs table to fit')];
    while (this.accept(',')) sources.push(this.name('a dataset or runs table'));
    return { kind: 'Fit', sources, range: { start, end: this.prevEnd() } };
  }

  private parsePer(): A.PerClause {
    const start = this.next().start;
    const column = this.name('the column whose values make the groups');
    return { kind: 'Per', column, range: { start, end: this.prevEnd() } };
  }

  private parseShared(): A.SharedClause {
    const start = this.next().start;
    const names = [this.name('a parameter fitted jointly across the groups')];
    while (this.accept(',')) names.push(this.name('a parameter'));
    return { kind: 'Shared', names, range: { start, end: this.prevEnd() } };
  }

  private parseHoldout(): A.HoldoutClause {
    const start = this.next().start;
    const condition = this.parseExpr();
    return { kind: 'Holdout', condition, range: { start, end: this.prevEnd() } };
  }

  private parseSearch(): A.SearchClause {
    const start = this.next().start;
    const t = this.peek();
    let mode: A.SearchClause['mode'] = 'screened';
    if (this.is('exhaustive', t) || this.is('screened', t)) mode = this.next().text as A.SearchClause['mode'];
    else this.fail(`expected exhaustive (optimize every start) or screened, found ${describe(t)}`, t);
    return { kind: 'Search', mode, range: { start, end: this.prevEnd() } };
  }

  private parseObjective(): A.ObjectiveClause {
    const start = this.next().start;
    const t = this.peek();
    let loss: 'squares' | 'huber';
    let delta: A.Expr | undefined;
    if (this.is('squares', t)) {
      this.next();
      loss = 'squares';
    } else if (this.is('huber', t)) {
      this.next();
      loss = 'huber';
      this.callParens.add(this.expect('(', "'(' and huber's delta, e.g. huber(1e-3)").start);
      this.parenDepth++;
      try {
        delta = this.parseExpr();
        this.closing([')'], "')'");
      } finally {
        this.parenDepth--;
      }
    } else {
      this.fail(`expected squares or huber(delta), found ${describe(t)}`, t);
    }
    let onLog = false;
    if (this.accept('on')) {
      this.expect('log', "'log' (objectives are on log or, without `on`, on the value)");
      onLog = true;
    }
    return { kind: 'Objective', loss, delta, onLog, range: { start, end: this.prevEnd() } };
  }

  private parseParam(): A.ParamClause {
    const start = this.next().start;
    const name = this.name('a parameter name');
    const clause: A.ParamClause = {
      kind: 'Param',
      name,
      fixed: undefined,
      bounds: undefined,
      init: undefined,
      range: { start, end: start },
    };
    if (this.accept('=')) {
      clause.fixed = this.parseExpr();
    } else {
      let any = false;
      while (true) {
        if (this.is('in')) {
          this.next();
          clause.bounds = this.parseBounds();
        } else if (this.is('init')) {
          this.next();
          clause.init = this.parseInit();
        } else break;
        any = true;
      }
      if (!any) this.fail(`expected 'in (low, high)', 'init …' or '= value' after the parameter name`, this.peek());
    }
    clause.range.end = this.prevEnd();
    return clause;
  }

  private parseBounds(): A.Bounds {
    const open = this.peek();
    if (!this.is('(', open) && !this.is('[', open))
      this.fail(`expected bounds like (0, inf) or [0, 3], found ${describe(open)}`, open);
    this.next();
    this.parenDepth++;
    let lower: A.Expr;
    let upper: A.Expr;
    let close: Token;
    try {
      lower = this.parseExpr();
      this.expect(',', "',' between the lower and upper bound");
      upper = this.parseExpr();
      close = this.closing([')', ']'], "')' or ']' to close the bounds");
    } finally {
      this.parenDepth--;
    }
    return {
      lower,
      upper,
      lowerClosed: open.text === '[',
      upperClosed: close.text === ']',
      range: { start: open.start, end: close.end },
    };
  }

  private parseInit(): A.InitSpec {
    const start = this.peek().start;
    if (this.is('grid')) {
      this.next();
      const from = this.parseExpr();
      this.expect('..', "'..' as in `init grid 0..2 by 0.5`");
      const to = this.parseExpr();
      this.expect('by', "'by' and the grid step");
      const step = this.parseExpr();
      const log = !!this.accept('log');
      return { kind: 'InitGrid', from, to, step, log, range: { start, end: this.prevEnd() } };
    }
    const values = [this.parseExpr()];
    while (this.accept(',')) values.push(this.parseExpr());
    return { kind: 'InitValues', values, range: { start, end: this.prevEnd() } };
  }

  private parseUncertainty(): A.UncertaintyClause {
    const start = this.next().start;
    const t = this.peek();
    const clause: A.UncertaintyClause = {
      kind: 'Uncertainty',
      method: 'none',
      resamples: undefined,
      seed: undefined,
      level: undefined,
      by: undefined,
      range: { start, end: start },
    };
    if (this.is('none', t) || this.is('asymptotic', t) || this.is('profile', t) || this.is('bootstrap', t)) {
      this.next();
      clause.method = t.text as A.UncertaintyClause['method'];
    } else {
      this.fail(`expected bootstrap, asymptotic, profile or none, found ${describe(t)}`, t);
    }
    if (clause.method === 'bootstrap')
      clause.resamples = this.numberLit('the number of bootstrap resamples, e.g. bootstrap 1000');
    while (clause.method !== 'none') {
      if (this.accept('seed')) clause.seed = this.numberLit('a seed');
      else if (this.accept('level')) clause.level = this.numberLit('a level such as 0.9');
      else if (clause.method === 'bootstrap' && this.accept('by'))
        clause.by = this.name('a column whose values name whole runs');
      else break;
    }
    clause.range.end = this.prevEnd();
    return clause;
  }

  /** `isoflop NAME { … }` (approach 2) and `envelope NAME { … }` (approach 1) share their settings. */
  private parseIsoflop(): A.IsoflopDecl {
    const keywordToken = this.next();
    const start = keywordToken.start;
    const keyword = keywordToken.text === 'envelope' ? 'envelope' : 'isoflop';
    const keywords = keyword === 'envelope' ? ENVELOPE_KEYWORDS : ISOFLOP_KEYWORDS;
    const decl: A.IsoflopDecl = { kind: 'Isoflop', keyword, name: undefined, items: [], range: { start, end: start } };
    decl.name = this.name(`a name for the ${keyword} analysis`);
    if (!this.is('{')) this.fail(`expected '{' and the ${keyword} settings (fit, budget)`, this.peek());
    this.parseBlock(keywords, () => {
      const t = this.peek();
      const word = t.kind === 'ident' ? t.text : '';
      if (word === 'fit') decl.items.push(this.parseFit());
      else if (word === 'holdout') decl.items.push(this.parseHoldout());
      else if (word === 'uncertainty') decl.items.push(this.parseUncertainty());
      else if (word === 'per' && keyword === 'isoflop') decl.items.push(this.parsePer());
      else if (word === 'minimum' && keyword === 'isoflop') decl.items.push(this.parseMinimum(true));
      else if (
        word === 'budget' ||
        word === 'size' ||
        word === 'tokens' ||
        word === 'target' ||
        (word === 'run' && keyword === 'envelope') ||
        (word === 'weighted' && keyword === 'isoflop')
      ) {
        const keyword = this.name(word);
        const variable = word === 'weighted' ? undefined : this.name(`the ${word} variable`);
        decl.items.push({
          kind: 'IsoflopSetting',
          setting: word,
          keyword,
          variable,
          range: { start: keyword.range.start, end: this.prevEnd() },
        });
      } else {
        this.leadingOperator(t);
        const hint = t.kind === 'ident' ? suggest(t.text, keywords) : undefined;
        this.fail(
          `unknown ${keyword} setting ${whatStarts(t)}${hint ? ` (did you mean '${hint}'?)` : ''}: expected ${listOr(keywords)}`,
          t,
        );
      }
    });
    decl.range.end = this.prevEnd();
    return decl;
  }

  /** `minimum parabola [window K]` or `minimum akima`; an isoflop's may add `in VARIABLE`. */
  private parseMinimum(allowAlong: boolean): A.SweepMinimum {
    const keyword = this.name('minimum');
    const m = this.peek();
    if (!(m.kind === 'ident' && MINIMUM_METHODS.includes(m.text)))
      this.fail(`expected how to find the minimum: ${listOr(MINIMUM_METHODS)}`, m);
    const method = this.name('parabola or akima');
    const item: A.SweepMinimum = { kind: 'SweepMinimum', keyword, method, window: undefined, range: keyword.range };
    if (method.text === 'parabola' && this.accept('window')) item.window = this.parseExpr();
    if (allowAlong && this.accept('in'))
      item.along = this.name('the variable to seek the minimum along (size or tokens)');
    item.range = { start: keyword.range.start, end: this.prevEnd() };
    return item;
  }

  private parseSweep(): A.SweepDecl {
    const start = this.next().start;
    const decl: A.SweepDecl = { kind: 'Sweep', name: undefined, items: [], range: { start, end: start } };
    decl.name = this.name('a name for the sweep');
    if (!this.is('{')) this.fail(`expected '{' and the sweep settings (fit, over, per)`, this.peek());
    this.parseBlock(SWEEP_KEYWORDS, () => {
      const t = this.peek();
      const word = t.kind === 'ident' ? t.text : '';
      if (word === 'fit') decl.items.push(this.parseFit());
      else if (word === 'holdout') decl.items.push(this.parseHoldout());
      else if (word === 'uncertainty') decl.items.push(this.parseUncertainty());
      else if (word === 'over' || word === 'per' || word === 'target') {
        const keyword = this.name(word);
        const variable = this.name(`the ${word} variable`);
        decl.items.push({
          kind: 'SweepSetting',
          setting: word,
          keyword,
          variable,
          range: { start: keyword.range.start, end: this.prevEnd() },
        });
      } else if (word === 'minimum') {
        decl.items.push(this.parseMinimum(false));
      } else {
        this.leadingOperator(t);
        const hint = t.kind === 'ident' ? suggest(t.text, SWEEP_KEYWORDS) : undefined;
        this.fail(
          `unknown sweep setting ${whatStarts(t)}${hint ? ` (did you mean '${hint}'?)` : ''}: expected ${listOr(SWEEP_KEYWORDS)}`,
          t,
        );
      }
    });
    decl.range.end = this.prevEnd();
    return decl;
  }

  private parseAssignments(): A.Assignment[] {
    const list: A.Assignment[] = [];
    do {
      const variable = this.name('a variable, as in N = 70B');
      this.expect('=');
      const value = this.parseExpr();
      list.push({ kind: 'Assignment', variable, value, range: { start: variable.range.start, end: this.prevEnd() } });
    } while (this.accept(','));
    return list;
  }

  private parsePredict(): A.PredictStmt {
    const start = this.next().start;
    const law = this.name('the law to predict with');
    this.expect('at', "'at' and the point, e.g. predict chinchilla at N = 70B, D = 1.4T");
    const at = this.parseAssignments();
    return { kind: 'Predict', law, at, range: { start, end: this.prevEnd() } };
  }

  private parseOptimize(): A.OptimizeStmt {
    const start = this.next().start;
    const law = this.name('the law to optimize');
    this.expect('for', "'for' and the budget, e.g. optimize chinchilla for C = 5.76e23");
    const budget = this.parseAssignments();
    return { kind: 'Optimize', law, budget, range: { start, end: this.prevEnd() } };
  }

  private parsePlan(): A.PlanStmt {
    const start = this.next().start;
    const stmt: A.PlanStmt = {
      kind: 'Plan',
      law: undefined,
      question: undefined,
      point: [],
      budget: undefined,
      range: { start, end: start },
    };
    stmt.law = this.name('the law whose answer to sharpen, e.g. plan chinchilla at N = 70B, D = 1.4T budget 3e21');
    if (this.accept('at')) stmt.question = 'at';
    else {
      this.expect(
        'for',
        "'at' and a point (plan chinchilla at N = 70B, D = 1.4T …) or 'for' and a budget (… for C = 5.76e23 …)",
      );
      stmt.question = 'for';
    }
    stmt.point = this.parseAssignments();
    this.expect('budget', "'budget' and the compute the new runs may spend, e.g. budget 3e21");
    stmt.budget = this.parseExpr();
    stmt.range.end = this.prevEnd();
    return stmt;
  }

  private parseFrontier(): A.FrontierStmt {
    const start = this.next().start;
    const stmt: A.FrontierStmt = {
      kind: 'Frontier',
      law: undefined,
      variable: undefined,
      from: undefined,
      to: undefined,
      points: undefined,
      range: { start, end: start },
    };
    stmt.law = this.name('the law whose frontier to trace');
    this.expect('over', "'over' and the budget range, e.g. frontier chinchilla over C = 1e20..1e26");
    stmt.variable = this.name('the budget variable, as in C = 1e20..1e26');
    this.expect('=');
    stmt.from = this.parseExpr();
    this.expect('..', "'..' as in C = 1e20..1e26");
    stmt.to = this.parseExpr();
    if (this.accept('points')) stmt.points = this.parseExpr();
    stmt.range.end = this.prevEnd();
    return stmt;
  }

  private parseCompare(): A.CompareStmt {
    const start = this.next().start;
    const stmt: A.CompareStmt = {
      kind: 'Compare',
      name: undefined,
      laws: [],
      folds: undefined,
      seed: undefined,
      by: undefined,
      range: { start, end: start },
    };
    const first = this.name('the laws to compare, e.g. compare full, no_floor');
    if (this.accept(':')) {
      stmt.name = first;
      stmt.laws.push(this.name('the laws to compare after the name'));
    } else stmt.laws.push(first);
    while (this.accept(',')) stmt.laws.push(this.name('a law to compare'));
    if (this.accept('cv')) {
      if (this.accept('by')) stmt.by = this.name('the column whose groups are left out, e.g. cv by N');
      else {
        stmt.folds = this.parseExpr();
        if (this.accept('seed')) stmt.seed = this.parseExpr();
      }
    }
    stmt.range.end = this.prevEnd();
    return stmt;
  }

  private parsePlot(): A.PlotStmt {
    const start = this.next().start;
    const stmt: A.PlotStmt = {
      kind: 'Plot',
      subject: undefined,
      y: undefined,
      x: undefined,
      by: undefined,
      range: { start, end: start },
    };
    stmt.subject = this.name('a law or isoflop to plot');
    if (this.accept(':')) {
      stmt.y = this.name('the y variable');
      this.expect('vs', "'vs' as in `plot chinchilla: L vs C`");
      stmt.x = this.name('the x variable');
    }
    if (this.accept('by')) stmt.by = this.name('the variable that groups curves');
    stmt.range.end = this.prevEnd();
    return stmt;
  }
}

function isLetter(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95; // A-Z a-z _
}

/**
 * What the line starting at `at` is to the scan of an inline table: its end (a closing brace or a
 * statement keyword first), a row, or blank (empty, or a comment).
 */
export function scanLine(text: string, at: number): 'end' | 'row' | 'blank' {
  let i = at;
  let c = text.charCodeAt(i);
  while (c === 32 /* space */ || c === 9 /* tab */) c = text.charCodeAt(++i);
  if (c === 125 /* } */) return 'end';
  if (isLetter(c) && startsTopLevelKeyword(text, i)) return 'end';
  const blank = c === 10 || c === 13 || c === 35 /* # */ || (c === 47 && text.charCodeAt(i + 1) === 47); // `//`
  return blank || i >= text.length ? 'blank' : 'row';
}

/** Whether the letters at `i` (a maximal run of them) spell a statement keyword. */
function startsTopLevelKeyword(text: string, i: number): boolean {
  let end = i;
  while (isLetter(text.charCodeAt(end))) end++;
  return TOP_LEVEL_KEYWORDS.includes(text.slice(i, end));
}
