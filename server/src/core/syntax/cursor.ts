// The parser's token cursor: a window over the lexer's tokens (lexed just ahead, dropped behind),
// look-ahead that treats line breaks inside parentheses as white space, and error reporting with
// recovery: one error per line, lexical errors held per line, skipping to a line or block boundary.
import { diagnostic, type Diagnostic } from '../diagnostics';
import { TOP_LEVEL_KEYWORDS } from './keywords';
import { Lexer, type Token } from './lexer';
import { LineIndex } from './lineIndex';
import { describe } from './messages';

const CODE = 'scaling.syntax';

/** Thrown to abandon the current item; caught at the nearest line or block boundary. */
export class SyntaxFailure extends Error {}

export class TokenCursor {
  readonly diagnostics: Diagnostic[] = [];
  /**
   * The tokens from `base` on: the lexer runs just ahead of the parser and the tokens behind it are
   * dropped between statements and run-table rows, so a 100,000-run table never holds 400,000
   * tokens at once (they die young, which is what keeps the garbage collector cheap). `pos` and
   * every index below are into this window; `base + pos` is a token's absolute index.
   */
  protected tokens: Token[] = [];
  private base = 0;
  protected readonly lexer: Lexer;
  /** End of the last code token dropped from the window (-1: none), for `prevEnd` and `atFileStart`. */
  protected droppedEnd = -1;
  protected readonly unarySigns = new Set<number>();
  protected readonly callParens = new Set<number>();
  protected pos = 0;
  /** Offsets of the line starts that already carry an error: one error per line. */
  private readonly erroredLines = new Set<number>();
  /** Built on the first error only: a clean file never pays for it. */
  private lines: LineIndex | undefined;
  /** Inside parentheses a newline is just white space. */
  protected parenDepth = 0;
  /** The item keywords of the innermost block being parsed (a formula never continues onto such a line). */
  protected blockKeywords: string[] = [];
  /** Tokens with a lexical error, in order, and the one that stands for each line. */
  private readonly lexErrors: Token[] = [];
  private readonly lexErrorByLine = new Map<number, Token>();
  /** Lines skipped quietly as part of a broken statement or item: their lexical errors are not reported. */
  private readonly quietLines = new Set<number>();

  constructor(
    protected readonly text: string,
    private readonly window = 4096,
  ) {
    this.lexer = new Lexer(text);
  }

  // ----------------------------------------------------------------------------- token access

  /** The token at window index `i`, lexing up to it; past the end, `eof`. */
  protected tok(i: number): Token {
    const tokens = this.tokens;
    return i < tokens.length ? tokens[i] : this.fill(i);
  }

  private fill(i: number): Token {
    const tokens = this.tokens;
    while (tokens.length <= i) {
      const last = tokens.length > 0 ? tokens[tokens.length - 1] : undefined;
      if (last && last.kind === 'eof') return last;
      const t = this.lexer.next();
      if (t.error !== undefined) this.holdLexicalError(t);
      // Stray characters are reported; the grammar never sees them.
      if (t.kind !== 'bad') tokens.push(t);
    }
    return tokens[i];
  }

  /**
   * Lexical errors are held per line: one wins over a parse error on its line (a stray character
   * or a bad number is the cause of what else goes wrong there; an unterminated string when it
   * starts before the parse error: `study Title"` is a missing opening quote), the others are
   * reported at the end unless their line was skipped as part of a broken statement.
   */
  private holdLexicalError(t: Token): void {
    this.lexErrors.push(t);
    const line = this.lineOf(t.start);
    const held = this.lexErrorByLine.get(line);
    if (held === undefined || (held.kind === 'string' && t.kind !== 'string')) this.lexErrorByLine.set(line, t);
  }

  /** Lexes to the end of the line of `offset`, so all lexical errors of that line are known. */
  private lexThroughLineOf(offset: number): void {
    this.lines ??= new LineIndex(this.text);
    const line = this.lines.position(offset).line;
    const next = line + 1 < this.lines.lineCount ? this.lines.lineStart(line + 1) : this.text.length + 1;
    let i = Math.max(0, this.tokens.length - 1);
    while (true) {
      const t = this.tok(i);
      if (t.kind === 'eof' || t.start >= next) return;
      i = this.tokens.length;
    }
  }

  protected lexToEnd(): void {
    while (this.tok(this.tokens.length).kind !== 'eof');
  }

  /** Drops the tokens well behind the parser; called only where no window index is held. */
  protected compact(): void {
    if (this.pos < this.window || this.pos <= 64) return;
    const drop = this.pos - 64;
    for (let i = drop - 1; i >= 0; i--) {
      if (this.tokens[i].kind !== 'newline') {
        this.droppedEnd = this.tokens[i].end;
        break;
      }
    }
    this.tokens = this.tokens.slice(drop);
    this.base += drop;
    this.pos -= drop;
  }

  /** Drops the tokens lexed ahead of the parser and lexes on from `offset` (a line start). */
  protected seekText(offset: number): void {
    this.tokens.length = this.pos;
    this.lexer.seek(offset);
  }

  /** The absolute position of the parser, for progress checks across a `compact`. */
  protected here(): number {
    return this.base + this.pos;
  }

  /** The next token; inside parentheses line breaks are skipped. The token list always ends in `eof`. */
  protected peek(): Token {
    return this.tok(this.parenDepth > 0 ? this.skipParenBreaks(this.pos) : this.pos);
  }

  /** The token after the next one (same rules as `peek`). */
  protected peekSecond(): Token {
    let i = this.parenDepth > 0 ? this.skipParenBreaks(this.pos) : this.pos;
    if (this.tok(i).kind === 'eof') return this.tok(i);
    i++;
    return this.tok(this.parenDepth > 0 ? this.skipParenBreaks(i) : i);
  }

