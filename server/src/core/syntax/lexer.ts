// Tokens of the study language. Newlines are tokens: statements end at a line break, and run-table
// rows are lines. Comments (`//` and `#`) are kept aside for the formatter.
import type { Comment, Range } from './ast';

export type TokenKind = 'ident' | 'number' | 'string' | 'punct' | 'newline' | 'eof' | 'bad';

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

export interface LexResult {
  tokens: Token[];
  comments: Comment[];
}

export const SI_SUFFIX: Record<string, number> = { K: 1e3, M: 1e6, B: 1e9, G: 1e9, T: 1e12 };

// Longest first so `<=` wins over `<` and `..` over `.`.
const PUNCTUATION = ['..', '<=', '>=', '==', '!=', '+', '-', '*', '/', '^', '(', ')', '[', ']', '{', '}', ',', ':', '=', '<', '>'];

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
  const tokens: Token[] = [];
  const comments: Comment[] = [];
  const n = text.length;
  let i = 0;
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
      tokens.push({ kind: 'newline', text: '\n', start, end: i });
      continue;
    }
    if (c === 35 /* # */ || (c === 47 /* / */ && text.charCodeAt(i + 1) === 47)) {
      const start = i;
      while (i < n && text.charCodeAt(i) !== 10 && text.charCodeAt(i) !== 13) i++;
      comments.push({ text: text.slice(start, i), range: { start, end: i } });
      continue;
    }
    if (isIdentStart(c)) {
      const start = i;
      while (i < n && isIdentPart(text.charCodeAt(i))) i++;
      tokens.push({ kind: 'ident', text: text.slice(start, i), start, end: i });
      continue;
    }
    if (isDigit(c) || (c === 46 && isDigit(text.charCodeAt(i + 1)))) {
      tokens.push(lexNumber(text, i));
      i = tokens[tokens.length - 1].end;
      continue;
    }
    if (c === 34 /* " */) {
      tokens.push(lexString(text, i));
      i = tokens[tokens.length - 1].end;
      continue;
    }
    const punct = PUNCTUATION.find((p) => text.startsWith(p, i));
    if (punct) {
      tokens.push({ kind: 'punct', text: punct, start: i, end: i + punct.length });
      i += punct.length;
      continue;
    }
    // One bad token per run of unknown characters keeps a pasted blob to one diagnostic.
    const start = i;
    const cp = text.codePointAt(i) ?? 0;
    i += cp > 0xffff ? 2 : 1;
    tokens.push({ kind: 'bad', text: text.slice(start, i), start, end: i, error: `unexpected character '${text.slice(start, i)}'` });
  }
  tokens.push({ kind: 'eof', text: '', start: n, end: n });
  return { tokens, comments };
}

function lexNumber(text: string, start: number): Token {
  const n = text.length;
  let i = start;
  while (i < n && isDigit(text.charCodeAt(i))) i++;
  // A dot belongs to the number only when a digit follows: `1..2` is a range.
  if (text.charCodeAt(i) === 46 && isDigit(text.charCodeAt(i + 1))) {
    i++;
    while (i < n && isDigit(text.charCodeAt(i))) i++;
  }
  const e = text.charCodeAt(i);
  if (e === 101 || e === 69) {
    let j = i + 1;
    const sign = text.charCodeAt(j);
    if (sign === 43 || sign === 45) j++;
    if (isDigit(text.charCodeAt(j))) {
      while (j < n && isDigit(text.charCodeAt(j))) j++;
      i = j;
    }
  }
  let value = Number(text.slice(start, i));
  // An SI suffix counts only directly after the digits and when no identifier character follows.
  const suffix = text[i];
  if (suffix !== undefined && SI_SUFFIX[suffix] !== undefined && !isIdentPart(text.charCodeAt(i + 1))) {
    value *= SI_SUFFIX[suffix];
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
    if (c === '\\' && i + 1 < n) {
      const next = text[i + 1];
      value += next === 'n' ? '\n' : next === 't' ? '\t' : next;
      i += 2;
      continue;
    }
    value += c;
    i++;
  }
  return { kind: 'string', text: text.slice(start, i), start, end: i, stringValue: value, error: 'unterminated string' };
}

export function tokenRange(t: Token): Range {
  return { start: t.start, end: t.end };
}
