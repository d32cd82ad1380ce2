// New Study from data…: a study for a data file (CSV, TSV, JSONL, Parquet, any of them gzipped) — a
// dataset block mapping its columns, a `compute` line, and a chinchilla law with every declaration
// the checklist asks for; for training curves also `last by run` and an approach-1 envelope; for
// IsoFLOP data (a few budgets with several sizes each) an `isoflop` block. The dataset is named after
// the file; a C column that equals 6·N·D becomes a `compute` line; unmapped columns are listed.
import * as path from 'node:path';
import type { DataFormat } from '../core/syntax/ast';
import type { DataLoader } from '../core/data/loader';
import { cellsOf, parseNumber } from '../core/data/loader';
import { lastRows } from '../core/data/curves';
import { nameOrString, quoteString } from '../core/syntax/lexer';
import { DATA_FORMATS, ISOFLOP_KEYWORDS, LAW_KEYWORDS, TOP_LEVEL_KEYWORDS } from '../core/syntax/keywords';

const GUESSES: [string, RegExp][] = [
  [
    'N',
    /^(n|n_?implied|params?|parameters|num_?params|n_?params|model_?size|size|non_?embedding_?params|(total_)?parameter_?count)$/i,
  ],
  ['D', /^(d|tokens?|data|n_?tokens|num_?tokens|train(ing)?_?tokens|dataset_?size|d_?implied)$/i],
  ['L', /^(l|loss|val_?loss|eval_?loss|validation_?loss|loss_?validation|final_?loss|test_?loss)$/i],
  ['C', /^(c|flops|compute|c_?flops)$/i],
];

const KEYWORDS = new Set([...TOP_LEVEL_KEYWORDS, ...LAW_KEYWORDS, ...ISOFLOP_KEYWORDS, ...DATA_FORMATS]);

/** The dataset's name: the file's name as an identifier, never a keyword (`runs` → `runs_data`). */
function datasetName(title: string): string {
  const id = identifier(title).replace(/^_+|_+$/g, '') || 'data';
  return KEYWORDS.has(id) ? `${id}_data` : id;
}

/** True when every row's C equals 6·N·D within 1%: then C is counted, not read. */
function isSixND(C: Float64Array, N: Float64Array, D: Float64Array): boolean {
  return C.length > 0 && C.every((c, i) => Math.abs(c / (6 * N[i] * D[i]) - 1) <= 0.01);
}

/**
 * IsoFLOP data: a few distinct budgets (2 to 30), each with at least three runs of different
 * sizes — runs within 1% of a budget count as that budget, as the isoflop fit groups them.
 */
function isIsoflop(C: Float64Array, N: Float64Array): boolean {
  const order = [...C.keys()].sort((a, b) => C[a] - C[b]);
  const groups: number[][] = [];
  for (const i of order) {
    const g = groups[groups.length - 1];
    if (g && C[i] <= C[g[0]] * 1.01) g.push(i);
    else groups.push([i]);
  }
  return groups.length >= 2 && groups.length <= 30 && groups.every((g) => new Set(g.map((i) => N[i])).size >= 3);
}

/** The format a file's name says, looking through a `.gz` (`runs.csv.gz` is CSV). */
export function formatFor(file: string): DataFormat {
  const ext = path.extname(file.replace(/\.gz$/i, '')).toLowerCase();
  return ext === '.tsv' ? 'tsv' : ext === '.jsonl' ? 'jsonl' : ext === '.parquet' ? 'parquet' : 'csv';
}

/** A number the study language reads back exactly enough: 5B, 1.4T, 300M. */
function si(v: number): string {
  for (const [u, s] of [
    [1e12, 'T'],
    [1e9, 'B'],
    [1e6, 'M'],
    [1e3, 'K'],
  ] as const) {
    if (Math.abs(v) >= u) return `${Number((v / u).toPrecision(3))}${s}`;
  }
  return String(Number(v.toPrecision(3)));
}

function identifier(column: string): string {
  const id = column.replace(/[^A-Za-z0-9_]/g, '_').replace(/^(\d)/, '_$1');
  return id || 'x';
}

/** Columns for a run's name and its logged step (training curves in long format). */
const RUN_NAME = /^(run|runs|run_?id|run_?name|name|model|model_?name|experiment|exp)$/i;
const STEP_NAME = /^(step|steps|iter|iters|iteration|global_?step|train_?step|_step)$/i;

function medianOf(values: Float64Array): number {
  const v = Float64Array.from(values).sort();
  return v[Math.floor(v.length / 2)];
}

