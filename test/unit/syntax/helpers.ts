// Shared helpers for the syntax tests: fixtures, AST comparison without ranges, range checks.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Range } from '../../../server/src/core/syntax/ast';
import { parse, type ParseResult } from '../../../server/src/core/syntax/parser';

export const ROOT = join(__dirname, '..', '..', '..');
export const FIXTURES = join(ROOT, 'test', 'fixtures');
export const EXAMPLE_PATH = join(FIXTURES, 'chinchilla.scaling');
export const EXAMPLE = readFileSync(EXAMPLE_PATH, 'utf8');

/** Every `*.scaling` file under test/fixtures, as [relative path, text]. */
export function scalingFixtures(): [string, string][] {
  const out: [string, string][] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir).sort()) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) walk(path);
      else if (entry.endsWith('.scaling')) out.push([relative(FIXTURES, path), readFileSync(path, 'utf8')]);
    }
  };
  walk(FIXTURES);
  return out;
}

const RANGE_KEYS = new Set(['range', 'bodyRange']);

/** A deep copy of a syntax tree without source ranges, so trees of differently spaced texts compare equal. */
export function stripRanges<T>(node: T): T {
  if (Array.isArray(node)) return node.map((n) => stripRanges(n)) as T;
  if (node !== null && typeof node === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node)) if (!RANGE_KEYS.has(k)) out[k] = stripRanges(v);
    return out as T;
  }
  return node;
}

/** The statements of a text, without ranges. */
export function shape(text: string): unknown {
  return stripRanges(parse(text).file.statements);
}

/** Every `range`/`bodyRange` in a value, with the path that leads to it. */
export function allRanges(node: unknown, path = '$', out: [string, Range][] = []): [string, Range][] {
  if (Array.isArray(node)) node.forEach((n, i) => allRanges(n, `${path}[${i}]`, out));
  else if (node !== null && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (RANGE_KEYS.has(k) && v && typeof v === 'object') out.push([`${path}.${k}`, v as Range]);
      else allRanges(v, `${path}.${k}`, out);
    }
  }
  return out;
}

/** Problems with the ranges of a parse: any node or diagnostic range outside 0 <= start <= end <= length. */
export function rangeProblems(text: string, result: ParseResult): string[] {
  const problems: string[] = [];
  const check = (where: string, r: Range) => {
    if (!(
      Number.isInteger(r.start) &&
      Number.isInteger(r.end) &&
      0 <= r.start &&
      r.start <= r.end &&
      r.end <= text.length
    )) {
      problems.push(`${where}: ${r.start}..${r.end} (length ${text.length})`);
    }
  };
  for (const [where, r] of allRanges(result.file)) check(where, r);
  result.diagnostics.forEach((d, i) => check(`diagnostics[${i}]`, d.range));
  result.comments.forEach((c, i) => check(`comments[${i}]`, c.range));
  return problems;
}

/** 1-based `line:column` of an offset, as an editor shows it. */
export function lineCol(text: string, offset: number): string {
  let line = 1;
  let col = 1;
  for (let i = 0; i < offset && i < text.length; i++) {
    const c = text[i];
    if (c === '\n' || (c === '\r' && text[i + 1] !== '\n')) {
      line++;
      col = 1;
    } else if (c !== '\r') col++;
  }
  return `${line}:${col}`;
}
