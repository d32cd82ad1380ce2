// The expression grammar: or → and → comparison → additive → multiplicative → unary → power →
// primary. A formula continues on the next line after a binary operator or inside parentheses.
import type * as A from './ast';
import { SyntaxFailure, TokenCursor } from './cursor';
import { TOP_LEVEL_KEYWORDS } from './keywords';
import type { Token } from './lexer';
import { describe } from './messages';

/** Deepest nesting of a formula (parentheses, signs, exponents) before it is refused. */
const MAX_NESTING = 200;
/**
 * Deepest formula tree, counting chains too: `a + b + c` is a tree two levels deep. Every walk over
 * a formula (printing, evaluating, compiling, differentiating) recurses along this depth, so the
 * cap keeps all of them off the stack limit; a flat sum of 5,000 terms overflowed it (issue 15).
 */
export const MAX_FORMULA_DEPTH = 1000;

const COMPARISONS = new Set(['<', '<=', '>', '>=', '==', '!=']);

export class ExpressionParser extends TokenCursor {
  /** Depth of nested formula parts (parentheses, signs, exponents). */
  private nesting = 0;
  /** Depth of each formula node above the leaves (see MAX_FORMULA_DEPTH). */
  private readonly depths = new WeakMap<A.Expr, number>();

  protected parseExpr(): A.Expr {
    return this.parseOr();
  }

  private binary(op: A.BinaryOp, left: A.Expr, right: A.Expr): A.Binary {
    const node: A.Binary = {
      kind: 'Binary',
      op,
      left,
      right,
      range: { start: left.range.start, end: right.range.end },
    };
    return this.deeper(node, [left, right]);
  }

  /** Depth of a formula node (leaves 1); kept aside so the AST stays plain. */
  private depthOf(e: A.Expr): number {
    return this.depths.get(e) ?? 1;
  }

  /** Records `node`'s depth, one more than its deepest child; refuses a formula deeper than the cap. */
  private deeper<T extends A.Expr>(node: T, children: A.Expr[]): T {
    let depth = 1;
    for (const c of children) depth = Math.max(depth, this.depthOf(c) + 1);
    if (depth > MAX_FORMULA_DEPTH) {
      const at = children.length > 1 ? children[children.length - 1].range.start : node.range.start;
      const message = `this formula has more than ${MAX_FORMULA_DEPTH} levels of operators (a chain like a + b + … counts each term): split it into \`compute\` lines`;
      this.report(message, at, at);
      throw new SyntaxFailure(message);
    }
    if (depth > 1) this.depths.set(node, depth);
    return node;
  }

  /**
   * After a binary operator a formula may continue on the next line, unless that line starts a
   * statement or a block item (or closes the block): then the operand is missing, and the error
   * points just after the operator rather than swallowing the next line.
   */
  private operand(op: Token, parse: () => A.Expr): A.Expr {
    const here = this.tok(this.pos);
    if (here.kind === 'newline') {
      let i = this.pos;
      while (this.tok(i).kind === 'newline') i++;
      const t = this.tok(i);
      const startsItem =
        t.kind === 'eof' ||
        this.is('}', t) ||
        (t.kind === 'ident' &&
          (TOP_LEVEL_KEYWORDS.includes(t.text) ||
            this.blockKeywords.includes(t.text) ||
            this.is(':', this.tok(i + 1))));
      if (startsItem) this.fail(`expected a value after '${op.text}', found the end of the line`, here);
      if (this.parenDepth === 0) this.skipNewlines();
    }
    return parse();
  }

  private parseOr(): A.Expr {
    let left = this.parseAnd();
    while (this.is('or')) {
      const op = this.next();
      left = this.binary(
        'or',
        left,
        this.operand(op, () => this.parseAnd()),
      );
    }
    return left;
  }

  private parseAnd(): A.Expr {
    let left = this.parseComparison();
    while (this.is('and')) {
      const op = this.next();
      left = this.binary(
        'and',
        left,
        this.operand(op, () => this.parseComparison()),
      );
    }
    return left;
  }