/**
 * Which column is which: by name first (params, tokens, loss, flops, step, run), then, for N, D and
 * L still unmapped, by magnitude — a loss lies between 0.3 and 30, a model size is a large count and
 * the token count the larger one, a compute column is above 1e15.
 */
function guessColumns(columns: string[], cells: string[][]) {
  const numeric = columns.filter((_, i) => cells[i].length > 0 && cells[i].every((c) => !Number.isNaN(parseNumber(c))));
  const mapping = new Map<string, string>();
  for (const [variable, re] of GUESSES) {
    const c = numeric.find((col) => re.test(col.trim()) && ![...mapping.values()].includes(col));
    if (c) mapping.set(variable, c);
  }
  const run = columns.find((c) => RUN_NAME.test(c.trim()));
  const step = numeric.find((c) => STEP_NAME.test(c.trim()));
  const taken = new Set([...mapping.values(), run, step]);
  const medians = new Map(
    numeric
      .filter((c) => !taken.has(c))
      .map((c) => [c, medianOf(Float64Array.from(cells[columns.indexOf(c)], parseNumber))] as const),
  );
  const free = () => [...medians.entries()].filter(([c]) => ![...mapping.values()].includes(c));
  if (!mapping.has('C')) {
    const flops = free().find(([, m]) => m >= 1e15);
    if (flops) mapping.set('C', flops[0]);
  }
  const counts = free()
    .filter(([, m]) => m >= 1e5 && m < 1e15)
    .sort((a, b) => a[1] - b[1]);
  if (!mapping.has('N') && counts.length > 0) mapping.set('N', counts.shift()![0]);
  if (!mapping.has('D') && counts.length > 0) mapping.set('D', counts[counts.length - 1][0]);
  // A loss by magnitude only in a table that is evidently about model sizes (small numbers abound).
  if (!mapping.has('L') && mapping.has('N')) {
    const loss = free().find(([, m]) => m > 0.3 && m < 30);
    if (loss) mapping.set('L', loss[0]);
  }
  // Long format: a run column whose names repeat, and a step column.
  const runCells = run ? cells[columns.indexOf(run)] : [];
  const curves =
    run !== undefined && step !== undefined && new Set(runCells).size < runCells.length ? { run, step } : undefined;
  return { numeric, mapping, curves };
}

/**
 * `isPathAllowed` is the workspace-trust guard (lsp/trust.ts): in Restricted Mode a file outside the
 * workspace folders is refused, as it is when a study names it.
 */
