// A published law (`published("hoffmann2022")`) is not fitted: its fixed values are the answer.
// It gets the LawFit that predict, optimize and frontier read, and, given rows (a comparison lends
// it the fitted laws' rows), its residuals and hold-out error there.
import type { BoundLaw } from '../model';
import type { LawResult } from '../results';
import { evalScalar, toNode } from './compile';
import { holdoutMetrics } from './holdout';
import { prepareRows } from './rows';
import type { LawFit } from './types';

export function publishedFit(law: BoundLaw): LawFit {
  const names = law.params.map((p) => p.name);
  const node = toNode(law.formula, names, law.variables);
  const theta = Float64Array.from(law.params, (p) => p.fixed!);
  const o = law.objective;
  const result: LawResult = {
    name: law.name,
    formula: law.formulaText,
    params: Object.fromEntries(law.params.map((p) => [p.name, p.fixed!])),
    intervals: null,
    objective: {
      kind: o.loss,
      delta: o.loss === 'huber' ? o.delta : null,
      space: o.onLog ? 'log' : 'linear',
      value: null,
    },
    points: { fit: 0, holdout: 0, dropped: 0 },
    holdout: null,
    starts: { declared: 0, screened: 0, optimized: 0, agreed: 0, search: 'screened' },
    converged: true,
    stop_reason: 'published',
    published: law.published,
    seed: null,
    interval_method: null,
    seconds: 0,
  };
  if (law.data.rowCount > 0) {
    const rows = prepareRows(law, []);
    if (!('failed' in rows)) {
      result.points = rows.points;
      result.holdout = holdoutMetrics(law, rows, theta, []);
    }
    const columns = law.variables.map((v) => law.data.numeric.get(v)!);
    const y = law.data.numeric.get(law.target)!;
    const vars = new Float64Array(columns.length);
    result.residuals = Array.from({ length: law.data.rowCount }, (_, i) => {
      columns.forEach((c, k) => (vars[k] = c[i]));
      return { observed: y[i], fitted: evalScalar(node, theta, vars), heldOut: !!law.heldOut[i] };
    });
  }
  return { result, diagnostics: [], theta, node, law, covariance: undefined, draws: undefined, level: null };
}