  /**
   * Inside parentheses line breaks are white space — unless the next line starts a statement, a
   * block item or a `}`: then an unclosed `(` ends at the line break instead of swallowing it.
   */
  private skipParenBreaks(i: number): number {
    if (this.tok(i).kind !== 'newline') return i;
    let j = i;
    while (this.tok(j).kind === 'newline') j++;
    const t = this.tok(j);
    if (this.is('}', t)) return i;
    if (t.kind === 'ident' && (TOP_LEVEL_KEYWORDS.includes(t.text) || this.blockKeywords.includes(t.text))) return i;
    return j;
  }

  protected next(): Token {
    if (this.parenDepth > 0) this.pos = this.skipParenBreaks(this.pos);
    const t = this.tok(this.pos);
    if (t.kind !== 'eof') this.pos++;
    return t;
  }

  /** Moves past the current token when an item made no progress, so no loop spins on one token. */
  protected ensureProgress(before: number): void {
    if (this.here() === before && this.tok(this.pos).kind !== 'eof') this.pos++;
  }

  protected is(text: string, t = this.peek()): boolean {
    return (t.kind === 'punct' || t.kind === 'ident') && t.text === text;
  }

  protected accept(text: string): Token | undefined {
    return this.is(text) ? this.next() : undefined;
  }

  protected expect(text: string, what = `'${text}'`): Token {
    const t = this.peek();
    if (this.is(text, t)) return this.next();
    this.fail(`expected ${what}, found ${describe(t)}`, t);
  }

  /**
   * The closing `)`/`]` of a parenthesised part, called while still inside it (line breaks before
   * the closer are fine). When it is missing and the line ended, the error points at the line's end.
   */
  protected closing(closers: string[], what: string): Token {
    const t = this.peek();
    if (t.kind === 'punct' && closers.includes(t.text)) return this.next();
    const at = this.tok(this.pos).kind === 'newline' ? this.tok(this.pos) : t;
    this.fail(`expected ${what}, found ${describe(at)}`, at);
  }

  protected skipNewlines(): void {
    while (this.tok(this.pos).kind === 'newline') this.pos++;
  }

  /** End of the last code token consumed (line breaks skipped), where an end-of-line error points. */
  protected prevEnd(): number {
    let i = this.pos - 1;
    while (i >= 0 && this.tokens[i].kind === 'newline') i--;
    return i >= 0 ? this.tokens[i].end : Math.max(0, this.droppedEnd);
  }

  /** Whether the next token begins a new line (the tokens before it were line breaks). */
  protected atLineStart(): boolean {
    return this.pos === 0 || this.tokens[this.pos - 1].kind === 'newline';
  }

  // ----------------------------------------------------------------------------- errors

  private lineOf(offset: number): number {
    this.lines ??= new LineIndex(this.text);
    return this.lines.position(offset).line;
  }

  protected report(message: string, start: number, end: number): void {
    this.lexThroughLineOf(start);
    const line = this.lineOf(start);
    if (this.erroredLines.has(line)) return;
    this.erroredLines.add(line);
    const lexical = this.lexErrorByLine.get(line);
    if (lexical && (lexical.kind !== 'string' || lexical.start <= start)) {
      this.diagnostics.push(diagnostic('error', CODE, lexical.error ?? '', { start: lexical.start, end: lexical.end }));
    } else {
      this.diagnostics.push(diagnostic('error', CODE, message, { start, end: Math.max(end, start) }));
    }
  }

  /** Reports the lexical errors of lines that neither had a parse error nor were skipped quietly. */
  protected reportLexicalErrors(): void {
    for (const [line, t] of this.lexErrorByLine) {
      if (this.erroredLines.has(line) || this.quietLines.has(line)) continue;
      this.erroredLines.add(line);
      this.diagnostics.push(diagnostic('error', CODE, t.error ?? '', { start: t.start, end: t.end }));
    }
  }

  /** Whether a lexical error lies in [start, end]: it makes the statement there a broken one. */
  protected lexErrorWithin(start: number, end: number): boolean {
    const list = this.lexErrors;
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid].start < start) lo = mid + 1;
      else hi = mid;
    }
    return lo < list.length && list[lo].start <= end;
  }

  /** Skips the rest of a line that belongs to a broken statement or item, without a diagnostic. */
  protected skipQuietly(stopAtBrace: boolean): void {
    this.quietLines.add(this.lineOf(this.tok(this.pos).start));
    this.syncToLineEnd(stopAtBrace);
  }

  protected fail(message: string, at: Token): never {
    // An end-of-line error points at the end of the previous token, where the user is typing.
    if (at.kind === 'newline' || at.kind === 'eof') {
      const end = this.prevEnd();
      this.report(message, end, end);
    } else this.report(message, at.start, at.end);
    throw new SyntaxFailure(message);
  }

  /** Skips to the end of the line (or a `}` that closes the enclosing block); a `{` on the way skips its whole block. */
  protected syncToLineEnd(stopAtBrace: boolean, stopAtOpenBrace = false): void {
    // The lines of a block whose statement broke are skipped by the callers' quiet mode, line by
    // line, so a stray `{` in a broken line can never swallow the rest of the file.
    this.parenDepth = 0;
    while (true) {
      const t = this.tok(this.pos);
      if (t.kind === 'eof' || t.kind === 'newline') return;
      if (t.kind === 'punct') {
        if (t.text === '{') {
          if (stopAtOpenBrace) return;
        } else if (t.text === '}' && stopAtBrace) {
          // A `}` ends the block only as the last token of its line: `[0, 3}  init …` is a typo, not the end.
          const after = this.tok(this.pos + 1);
          if (after.kind === 'newline' || after.kind === 'eof') return;
        }
      }
      this.pos++;
    }
  }
}
