// Tokens of the study language. Newlines are tokens: statements end at a line break, and run-table
// rows are lines. Comments (`//` and `#`) are kept aside for the formatter.
import type { Comment } from './ast';

type TokenKind = 'ident' | 'number' | 'string' | 'punct' | 'newline' | 'eof' | 'bad';

export interface Token {
  kind: TokenKind;
  text: string;
  start: number;
  end: number;
  /** Numbers: the value with the SI suffix applied. Strings: undefined (see `stringValue`). */
  value?: number;
  stringValue?: string;
  /** Lexical problem with this token (unterminated string, stray character, bad suffix). */
  error?: string;
}

interface LexResult {
  tokens: Token[];
  comments: Comment[];
}

export const SI_SUFFIX: Record<string, number> = Object.assign(Object.create(null) as Record<string, number>, {
  K: 1e3,
  M: 1e6,
  B: 1e9,
  G: 1e9,
  T: 1e12,
});

/** Length of the punctuation token at `i` (longest match: `<=` over `<`, `..` over `.`), or 0. */
function punctuationLength(text: string, i: number): number {
  const c = text.charCodeAt(i);
  switch (c) {
    case 43: // +
    case 45: // -
    case 42: // *
    case 47: // /
    case 94: // ^
    case 40: // (
    case 41: // )
    case 91: // [
    case 93: // ]
    case 123: // {
    case 125: // }
    case 44: // ,
    case 58: // :
      return 1;
    case 46: // .
      return text.charCodeAt(i + 1) === 46 ? 2 : 0;
    case 60: // <
    case 62: // >
    case 61: // =
      return text.charCodeAt(i + 1) === 61 ? 2 : 1;
    case 33: // !
      return text.charCodeAt(i + 1) === 61 ? 2 : 0;
  }
  return 0;
}

/** Whether a character can start some token, a space or a comment: anything else is a stray character. */
function startsSomething(text: string, i: number): boolean {
  const c = text.charCodeAt(i);
  return (
    c === 32 ||
    c === 9 ||
    c === 10 ||
    c === 13 ||
    c === 12 ||
    c === 11 ||
    c === 0xfeff ||
    c === 35 ||
    c === 34 ||
    isIdentStart(c) ||
    isDigit(c) ||
    (c === 46 && isDigit(text.charCodeAt(i + 1))) ||
    punctuationLength(text, i) > 0
  );
}

function isIdentStart(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}
function isIdentPart(c: number): boolean {
  return isIdentStart(c) || isDigit(c);
}
function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

export function lex(text: string): LexResult {
  const lexer = new Lexer(text);
  const tokens: Token[] = [];
  while (true) {
    const t = lexer.next();
    tokens.push(t);
    if (t.kind === 'eof') return { tokens, comments: lexer.comments };
  }
}

/** Tokens one at a time, so a parser can let the ones behind it go; comments gather in `comments`. */
export class Lexer {
  readonly comments: Comment[] = [];
  private i = 0;

  constructor(private readonly text: string) {}

  /** Continues lexing at `offset` (a line start): the parser skips a refused runs table's rows unread. */
  seek(offset: number): void {
    this.i = offset;
  }

  /** The next token; at the end, `eof` (again on every call). */
  next(): Token {
    const text = this.text;
    const n = text.length;
    let i = this.i;
    while (i < n) {
      const c = text.charCodeAt(i);
      // spaces and tabs (and a BOM)
      if (c === 32 || c === 9 || c === 0xfeff || c === 12 || c === 11) {
        i++;
        continue;
      }
      if (c === 10 || c === 13) {
        const start = i;
        i += c === 13 && text.charCodeAt(i + 1) === 10 ? 2 : 1;
        this.i = i;
        return { kind: 'newline', text: '\n', start, end: i };
      }
      if (c === 35 /* # */ || (c === 47 /* / */ && text.charCodeAt(i + 1) === 47)) {
        const start = i;
        while (i < n && text.charCodeAt(i) !== 10 && text.charCodeAt(i) !== 13) i++;
        this.comments.push({ text: text.slice(start, i), range: { start, end: i } });
        continue;
      }
      let t: Token;
      if (isIdentStart(c)) {
        const start = i;
        while (i < n && isIdentPart(text.charCodeAt(i))) i++;
        t = { kind: 'ident', text: text.slice(start, i), start, end: i };
      } else if (isDigit(c) || (c === 46 && isDigit(text.charCodeAt(i + 1)))) {
        t = lexNumber(text, i);
      } else if (c === 34 /* " */) {
        t = lexString(text, i);
      } else {
        const length = punctuationLength(text, i);
        if (length > 0) {
          t = { kind: 'punct', text: length === 1 ? text[i] : text.slice(i, i + length), start: i, end: i + length };
        } else {
          // One bad token per run of unknown characters keeps a pasted blob to one diagnostic.
          const start = i;
          let j = i;
          do {
            const cp = text.codePointAt(j) ?? 0;
            j += cp > 0xffff ? 2 : 1;
          } while (j < n && !startsSomething(text, j));
          const bad = text.slice(start, j);
          t = {
            kind: 'bad',
            text: bad,
            start,
            end: j,
            error:
              bad.length === 1 || (bad.length === 2 && bad.codePointAt(0)! > 0xffff)
                ? `unexpected character '${bad}'`
                : `unexpected characters '${bad}'`,
          };
        }
      }
      this.i = t.end;
      return t;
    }
    this.i = n;
    return { kind: 'eof', text: '', start: n, end: n };
  }
}

