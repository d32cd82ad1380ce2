// Hardening: no regular expression in the product can backtrack on hostile input. Every regex
// literal (and `new RegExp(...)`) in server/src, protocol, webview/src and client/src is found with
// the TypeScript parser and run on long runs of one character (or two), with and without the
// regex's own literal prefix, ending in a character it does not expect. Such a run is what made
// `parseNumber` quadratic (issue 15 #1: 200k digits and an `x` took 12 s).
//
// Work, not wall-clock: a run of N characters that takes longer than BUDGET_MS is measured again
// (best of three) at N and at 2N; a linear scan doubles, a backtracking one quadruples. Only a case
// that stays slow and whose cost grows faster than 3x when the input doubles fails, so a GC pause
// on a busy machine cannot.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';

const ROOT = path.resolve(__dirname, '../../..');
const TREES = ['server/src', 'protocol', 'webview/src', 'client/src'];
/** 20,000 characters: a linear regex scans them in well under a millisecond. */
const N = 20_000;
/** A quadratic regex at N = 20,000 takes ~100 ms or more (parseNumber's took 120 ms); linear ones < 1 ms. */
const BUDGET_MS = 25;

interface Found {
  file: string;
  line: number;
  regex: RegExp;
}

function tsFiles(dir: string, out: string[] = []): string[] {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) tsFiles(p, out);
    else if (e.name.endsWith('.ts')) out.push(p);
  }
  return out;
}

/** Every regex literal and every `RegExp(...)` construction; a non-literal pattern is listed in `dynamic`. */
function findRegexes(): { found: Found[]; dynamic: string[] } {
  const found: Found[] = [];
  const dynamic: string[] = [];
  for (const file of TREES.flatMap((t) => tsFiles(path.join(ROOT, t)))) {
    const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
    const where = (n: ts.Node) => ({
      file: path.relative(ROOT, file),
      line: source.getLineAndCharacterOfPosition(n.getStart()).line + 1,
    });
    const visit = (n: ts.Node): void => {
      if (n.kind === ts.SyntaxKind.RegularExpressionLiteral) {
        const text = n.getText();
        const slash = text.lastIndexOf('/');
        found.push({ ...where(n), regex: new RegExp(text.slice(1, slash), text.slice(slash + 1)) });
      } else if ((ts.isNewExpression(n) || ts.isCallExpression(n)) && n.expression.getText() === 'RegExp') {
        const [pattern, flags] = n.arguments ?? [];
        if (pattern && ts.isStringLiteralLike(pattern) && (!flags || ts.isStringLiteralLike(flags))) {
          found.push({ ...where(n), regex: new RegExp(pattern.text, flags?.text) });
        } else {
          const w = where(n);
          dynamic.push(`${w.file}:${w.line}`);
        }
      }
      ts.forEachChild(n, visit);
    };
    visit(source);
  }
  return { found, dynamic };
}

/** Characters a regex repeats: digits, letters, blanks, the punctuation of numbers, CSV, Markdown and HTML. */
const FILLERS = [
  '0',
  '9',
  'a',
  'e',
  'E',
  'x',
  'K',
  'B',
  '_',
  ' ',
  '\t',
  '\n',
  '\r',
  '\r\n',
  '.',
  ',',
  '-',
  '+',
  '=',
  '"',
  "'",
  '`',
  '\\',
  '/',
  '*',
  '#',
  '<',
  '>',
  '&',
  '(',
  ')',
  '[',
  ']',
  '{',
  '}',
  ':',
  ';',
  '|',
  '!',
  '?',
  '^',
  '$',
  '%',
  '~',
  '\u00a0',
  '\u0001',
  '\u2028',
  'é',
  '1.',
  '0e',
  '1a',
  'a ',
  ' a',
  '.a',
  ', ',
  '0,',
  '\\"',
];
/** What ends the run: nothing, or a character few patterns expect there. */
const ENDINGS = ['', '!', 'x', '\u0000', '\n'];

/**
 * The literal text a pattern starts with (`^data:image\/png;base64,` → `data:image/png;base64,`), so
 * the run reaches the part of the pattern after it.
 */
function literalPrefix(source: string): string {
  let i = source.startsWith('^') ? 1 : 0;
  let out = '';
  while (i < source.length) {
    const c = source[i];
    if (c === '\\' && i + 1 < source.length && /[^A-Za-z0-9]/.test(source[i + 1])) {
      out += source[i + 1];
      i += 2;
    } else if (/[A-Za-z0-9 :;,'\-_<>=!@%&"#~]/.test(c) && !/[*+?{]/.test(source[i + 1] ?? '')) {
      out += c;
      i++;
    } else break;
  }
  return out;
}

function run(regex: RegExp, s: string): void {
  const r = new RegExp(regex.source, regex.flags);
  if (r.global || r.sticky) s.replace(r, '');
  else r.exec(s);
}

function timed(regex: RegExp, s: string): number {
  const t0 = performance.now();
  run(regex, s);
  return performance.now() - t0;
}

function attacks(regex: RegExp, n: number): string[] {
  const prefixes = [...new Set(['', literalPrefix(regex.source)])];
  const out: string[] = [];
  for (const p of prefixes)
    for (const f of FILLERS) {
      const body = f.repeat(Math.ceil(n / f.length));
      for (const e of ENDINGS) out.push(p + body + e);
    }
  return out;
}

/** The first attack on which a regex's cost grows faster than linearly, with the measured times. */
function superlinear(regex: RegExp): string | undefined {
  const small = attacks(regex, N);
  const large = attacks(regex, 2 * N);
  for (let i = 0; i < small.length; i++) {
    if (timed(regex, small[i]) < BUDGET_MS) continue;
    // Slow once: measure again, and at twice the length (best of three each: a GC pause is not
    // repeated, a backtracking regex is slow every time).
    const best = (s: string) => Math.min(timed(regex, s), timed(regex, s), timed(regex, s));
    const t1 = best(small[i]);
    if (t1 < BUDGET_MS) continue;
    const t2 = best(large[i]);
    if (t2 / t1 > 3) {
      return `${JSON.stringify(small[i].slice(0, 12))}…: ${t1.toFixed(0)} ms at ${N}, ${t2.toFixed(0)} ms at ${2 * N}`;
    }
  }
  return undefined;
}

describe('hardening: every regex runs in linear time', function () {
  this.timeout(120_000);
  const { found, dynamic } = findRegexes();

  it('finds the regexes of the product (and no RegExp built from a variable)', () => {
    assert.ok(found.length >= 40, `only ${found.length} regexes found: the scan is broken`);
    assert.deepEqual(dynamic, [], 'a RegExp built from a non-literal pattern cannot be checked here');
  });

  it('the checker flags a backtracking pattern (the old parseNumber pattern)', () => {
    const old = /^([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)([KMBGT])$/;
    assert.ok(superlinear(old), 'the old quadratic pattern was not caught: the attacks are too weak');
  });

  it('no regex in server/src, protocol, webview/src or client/src backtracks on a long run', () => {
    const failures: string[] = [];
    for (const f of found) {
      const slow = superlinear(f.regex);
      if (slow) failures.push(`${f.file}:${f.line} ${f.regex}: ${slow}`);
    }
    assert.deepEqual(failures, []);
  });
});
