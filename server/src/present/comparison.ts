// Text for `compare` results, shared by hover, inlay hints, the CLI table and the report so they
// agree: the side-by-side table (best law marked) and a one-line verdict.
import type { BoundCompare } from '../core/model';
import type { ComparedLaw, ComparisonResult, StudyResults } from '../core/results';
import { formatPercent, formatValue, MISSING } from './numbers';

/** The mark beside the best law's name. */
export const BEST_MARK = '★';

function objectiveText(o: ComparedLaw['objective']): string {
  return `${o.kind === 'huber' ? `huber(${formatValue(o.delta)})` : 'squares'}${o.space === 'log' ? ' on log' : ''}`;
}

/** `cv 5 folds (seed 0)`, `cv by N (6 groups)`, or `AIC` when no cross-validation was asked. */
export function criterionText(r: ComparisonResult): string {
  if (!r.cv) return 'AIC';
  return 'by' in r.cv
    ? `CV, leave one ${r.cv.by} out (${r.cv.folds} groups)`
    : `CV, ${r.cv.folds} folds (seed ${r.cv.seed})`;
}

/** One row per law: name (best marked), k, n, objective, ln L, AIC, BIC, hold-out MAPE and RMSE(log), CV RMSE(log). */
export function comparisonTable(r: ComparisonResult): { header: string[]; rows: string[][]; numeric: boolean[] } {
  const header = [
    'law',
    'k',
    'n',
    'objective',
    'ln L',
    'AIC',
    'BIC',
    'hold-out MAPE',
    'hold-out RMSE(log)',
    'CV RMSE(log)',
  ];
  const value = (v: number | null) => (v === null ? MISSING : formatValue(v));
  const rows = r.laws.map((l) => [
    `${l.law}${l.law === r.best ? ` ${BEST_MARK}` : ''}`,
    String(l.k),
    String(l.n),
    objectiveText(l.objective),
    value(l.log_likelihood),
    value(l.aic),
    value(l.bic),
    l.holdout ? formatPercent(l.holdout.mape) : MISSING,
    l.holdout ? formatValue(l.holdout.rmse_log) : MISSING,
    r.cv ? value(l.cv) : MISSING,
  ]);
  return { header, rows, numeric: header.map((_, j) => j !== 0 && j !== 3) };
}

/** `best by CV, leave one N out (6 groups): full (CV RMSE(log) 0.0099 vs 0.0248 for no_floor)`. */
export function comparisonVerdict(r: ComparisonResult): string {
  const criterion = criterionText(r);
  if (r.best === null) return `no best by ${criterion}: a law lacks its value (see the warning on this line)`;
  const score = (l: ComparedLaw) => (r.criterion === 'cv' ? l.cv : l.aic);
  const label = r.criterion === 'cv' ? 'CV RMSE(log)' : 'AIC';
  const best = r.laws.find((l) => l.law === r.best)!;
  const others = r.laws.filter((l) => l !== best).map((l) => `${formatValue(score(l))} for ${l.law}`);
  return `best by ${criterion}: ${r.best} (${label} ${formatValue(score(best))} vs ${others.join(', ')})`;
}

/** The result of a bound `compare` line: the same laws, name and folds. */
export function comparisonResult(results: StudyResults | undefined, c: BoundCompare): ComparisonResult | undefined {
  return results?.comparisons?.find(
    (r) =>
      r.name === c.name &&
      r.laws.length === c.laws.length &&
      r.laws.every((l, i) => l.law === c.laws[i]) &&
      (c.cv === undefined
        ? r.cv === null
        : r.cv !== null &&
          ('by' in c.cv ? 'by' in r.cv && r.cv.by === c.cv.by : JSON.stringify(r.cv) === JSON.stringify(c.cv))),
  );
}
