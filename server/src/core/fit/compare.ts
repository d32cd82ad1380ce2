// `compare a, b [cv K [seed S] | cv by COLUMN]`: fitted laws side by side on the same rows — k, n,
// objective, the likelihood their objective implies with AIC and BIC (likelihood.ts), the hold-out
// error, and cross-validation: each fold's rows predicted by a refit of the law without them. The
// criterion is the CV error when `cv` is given, else AIC; the lowest wins.
import { diagnostic, type Diagnostic } from '../diagnostics';
import type { BoundCompare, BoundLaw } from '../model';
import type { ComparedLaw, ComparisonResult } from '../results';
import { fitLaw } from './law';
import { publishedFit } from './published';
import { informationCriteria, objectiveLogLik } from './likelihood';
import { prepareRows } from './rows';
import { mulberry32 } from './stats';
import { cancelled, type FitOptions, type LawFit } from './types';

/**
 * Fold of each data row (−1: not cross-validated, i.e. held out). `cv K`: a seeded Fisher–Yates
 * shuffle of the rows, dealt round-robin into K folds; `cv by X`: one fold per value of X.
 * The compared laws share their rows, so they share their folds.
 */
export function assignFolds(law: BoundLaw, cv: NonNullable<BoundCompare['cv']>): { fold: Int32Array; count: number } {
  const fold = new Int32Array(law.data.rowCount).fill(-1);
  const rows: number[] = [];
  for (let i = 0; i < law.data.rowCount; i++) if (!law.heldOut[i]) rows.push(i);
  if ('folds' in cv) {
    const random = mulberry32(cv.seed);
    for (let i = rows.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [rows[i], rows[j]] = [rows[j], rows[i]];
    }
    rows.forEach((r, p) => (fold[r] = p % cv.folds));
    return { fold, count: cv.folds };
  }
  const values: (string | number)[] = law.data.text.get(cv.by) ?? Array.from(law.data.numeric.get(cv.by)!);
  const ids = new Map<string | number, number>();
  for (const r of rows) {
    if (!ids.has(values[r])) ids.set(values[r], ids.size);
    fold[r] = ids.get(values[r])!;
  }
  return { fold, count: ids.size };
}

/** RMSE of ln target over the fitted rows, each predicted without its fold; a string says why not. */
async function crossValidate(
  law: BoundLaw,
  fit: number[],
  folds: { fold: Int32Array; count: number },
  options: FitOptions,
): Promise<number | string> {
  const y = law.data.numeric.get(law.target)!;
  let sq = 0;
  let count = 0;
  if (law.published) {
    // Nothing is fitted: leaving a fold out changes no prediction.
    const fitted = publishedFit(law).result.residuals!;
    for (const i of fit.filter((r) => folds.fold[r] >= 0)) {
      const e = Math.log(fitted[i].fitted) - Math.log(y[i]);
      if (!Number.isFinite(e)) return 'it predicts a value <= 0 (or none) for a row';
      sq += e * e;
      count++;
    }
    return count > 0 ? Math.sqrt(sq / count) : 'no rows';
  }
  for (let g = 0; g < folds.count; g++) {
    if (cancelled(options)) return 'the fit was cancelled';
    const test = fit.filter((i) => folds.fold[i] === g);
    if (test.length === 0) continue;
    const heldOut = Uint8Array.from(law.heldOut);
    for (const i of test) heldOut[i] = 1;
    // Intervals are not needed for a fold's predictions: no bootstrap per refit.
    const refit = await fitLaw(
      { ...law, heldOut, uncertainty: { method: 'none' } },
      { ...options, onProgress: undefined },
    );
    if (!refit.theta || !refit.result.residuals)
      return `the refit without fold ${g + 1} of ${folds.count} failed (${refit.result.stop_reason})`;
    for (const i of test) {
      const e = Math.log(refit.result.residuals[i].fitted) - Math.log(y[i]);
      if (!Number.isFinite(e))
        return `the refit without fold ${g + 1} predicts a value <= 0 (or none) for a row it left out`;
      sq += e * e;
      count++;
    }
  }
  return count > 0 ? Math.sqrt(sq / count) : 'no fold has rows the law fits';
}

