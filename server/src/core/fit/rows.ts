// Stage 1 of a law's fit: compile its formula and sort the data rows into fitted, held out and
// dropped, with the checks on the design (too few rows, duplicates).
import { diagnostic, type Diagnostic } from '../diagnostics';
import type { BoundLaw } from '../model';
import type { LawResult } from '../results';
import { CompileError, toNode, type Node } from './compile';
import { checkDesign, splitRows, type RowSplit } from './diagnose';
import { positiveVariables } from '../semantics/positivity';
import type { StageFailure } from './types';

export interface LawRows {
  node: Node;
  /** Every row's variable columns and target, held out and dropped rows included. */
  columnsAll: Float64Array[];
  yAll: Float64Array;
  split: RowSplit;
  points: LawResult['points'];
  /** Parameters the optimizer moves (not fixed). */
  freeCount: number;
  /** The fitted rows only. */
  columns: Float64Array[];
  y: Float64Array;
}

export function pickRows(src: Float64Array, rows: number[]): Float64Array {
  return Float64Array.from(rows, (i) => src[i]);
}

export function prepareRows(law: BoundLaw, diags: Diagnostic[]): LawRows | StageFailure {
  const names = law.params.map((p) => p.name);
  let node: Node;
  try {
    node = toNode(law.formula, names, law.variables);
  } catch (e) {
    const range = e instanceof CompileError ? e.expr.range : law.range;
    diags.push(diagnostic('error', 'scaling.formula', (e as Error).message, range));
    return { failed: 'formula-error' };
  }
  const missing = [...law.variables, law.target].filter((v) => !law.data.numeric.has(v));
  if (missing.length > 0) {
    diags.push(diagnostic('error', 'scaling.missing-column', `no numeric data for ${missing.join(', ')}`, law.range));
    return { failed: 'missing-data', node };
  }
  const columnsAll = law.variables.map((v) => law.data.numeric.get(v)!);
  const yAll = law.data.numeric.get(law.target)!;
  const mustBePositive = positiveVariables(law.formula, new Set(law.variables));
  const positive = new Set(law.variables.flatMap((v, k) => (mustBePositive.has(v) ? [k] : [])));
  const split = splitRows(law, columnsAll, yAll, positive, diags);
  const points = { fit: split.fit.length, holdout: split.holdout.length, dropped: split.dropped };
  const freeCount = law.params.filter((p) => p.fixed === undefined).length;
  if (split.fit.length < freeCount || split.fit.length === 0) {
    diags.push(
      diagnostic(
        'error',
        'scaling.too-few-rows',
        `${split.fit.length} usable row(s) for ${freeCount} free parameter(s): nothing to fit`,
        law.range,
      ),
    );
    return { failed: 'too-few-rows', points, node };
  }
  checkDesign(law, columnsAll, yAll, split.fit, freeCount, diags);
  const columns = columnsAll.map((c) => pickRows(c, split.fit));
  const y = pickRows(yAll, split.fit);
  return { node, columnsAll, yAll, split, points, freeCount, columns, y };
}
