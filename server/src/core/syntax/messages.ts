// How the parser names what it found and what it expected, in its error messages.
import { closest } from '../text';
import type { Token } from './lexer';

export function describe(t: Token): string {
  switch (t.kind) {
    case 'eof':
      return 'the end of the file';
    case 'newline':
      return 'the end of the line';
    case 'string':
      return `the string ${t.text}`;
    case 'number':
      return `the number '${t.text}'`;
    default:
      return `'${t.text}'`;
  }
}

/** `unexpected 'x'`, `unexpected number '6'`, `unexpected string "b"`, `unexpected end of the line`. */
export function unexpected(t: Token): string {
  switch (t.kind) {
    case 'eof':
      return 'unexpected end of the file';
    case 'newline':
      return 'unexpected end of the line';
    case 'string':
      return `unexpected string ${t.text}`;
    case 'number':
      return `unexpected number '${t.text}'`;
    default:
      return `unexpected '${t.text}'`;
  }
}

/** `'stdy'` for a word, `starting with the number '44M'` for anything else. */
export function whatStarts(t: Token): string {
  return t.kind === 'ident' || t.kind === 'punct' ? `'${t.text}'` : `starting with ${describe(t)}`;
}

export function listOr(words: string[]): string {
  return words.slice(0, -1).join(', ') + ' or ' + words[words.length - 1];
}

/** The closest keyword within edit distance 2, for "did you mean". */
export function suggest(word: string, candidates: string[]): string | undefined {
  return closest(word, candidates, 2);
}
