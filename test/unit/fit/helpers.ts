// Builds bound laws directly (no parser/binder), so engine tests don't depend on the front end.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { BoundLaw, DataTable, Objective, ParamSpec, UncertaintySpec } from '../../../server/src/core/model';
import type { Expr } from '../../../server/src/core/syntax/ast';
import { parseExpression } from '../../../server/src/core/syntax/parser';
import { catalogue } from '../../../server/src/core/laws';

export const DATASETS = path.resolve(__dirname, '../../../../shared/datasets');

/** Skips a suite when the shared datasets are absent, except on CI where that is a failure. */
export function datasetOrSkip(ctx: Mocha.Context, rel: string): string {
  const file = path.join(DATASETS, rel);
  if (!existsSync(file)) {
    if (process.env.CI === 'true') throw new Error(`dataset missing on CI: ${file}`);
    ctx.skip();
  }
  return file;
}

export function readCsv(file: string): { header: string[]; rows: string[][] } {
  const lines = readFileSync(file, 'utf8').trim().split(/\r?\n/);
  return { header: lines[0].split(','), rows: lines.slice(1).map((l) => l.split(',')) };
}

export function table(
  name: string,
  cols: Record<string, ArrayLike<number>>,
  text: Record<string, string[]> = {},
): DataTable {
  const numeric = new Map(Object.entries(cols).map(([k, v]) => [k, Float64Array.from(v)]));
  const rowCount = Object.values(cols)[0]?.length ?? 0;
  return {
    name,
    rowCount,
    numeric,
    text: new Map(Object.entries(text)),
    origin: Array.from({ length: rowCount }, (_, i) => ({ file: name, line: i + 2 })),
  };
}

export function csvTable(file: string, keep: (row: Record<string, string>) => boolean = () => true): DataTable {
  const { header, rows } = readCsv(file);
  const kept = rows.filter((r) => keep(Object.fromEntries(header.map((h, i) => [h, r[i]]))));
  const cols: Record<string, number[]> = {};
  const text: Record<string, string[]> = {};
  header.forEach((h, i) => {
    const vals = kept.map((r) => r[i]);
    if (vals.every((v) => v !== '' && Number.isFinite(Number(v)))) cols[h] = vals.map(Number);
    else text[h] = vals;
  });
  return table(path.basename(file), cols, text);
}

const R = { start: 0, end: 0 };

export function spec(name: string, p: Partial<ParamSpec> = {}): ParamSpec {
  return {
    name,
    lower: -Infinity,
    upper: Infinity,
    lowerClosed: false,
    upperClosed: false,
    fixed: undefined,
    starts: [],
    logGrid: false,
    range: R,
    ...p,
  };
}

export interface LawInit {
  name?: string;
  formula: Expr | string;
  variables: string[];
  target?: string;
  params: ParamSpec[];
  objective?: Objective;
  data: DataTable;
  heldOut?: Uint8Array;
  uncertainty?: UncertaintySpec;
}

export function law(init: LawInit): BoundLaw {
  const formula = typeof init.formula === 'string' ? parseExpression(init.formula) : init.formula;
  return {
    name: init.name ?? 'law',
    range: R,
    nameRange: R,
    target: init.target ?? 'L',
    formula,
    formulaText: typeof init.formula === 'string' ? init.formula : 'formula',
    catalogue: undefined,
    variables: init.variables,
    params: init.params,
    objective: init.objective ?? { loss: 'squares', onLog: false },
    objectiveDeclared: true,
    data: init.data,
    heldOut: init.heldOut ?? new Uint8Array(init.data.rowCount),
    uncertainty: init.uncertainty ?? { method: 'none' },
    uncertaintyDeclared: false,
  };
}

/** Renames a catalogue formula's formals to the given variables (what the binder does). */
export function substitute(e: Expr, map: Record<string, string>): Expr {
  switch (e.kind) {
    case 'NameRef':
      return map[e.name] ? { ...e, name: map[e.name] } : e;
    case 'Unary':
      return { ...e, operand: substitute(e.operand, map) };
    case 'Binary':
      return { ...e, left: substitute(e.left, map), right: substitute(e.right, map) };
    case 'Call':
      return { ...e, args: e.args.map((a) => substitute(a, map)) };
    default:
      return e;
  }
}

/** A catalogue law bound to data, with optional start-grid overrides. */
export function catalogueLaw(
  name: string,
  data: DataTable,
  vars: Record<string, string>,
  opts: {
    objective?: Objective;
    starts?: Record<string, number[]>;
    uncertainty?: UncertaintySpec;
    heldOut?: Uint8Array;
    target?: string;
  } = {},
): BoundLaw {
  const c = catalogue.get(name)!;
  const b = law({
    name,
    formula: substitute(c.formula, vars),
    variables: c.formals.map((f) => vars[f] ?? f),
    target: opts.target ?? c.target,
    params: c.params.map((p) => spec(p.name, { ...p, starts: opts.starts?.[p.name] ?? p.starts })),
    objective: opts.objective,
    data,
    heldOut: opts.heldOut,
    uncertainty: opts.uncertainty,
  });
  b.catalogue = name;
  return b;
}

/** Ordinary least squares of y on x: the slope and its standard error (n − 2 degrees of freedom). */
export function olsSlope(x: number[], y: number[]): { slope: number; se: number } {
  const n = x.length;
  const mx = x.reduce((a, b) => a + b) / n;
  const my = y.reduce((a, b) => a + b) / n;
  const sxx = x.reduce((a, v) => a + (v - mx) ** 2, 0);
  const slope = x.reduce((a, v, i) => a + (v - mx) * (y[i] - my), 0) / sxx;
  const rss = x.reduce((a, v, i) => a + (y[i] - my - slope * (v - mx)) ** 2, 0);
  return { slope, se: Math.sqrt(rss / (n - 2) / sxx) };
}

/** A fitted number; fails here (instead of computing with null) when the fit produced none. */
export function known(v: number | null): number {
  assert.ok(v !== null && Number.isFinite(v), `expected a number, got ${v}`);
  return v;
}

/** A parameter bounded by (lower, upper), optionally on a log grid, with no declared starts. */
export function bounded(name: string, lower: number, upper: number, logGrid = false): ParamSpec {
  return spec(name, { lower, upper, logGrid });
}

/** n model sizes in 1e7..1e10 and token counts in 1e9..1e12, log-uniform, from a seeded stream. */
export function syntheticSizes(rand: () => number, n: number): { N: Float64Array; D: Float64Array } {
  const N = Float64Array.from({ length: n }, () => 1e7 * 10 ** (3 * rand()));
  const D = Float64Array.from({ length: n }, () => 1e9 * 10 ** (3 * rand()));
  return { N, D };
}

/** Chinchilla's parameters with Hoffmann's bounds (E, A, B log-scaled), no declared starts. */
export const chinchillaParams = (): ParamSpec[] => [
  bounded('E', 0, 10, true),
  bounded('A', 0, Infinity, true),
  bounded('B', 0, Infinity, true),
  bounded('alpha', 0, 3),
  bounded('beta', 0, 3),
];