  private parseComparison(): A.Expr {
    const left = this.parseAdditive();
    const t = this.peek();
    if (this.is('=', t)) {
      // `=>` / `=<` are common slips for `>=` / `<=`; a lone `=` is left to the caller (law heads use it).
      const after = this.peekSecond();
      if ((this.is('>', after) || this.is('<', after)) && after.start === t.end) {
        this.report(`'=${after.text}' is not an operator: write '${after.text}='`, t.start, after.end);
        throw new SyntaxFailure('=>');
      }
    }
    if (t.kind === 'punct' && COMPARISONS.has(t.text)) {
      this.next();
      const right = this.operand(t, () => this.parseAdditive());
      const after = this.peek();
      if (after.kind === 'punct' && COMPARISONS.has(after.text)) {
        this.fail(`comparisons don't chain: write 'a < b and b < c'`, after);
      }
      return this.binary(t.text as A.BinaryOp, left, right);
    }
    return left;
  }

  private parseAdditive(): A.Expr {
    let left = this.parseMultiplicative();
    while (this.is('+') || this.is('-')) {
      const op = this.next();
      left = this.binary(
        op.text as '+' | '-',
        left,
        this.operand(op, () => this.parseMultiplicative()),
      );
    }
    return left;
  }

  private parseMultiplicative(): A.Expr {
    let left = this.parseUnary();
    while (this.is('*') || this.is('/')) {
      const op = this.next();
      left = this.binary(
        op.text as '*' | '/',
        left,
        this.operand(op, () => this.parseUnary()),
      );
    }
    return left;
  }

  /** Every nested formula passes through here; the depth limit keeps a pathological file from overflowing the stack. */
  private parseUnary(): A.Expr {
    if (this.nesting >= MAX_NESTING) {
      this.fail(`this formula is nested more than ${MAX_NESTING} levels deep`, this.peek());
    }
    this.nesting++;
    try {
      return this.parseUnaryInner();
    } finally {
      this.nesting--;
    }
  }

  private parseUnaryInner(): A.Expr {
    const t = this.peek();
    if (this.is('-', t) || this.is('+', t)) {
      this.next();
      this.unarySigns.add(t.start);
      const operand = this.parseUnary();
      const node: A.Unary = {
        kind: 'Unary',
        op: t.text as '-' | '+',
        operand,
        range: { start: t.start, end: operand.range.end },
      };
      return this.deeper(node, [operand]);
    }
    return this.parsePower();
  }

  /** `^` binds tighter than unary minus on its left (-a^2 = -(a^2)) and is right-associative. */
  private parsePower(): A.Expr {
    const base = this.parsePrimary();
    if (this.is('^')) {
      const op = this.next();
      const exponent = this.operand(op, () => this.parseUnary());
      return this.binary('^', base, exponent);
    }
    return base;
  }

  private parsePrimary(): A.Expr {
    const t = this.peek();
    if (t.kind === 'number') {
      this.next();
      return { kind: 'Number', value: t.value ?? NaN, text: t.text, range: { start: t.start, end: t.end } };
    }
    if (t.kind === 'string') {
      this.next();
      return { kind: 'String', value: t.stringValue ?? '', range: { start: t.start, end: t.end } };
    }
    if (t.kind === 'ident' && t.text !== 'and' && t.text !== 'or') {
      this.next();
      if (this.is('(')) {
        const callee: A.Name = { kind: 'Name', text: t.text, range: { start: t.start, end: t.end } };
        this.callParens.add(this.next().start);
        this.parenDepth++;
        const args: A.Expr[] = [];
        let close: Token;
        try {
          if (!this.is(')')) {
            args.push(this.parseExpr());
            while (this.accept(',')) args.push(this.parseExpr());
          }
          close = this.closing([')'], `')' to close ${t.text}(…)`);
        } finally {
          this.parenDepth--;
        }
        return this.deeper({ kind: 'Call', callee, args, range: { start: t.start, end: close.end } }, args);
      }
      return { kind: 'NameRef', name: t.text, range: { start: t.start, end: t.end } };
    }
    if (this.is('(', t)) {
      this.next();
      this.parenDepth++;
      let inner: A.Expr;
      let close: Token;
      try {
        inner = this.parseExpr();
        close = this.closing([')'], "')'");
      } finally {
        this.parenDepth--;
      }
      // Keep the parentheses in the range so hovers and errors cover what the user wrote.
      const node = { ...inner, range: { start: t.start, end: close.end } } as A.Expr;
      if (this.depths.has(inner)) this.depths.set(node, this.depthOf(inner));
      return node;
    }
    this.fail(`expected a value, a name or '(', found ${describe(t)}`, t);
  }
}
