// Stages 2 and 3 of a law's fit (the search strategies themselves are in search.ts and multistart.ts): the fitting problem with its declared starts, then the
// multi-start search under the time budget and the caller's cancellation.
import { nowMs } from './clock';
import { diagnostic, type Diagnostic } from '../diagnostics';
import type { BoundLaw } from '../model';
import type { LmResult } from './lm';
import { declaredStarts, multiStart, type MultiStartResult } from './multistart';
import { searchBlockInWorker } from './pool';
import { buildProblem, Evaluator, type FitProblem } from './problem';
import { searchTaskOf } from './search';
import type { LawRows } from './rows';
import { cancelled, type FitOptions, type StageFailure } from './types';

export interface Starts {
  prob: FitProblem;
  ev: Evaluator;
  /** The declared start grid, in internal coordinates. */
  starts: Float64Array[];
}

export function prepareStarts(law: BoundLaw, rows: LawRows, diags: Diagnostic[]): Starts | StageFailure {
  let prob: FitProblem;
  try {
    prob = buildProblem(law, rows.columns, rows.y, rows.weights);
  } catch (e) {
    diags.push(diagnostic('error', 'scaling.formula', (e as Error).message, law.range));
    return { failed: 'formula-error', points: rows.points, node: rows.node };
  }
  const ev = new Evaluator(prob);
  const starts = declaredStarts(
    prob,
    law.params.map((p) => p.starts),
  );
  return { prob, ev, starts };
}

export interface Search {
  ms: MultiStartResult;
  best: LmResult;
  /** The time budget ran out: `best` is the best so far. */
  timedOut: boolean;
}

export async function search(
  law: BoundLaw,
  { ev, starts }: Starts,
  rows: LawRows,
  opts: FitOptions,
  diags: Diagnostic[],
): Promise<Search | StageFailure> {
  const deadline = nowMs() + (opts.timeBudgetMs ?? 60_000);
  let timedOut = false;
  const interrupt = () => {
    if (cancelled(opts)) return true;
    if (nowMs() > deadline) timedOut = true;
    return timedOut;
  };
  opts.onProgress?.({ law: law.name, phase: 'fit' });
  const exhaustive = opts.exhaustive || law.search === 'exhaustive';
  const workers = opts.workers ?? 2;
  const ms = await multiStart(ev, starts, {
    interrupt,
    exhaustive,
    columns: rows.columns,
    workers,
    // Every start optimized: blocks of starts go to a worker thread while this thread does its share.
    runBlock:
      exhaustive && workers > 1
        ? (block) =>
            searchBlockInWorker(
              {
                ...searchTaskOf(law),
                columns: rows.columns,
                y: rows.y,
                weights: rows.weights,
                deadline: Date.now() + (opts.timeBudgetMs ?? 60_000),
                starts: block,
              },
              opts.signal,
              opts.workerFile,
            )
        : undefined,
  });
  if (cancelled(opts)) {
    diags.push(diagnostic('info', 'scaling.fit-cancelled', 'the fit was cancelled', law.range));
    return { failed: 'cancelled', points: rows.points, node: rows.node };
  }
  const best = ms.best;
  if (!best || !Number.isFinite(best.value)) {
    diags.push(
      diagnostic(
        'error',
        'scaling.fit-diverged',
        'no start gave a finite objective: the formula produces NaN, infinite or (on log) non-positive predictions',
        law.range,
      ),
    );
    return { failed: 'diverged', points: rows.points, node: rows.node };
  }
  if (timedOut)
    diags.push(
      diagnostic(
        'warning',
        'scaling.fit-time-budget',
        `the time budget ran out after ${ms.optimized} of ${ms.declared} starts; the best so far is shown`,
        law.range,
      ),
    );
  return { ms, best, timedOut };
}