function objectiveOf(law: BoundLaw): ComparedLaw['objective'] {
  const o = law.objective;
  return { kind: o.loss, delta: o.loss === 'huber' ? o.delta : null, space: o.onLog ? 'log' : 'linear' };
}

/** One law's row of the table, with the reasons for any value it lacks. */
async function compareOne(
  law: BoundLaw,
  fitted: LawFit | undefined,
  folds: { fold: Int32Array; count: number } | undefined,
  options: FitOptions,
): Promise<{ row: ComparedLaw; problems: string[] }> {
  const rows = prepareRows(law, []);
  const fitRows = 'failed' in rows ? [] : rows.split.fit;
  const row: ComparedLaw = {
    law: law.name,
    k: 'failed' in rows ? law.params.filter((p) => p.fixed === undefined).length : rows.freeCount,
    n: fitRows.length,
    objective: objectiveOf(law),
    log_likelihood: null,
    aic: null,
    bic: null,
    holdout: fitted?.result.holdout ?? null,
    cv: null,
  };
  const residuals = fitted?.theta ? fitted.result.residuals : undefined;
  if (!residuals) return { row, problems: [`law '${law.name}' has no fit to compare`] };
  const problems: string[] = [];
  const y = law.data.numeric.get(law.target)!;
  const onLog = law.objective.onLog;
  const r = fitRows.map((i) =>
    onLog ? Math.log(residuals[i].fitted) - Math.log(y[i]) : residuals[i].fitted - residuals[i].observed,
  );
  const inSpace = objectiveLogLik(r, law.objective);
  // The density of y from that of ln y: the Jacobian 1/y per row.
  const jacobian = onLog ? fitRows.reduce((s, i) => s - Math.log(y[i]), 0) : 0;
  if (inSpace === null)
    problems.push(`law '${law.name}' has no likelihood (its residuals are all zero or not finite): no AIC or BIC`);
  else {
    row.log_likelihood = inSpace + jacobian;
    Object.assign(row, informationCriteria(row.log_likelihood, row.k, row.n));
  }
  if (folds) {
    const cv = await crossValidate(law, fitRows, folds, options);
    if (typeof cv === 'number') row.cv = cv;
    else problems.push(`law '${law.name}': no cross-validation error: ${cv}`);
  }
  return { row, problems };
}

export async function compareLaws(
  c: BoundCompare,
  laws: BoundLaw[],
  fits: Map<string, LawFit>,
  options: FitOptions = {},
): Promise<{ result: ComparisonResult; diagnostics: Diagnostic[] }> {
  const diagnostics: Diagnostic[] = [];
  // A published law is evaluated on the fitted laws' rows, with their objective, k = 0.
  const fitted = laws.find((l) => !l.published)!;
  const onRows = (l: BoundLaw): BoundLaw =>
    l.published ? { ...l, data: fitted.data, heldOut: fitted.heldOut, objective: fitted.objective } : l;
  const folds = c.cv && assignFolds(fitted, c.cv);
  const rows: ComparedLaw[] = [];
  for (const law of laws.map(onRows)) {
    const fit = law.published ? publishedFit(law) : fits.get(law.name);
    const { row, problems } = await compareOne(law, fit, folds, options);
    rows.push(row);
    for (const p of problems) diagnostics.push(diagnostic('warning', 'scaling.compare-incomplete', p, c.range));
  }
  const criterion = c.cv ? 'cv' : 'aic';
  const score = (r: ComparedLaw) => r[criterion];
  const complete = rows.every((r) => score(r) !== null);
  const best = complete ? rows.reduce((a, b) => (score(b)! < score(a)! ? b : a)).law : null;
  const result: ComparisonResult = {
    ...(c.name !== undefined ? { name: c.name } : {}),
    criterion,
    cv: !c.cv || !folds ? null : 'folds' in c.cv ? { ...c.cv } : { by: c.cv.by, folds: folds.count },
    best,
    laws: rows,
  };
  return { result, diagnostics };
}
