// The hold-out stage of a law's fit: how well the fitted law predicts the rows it never saw.
import { diagnostic, type Diagnostic } from '../diagnostics';
import type { BoundLaw } from '../model';
import type { LawResult } from '../results';
import { Program } from './compile';
import { pickRows, type LawRows } from './rows';

/** MAPE (a fraction) and RMSE of ln f − ln y over the held-out rows; null without any, or when undefined. */
export function holdoutMetrics(
  law: BoundLaw,
  { node, columnsAll, yAll, split }: LawRows,
  theta: Float64Array,
  diags: Diagnostic[],
): LawResult['holdout'] {
  if (split.holdout.length === 0) return null;
  const hcols = columnsAll.map((c) => pickRows(c, split.holdout));
  const hy = pickRows(yAll, split.holdout);
  const hp = new Program(node, law.params.length, hcols, hy.length);
  const f = new Float64Array(hy.length);
  hp.evaluate(theta, f);
  let ape = 0;
  let sq = 0;
  for (let i = 0; i < hy.length; i++) {
    ape += Math.abs(f[i] - hy[i]) / Math.abs(hy[i]);
    sq += (Math.log(f[i]) - Math.log(hy[i])) ** 2;
  }
  const mape = ape / hy.length;
  const rmseLog = Math.sqrt(sq / hy.length);
  if (Number.isFinite(mape) && Number.isFinite(rmseLog)) return { mape, rmse_log: rmseLog };
  // A held-out observed value of 0 (or a non-positive prediction) has no relative or log error.
  diags.push(
    diagnostic(
      'warning',
      'scaling.holdout-undefined',
      `law '${law.name}': the hold-out error is undefined: a held-out run has ${law.target} <= 0 or the law predicts a value <= 0 for it`,
      law.nameRange,
    ),
  );
  return null;
}
