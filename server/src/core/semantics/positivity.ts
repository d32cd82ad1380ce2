// The one positivity rule: which variables of a formula must be positive in every fitted run.
// The validator (scaling.nonpositive-log, an error) and the fit's row split (rows left out) both ask
// here, so they cannot disagree again (they did: `a + b*x^2` dropped the rows with x < 0).
import type * as A from '../syntax/ast';

/**
 * Variables read under log() or raised to a power that is not a constant integer: x^p with a
 * fitted p is exp(p log x), so x must be positive; x^2 or x^-1 is defined for negative x.
 */
export function positiveVariables(e: A.Expr, variables: ReadonlySet<string>, out = new Set<string>()): Set<string> {
  if (e.kind === 'Binary') {
    if (e.op === '^' && e.left.kind === 'NameRef' && variables.has(e.left.name) && !isIntegerConstant(e.right))
      out.add(e.left.name);
    positiveVariables(e.left, variables, out);
    positiveVariables(e.right, variables, out);
  } else if (e.kind === 'Unary') positiveVariables(e.operand, variables, out);
  else if (e.kind === 'Call') {
    if (e.callee.text === 'log' && e.args[0]?.kind === 'NameRef' && variables.has(e.args[0].name))
      out.add(e.args[0].name);
    e.args.forEach((a) => positiveVariables(a, variables, out));
  }
  return out;
}

function isIntegerConstant(e: A.Expr): boolean {
  if (e.kind === 'Number') return Number.isInteger(e.value);
  if (e.kind === 'Unary') return isIntegerConstant(e.operand);
  return false;
}