export async function scaffoldStudy(
  dataPath: string,
  studyPath: string,
  loader: DataLoader,
  isPathAllowed?: (absolutePath: string) => string | undefined,
): Promise<string> {
  const refusal = isPathAllowed?.(path.resolve(dataPath));
  if (refusal) throw new Error(refusal);
  const format = formatFor(dataPath);
  const loaded = await loader.load(dataPath, format);
  if (!loaded.ok) throw new Error(loaded.message);
  const { columns } = loaded.table;
  const cells = columns.map((_, i) => cellsOf(loaded.table, i));
  const { numeric, mapping, curves } = guessColumns(columns, cells);
  const values = (variable: string) => Float64Array.from(cells[columns.indexOf(mapping.get(variable)!)], parseNumber);
  // The file's C is 6·N·D: declared as a compute line (so `optimize … for C` works), not read.
  const cColumn = mapping.get('C');
  const budgets = cColumn !== undefined ? values('C') : undefined;
  const countedC = !!budgets && mapping.has('N') && mapping.has('D') && isSixND(budgets, values('N'), values('D'));
  if (countedC) mapping.delete('C');
  const isoflop = !curves && !!budgets && mapping.has('N') && mapping.has('L') && isIsoflop(budgets, values('N'));
  const unused = columns.filter((c) => ![...mapping.values()].includes(c) && c !== curves?.run && c !== curves?.step);
  const rel = path.relative(path.dirname(studyPath), dataPath).split(path.sep).join('/');
  const title = path
    .basename(dataPath)
    .replace(/\.gz$/i, '')
    .replace(/\.[^.]+$/, '');
  const col = (c: string) => nameOrString(c) ?? quoteString(c.replace(/\r/g, ' '))!;
  const quotedPath = quoteString(rel);
  if (quotedPath === undefined) throw new Error(`'${dataPath}' has a line break in its name; rename the file`);
  const lines: string[] = [];
  lines.push(`study ${quoteString(`Scaling study of ${title}`.replace(/\r/g, ' '))}`, '');
  const hasND = mapping.has('N') && mapping.has('D');
  if (hasND && !mapping.has('C')) {
    const why = countedC ? ` (the file's ${cColumn} equals 6·N·D within 1%)` : '';
    lines.push(`// How compute is counted: 6 FLOPs per parameter per token${why}.`, 'compute C = 6 * N * D', '');
  }
  const mapped = [...mapping.entries()];
  const mapLines =
    mapped.length > 0
      ? mapped.map(([v, c]) => `  ${v}: ${col(c)}`)
      : numeric.slice(0, 6).map((c) => `  ${identifier(c)}: ${col(c)}`);
  const source = `${format}(${quotedPath})`;
  // Training curves get two datasets, `curves` (every step) and `runs` (each run's last row).
  const dataset = curves ? 'runs' : datasetName(title);
  if (curves) {
    lines.push('// Whole training curves, one row per logged step.');
    lines.push(`dataset curves = ${source} {`, ...mapLines, '}', '');
    lines.push("// Each run's final row.");
  }
  lines.push(`dataset ${dataset} = ${source} {`, ...mapLines);
  if (curves) lines.push(`  last by ${col(curves.run)} along ${col(curves.step)}`);
  lines.push('}');
  if (mapped.length > 0 && unused.length > 0) lines.push(`// Unused columns: ${unused.join(', ')}`);
  lines.push('');
  if (isoflop && hasND) {
    lines.push('// IsoFLOP data: a few budgets with several sizes each (Chinchilla approach 2).');
    lines.push('isoflop approach2 {', `  fit ${dataset}`, '  budget C', '  uncertainty bootstrap 200 seed 1', '}', '');
    lines.push('plot approach2', '');
    return lines.join('\n');
  }
  if (curves && hasND && mapping.has('L')) {
    lines.push("// Chinchilla's approach 1: the best run at each compute, over the whole curves.");
    lines.push(
      'envelope approach1 {',
      '  fit curves',
      '  budget C',
      `  run ${col(curves.run)}`,
      '  size N',
      '  tokens D',
      '  target L',
    );
    lines.push('  uncertainty bootstrap 200 seed 1', '}', '');
  }
  if (hasND && mapping.has('L')) {
    const nColumn = cells[columns.indexOf(mapping.get('N')!)];
    // One N per run: with curves, each run's last row (what `last by run` keeps).
    const rows = curves ? lastRows(cells[columns.indexOf(curves.run)]) : nColumn.map((_, i) => i);
    const nValues = Float64Array.from(rows, (r) => parseNumber(nColumn[r])).sort();
    // Hold out the largest models when enough runs remain to fit five parameters (twice as many runs).
    let holdout: string | undefined;
    const distinct = [...new Set(nValues)];
    for (let k = distinct.length - 1; k > 0; k--) {
      const threshold = distinct[k];
      const fitted = nValues.filter((v) => v < threshold).length;
      const held = nValues.length - fitted;
      if (fitted >= 10 && held >= 1 && held <= Math.max(1, Math.floor(nValues.length * 0.25))) {
        holdout = `holdout N >= ${si(threshold)}`;
        // si() rounds: make sure the rounded threshold still separates the same runs.
        const rounded = parseNumber(si(threshold));
        if (!(rounded > distinct[k - 1] && rounded <= threshold)) holdout = undefined;
        if (holdout) break;
      }
    }
    lines.push('law chinchilla_fit: L = E + A / N^alpha + B / D^beta {');
    lines.push(`  fit ${dataset}`);
    if (holdout) lines.push(`  ${holdout}`);
    lines.push('  objective huber(1e-3) on log');
    lines.push('  param E     in (0, 10)   init grid -1..1 by 0.5 log');
    lines.push('  param A     in (0, inf)  init grid 0..25 by 5 log');
    lines.push('  param B     in (0, inf)  init grid 0..25 by 5 log');
    lines.push('  param alpha in [0, 3]    init grid 0..2 by 0.5');
    lines.push('  param beta  in [0, 3]    init grid 0..2 by 0.5');
    lines.push('  uncertainty bootstrap 1000 seed 1 level 0.9');
    lines.push('}', '');
    lines.push('plot chinchilla_fit: L vs C by N', '');
  } else {
    lines.push('// Map the columns for model size (N), training tokens (D) and loss (L) above, then write a law:');
    lines.push(`// law chinchilla_fit: L = E + A / N^alpha + B / D^beta { fit ${dataset} }`, '');
  }
  return lines.join('\n');
}
