// Checks on the rows before a fit and on the optimum after it. Each diagnostic has a stable code.
import { diagnostic, type Diagnostic } from '../diagnostics';
import type { BoundLaw } from '../model';
import { scaledInverse } from './linalg';

/** A weak direction's component (unit vector, scaled coordinates) above this involves the parameter. */
export const WEAK_COMPONENT = 1e-4;

/**
 * A weak direction as a readable combination, e.g. "0.71·ln B − 0.71·E": the optimizer's coordinates
 * (ln of scale parameters) scaled to unit sensitivity, terms above 0.05.
 */
function combination(dir: Float64Array, names: string[]): string {
  const terms = names
    .map((n, k) => ({ n, c: dir[k] }))
    .filter((t) => Math.abs(t.c) > 0.05)
    .sort((a, b) => Math.abs(b.c) - Math.abs(a.c));
  const sign = terms[0]?.c < 0 ? -1 : 1;
  return terms
    .map((t, i) => {
      const c = sign * t.c;
      const mag = Math.abs(c).toFixed(2);
      return i === 0 ? `${c < 0 ? '−' : ''}${mag}·${t.n}` : `${c < 0 ? ' − ' : ' + '}${mag}·${t.n}`;
    })
    .join('');
}

function origin(law: BoundLaw, i: number): string {
  const o = law.data.origin.at(i)!;
  if (!o) return `row ${i + 1}`;
  return 'file' in o ? `${o.file}:${o.line}` : `row ${i + 1}`;
}

export interface RowSplit {
  fit: number[];
  holdout: number[];
  dropped: number;
}

/** Sorts rows into fitted, held out and dropped (missing, infinite, or ≤ 0 where a log is taken). */
export function splitRows(
  law: BoundLaw,
  columns: Float64Array[],
  y: Float64Array,
  positive: Set<number>,
  diags: Diagnostic[],
): RowSplit {
  const fit: number[] = [];
  const holdout: number[] = [];
  const nonfinite: number[] = [];
  const nonpositive: number[] = [];
  let missing = 0;
  for (let i = 0; i < law.data.rowCount; i++) {
    let ok = Number.isFinite(y[i]);
    let present = !Number.isNaN(y[i]) && !Number.isNaN(law.rowWeights?.[i] ?? 0);
    let pos = true;
    columns.forEach((c, k) => {
      if (Number.isNaN(c[i])) present = false;
      if (!Number.isFinite(c[i])) ok = false;
      else if (positive.has(k) && c[i] <= 0) pos = false;
    });
    if (law.objective.onLog && ok && y[i] <= 0) pos = false;
    // A missing value (NaN): the validator's scaling.missing-value warning already counts the row.
    if (!present) missing++;
    else if (!ok) nonfinite.push(i);
    else if (!pos) nonpositive.push(i);
    else if (law.heldOut[i]) holdout.push(i);
    else fit.push(i);
  }
  const list = (rows: number[]) =>
    rows
      .slice(0, 3)
      .map((i) => origin(law, i))
      .join(', ') + (rows.length > 3 ? ', …' : '');
  if (nonfinite.length > 0)
    diags.push(
      diagnostic(
        'warning',
        'scaling.nonfinite-value',
        `${nonfinite.length} row(s) have an infinite value and are left out (${list(nonfinite)})`,
        law.range,
      ),
    );
  if (nonpositive.length > 0)
    diags.push(
      diagnostic(
        'warning',
        'scaling.nonpositive-log',
        `${nonpositive.length} row(s) have a zero or negative value where a logarithm or power is taken and are left out (${list(nonpositive)})`,
        law.range,
      ),
    );
  return { fit, holdout, dropped: missing + nonfinite.length + nonpositive.length };
}

/** Duplicate rows and too few distinct configurations for the number of parameters. */
export function checkDesign(
  law: BoundLaw,
  columns: Float64Array[],
  y: Float64Array,
  rows: number[],
  p: number,
  diags: Diagnostic[],
): void {
  const configs = new Set<string>();
  const full = new Set<string>();
  let duplicates = 0;
  for (const i of rows) {
    const key = columns.map((c) => c[i]).join(',');
    configs.add(key);
    const k2 = `${key};${y[i]}`;
    if (full.has(k2)) duplicates++;
    full.add(k2);
  }
  if (duplicates > 0)
    diags.push(
      diagnostic(
        'warning',
        'scaling.identical-rows',
        `${duplicates} row(s) repeat another row exactly (same inputs and ${law.target}); they count twice in the fit`,
        law.range,
      ),
    );
  if (configs.size < p && rows.length >= p)
    diags.push(
      diagnostic(
        'warning',
        'scaling.too-few-rows',
        `only ${configs.size} distinct input configuration(s) for ${p} free parameters: the fit cannot identify them all`,
        law.range,
      ),
    );
}

/**
 * Identifiability at the optimum: the condition number of J^T J scaled to unit diagonal. A huge
 * one (or a zero column) means some direction in parameter space leaves the predictions unchanged.
 */
export function checkIdentifiable(
  law: BoundLaw,
  J: Float64Array,
  n: number,
  p: number,
  freeNames: string[],
  diags: Diagnostic[],
  coordinateNames?: string[],
): { JtJ: Float64Array; inverse: Float64Array; condition: number; weakDirs: Float64Array[]; scale: Float64Array } {
  const JtJ = new Float64Array(p * p);
  for (let i = 0; i < n; i++)
    for (let a = 0; a < p; a++) {
      const ja = J[i * p + a];
      if (ja === 0) continue;
      for (let b = 0; b < p; b++) JtJ[a * p + b] += ja * J[i * p + b];
    }
  const { inverse, condition, nullDirs, weakDirs, scale } = scaledInverse(JtJ, p);
  if (weakDirs.length > 0) {
    const combos = weakDirs.map((dir) => combination(dir, coordinateNames ?? freeNames));
    const names = freeNames.filter((_, k) => weakDirs.some((dir) => Math.abs(dir[k]) > WEAK_COMPONENT));
    diags.push(
      diagnostic(
        'warning',
        'scaling.unidentifiable',
        `the data cannot pin down ${names.join(', ')}: moving along ${combos.join('; ')} leaves the fit unchanged (the Jacobian is ${nullDirs.length > 0 ? 'singular' : `ill-conditioned, condition ${condition.toExponential(1)}`}), so ${names.length > 1 ? 'they get' : 'it gets'} no interval; vary the inputs more or fix a parameter`,
        law.range,
        { data: { params: names, combinations: combos, condition } },
      ),
    );
  }
  return { JtJ, inverse, condition, weakDirs, scale };
}
