// Training curves in long format: one row per logged step, a column naming each run. The checks a
// curve must pass before its last row or its shape means anything.

/** Row indices of each run, in file order, keyed by the run's name (in order of first appearance). */
export function rowsByRun(runs: ArrayLike<string>): Map<string, number[]> {
  const out = new Map<string, number[]>();
  // A run's rows usually follow each other: the map is asked once per block of rows, not per row.
  let previous: string | undefined;
  let rows: number[] = [];
  for (let r = 0; r < runs.length; r++) {
    const run = runs[r];
    if (run !== previous) {
      rows = out.get(run) ?? [];
      if (rows.length === 0) out.set(run, rows);
      previous = run;
    }
    rows.push(r);
  }
  return out;
}

/** Each run's last row in file order, returned in file order. */
export function lastRows(runs: ArrayLike<string>): number[] {
  const last = new Map<string, number>();
  // Only the last row of each block of one run's rows can be its last.
  for (let r = 0; r < runs.length; r++) if (r === runs.length - 1 || runs[r + 1] !== runs[r]) last.set(runs[r], r);
  return [...last.values()].sort((a, b) => a - b);
}

export interface CurveProblem {
  kind: 'out-of-order' | 'repeated' | 'one-point';
  run: string;
  /** The offending row (the later of the two for an order problem; the only row for one point). */
  row: number;
  step: number;
  previous?: number;
}

/**
 * Steps that go back or repeat within a run, and runs with a single logged point: the first of each
 * kind, plus how many runs have it.
 */
export function checkCurves(
  runs: ArrayLike<string>,
  steps: ArrayLike<number>,
  byRun: Map<string, number[]> = rowsByRun(runs),
): { problem: CurveProblem; runs: number }[] {
  const found = new Map<CurveProblem['kind'], { problem: CurveProblem; runs: number }>();
  const note = (p: CurveProblem) => {
    const seen = found.get(p.kind);
    if (seen) seen.runs++;
    else found.set(p.kind, { problem: p, runs: 1 });
  };
  for (const [run, rows] of byRun) {
    if (rows.length === 1) {
      note({ kind: 'one-point', run, row: rows[0], step: steps[rows[0]] });
      continue;
    }
    for (let i = 1; i < rows.length; i++) {
      const step = steps[rows[i]];
      const previous = steps[rows[i - 1]];
      if (step === previous) {
        note({ kind: 'repeated', run, row: rows[i], step, previous });
        break;
      }
      if (step < previous) {
        note({ kind: 'out-of-order', run, row: rows[i], step, previous });
        break;
      }
    }
  }
  return [...found.values()];
}