/** Exact powers of ten: a mantissa below 2^53 times or over one of these is correctly rounded. */
const POW10 = [
  1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20,
  1e21, 1e22,
];

function lexNumber(text: string, start: number): Token {
  const n = text.length;
  let i = start;
  // The digits are accumulated on the way (the mantissa and the power of ten), so the common
  // case needs no substring and no Number() call: Clinger's fast path, exact like Number().
  let mantissa = 0;
  let digits = 0;
  let scale = 0;
  let c = text.charCodeAt(i);
  while (isDigit(c)) {
    mantissa = mantissa * 10 + (c - 48);
    if (mantissa > 0) digits++;
    c = text.charCodeAt(++i);
  }
  // A dot belongs to the number only when a digit follows: `1..2` is a range.
  if (c === 46 && isDigit(text.charCodeAt(i + 1))) {
    c = text.charCodeAt(++i);
    while (isDigit(c)) {
      mantissa = mantissa * 10 + (c - 48);
      if (mantissa > 0) digits++;
      scale--;
      c = text.charCodeAt(++i);
    }
  }
  let exact = digits <= 15;
  if (c === 101 || c === 69) {
    let j = i + 1;
    const sign = text.charCodeAt(j);
    if (sign === 43 || sign === 45) j++;
    if (isDigit(text.charCodeAt(j))) {
      let exponent = 0;
      while (j < n && isDigit(text.charCodeAt(j))) {
        exponent = exponent * 10 + (text.charCodeAt(j) - 48);
        if (exponent > 1000) exact = false;
        j++;
      }
      scale += sign === 45 ? -exponent : exponent;
      i = j;
    }
  }
  let value: number;
  if (exact && scale >= -22 && scale <= 22) value = scale < 0 ? mantissa / POW10[-scale] : mantissa * POW10[scale];
  else value = Number(text.slice(start, i));
  // An SI suffix counts only directly after the digits and when no identifier character follows.
  const suffix = i < n ? SI_SUFFIX[text[i]] : undefined;
  if (suffix !== undefined && !isIdentPart(text.charCodeAt(i + 1))) {
    value *= suffix;
    i++;
  } else if (i < n && isIdentStart(text.charCodeAt(i))) {
    // `3x`, `5Bn`: glue the letters on so the whole thing is one bad number, not a number and a name.
    let j = i;
    while (j < n && isIdentPart(text.charCodeAt(j))) j++;
    const word = text.slice(start, j);
    return {
      kind: 'number',
      text: word,
      start,
      end: j,
      value: NaN,
      error: `'${word}' is not a number: a number may end in one SI suffix K, M, B, G or T`,
    };
  }
  return { kind: 'number', text: text.slice(start, i), start, end: i, value };
}

function lexString(text: string, start: number): Token {
  const n = text.length;
  let i = start + 1;
  let value = '';
  while (i < n) {
    const c = text[i];
    if (c === '"') {
      return { kind: 'string', text: text.slice(start, i + 1), start, end: i + 1, stringValue: value };
    }
    if (c === '\n' || c === '\r') break;
    // A backslash escapes the next character, but never a line break: a string stays on its line.
    if (c === '\\' && i + 1 < n && text[i + 1] !== '\n' && text[i + 1] !== '\r') {
      const next = text[i + 1];
      value += next === 'n' ? '\n' : next === 't' ? '\t' : next;
      i += 2;
      continue;
    }
    value += c;
    i++;
  }
  // An unterminated string runs to the end of the line, less trailing blanks (the formatter drops those).
  let end = i;
  while (end > start + 1 && (text[end - 1] === ' ' || text[end - 1] === '\t')) end--;
  return {
    kind: 'string',
    text: text.slice(start, end),
    start,
    end,
    stringValue: value.slice(0, value.length - (i - end)),
    error: 'unterminated string: add the closing "',
  };
}

/**
 * `value` as a string literal the lexer reads back as `value` (the inverse of lexString): `"` and `\`
 * escaped, a line feed and a tab as `\n` and `\t`, everything else as it is. JSON quoting is not
 * that: `\u0001` would read back as `u0001`. Undefined for a carriage return, which a string cannot hold.
 */
export function quoteString(value: string): string | undefined {
  if (value.includes('\r')) return undefined;
  let out = '"';
  for (const c of value) {
    if (c === '"' || c === '\\') out += '\\' + c;
    else if (c === '\n') out += '\\n';
    else if (c === '\t') out += '\\t';
    else out += c;
  }
  return out + '"';
}

/** A name as written in a study: bare when it is an identifier, else quoted (undefined when it cannot be). */
export function nameOrString(name: string): string | undefined {
  return isIdentifier(name) ? name : quoteString(name);
}

/** Whether `text` is one identifier token (`alpha`, `N_2`). */
export function isIdentifier(text: string): boolean {
  if (text.length === 0 || !isIdentStart(text.charCodeAt(0))) return false;
  for (let i = 1; i < text.length; i++) if (!isIdentPart(text.charCodeAt(i))) return false;
  return true;
}
