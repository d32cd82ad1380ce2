// What the calibration bench (bench/calibration.mjs, recorded in BENCHMARKS.md) measured for an
// interval method on a catalogue law, where the coverage of its 90% intervals fell outside the
// 80–97% band the issue asks for (issue 12.5). The hover of a prediction made that way says so.
import { formatLevel } from './numbers';

type Method = 'bootstrap' | 'asymptotic' | 'profile';

interface OutOfBand {
  law: string;
  method: Method;
  /** Which interval: the law's mean, or one new run's observed value. */
  kind: 'mean' | 'observation';
  point: 'interior' | 'extrapolated';
  /** Measured coverage of the 90% interval (fraction) in the bench's default run (60 replicates)… */
  coverage: number;
  /** …and in the longer run of 120 replicates. */
  coverage120: number;
  why: string;
}

/** The cells of the default run (60 replicates) outside 80–97% (BENCHMARKS.md, "Calibration"). */
export const OUT_OF_BAND: readonly OutOfBand[] = [
  {
    law: 'saturating',
    method: 'profile',
    kind: 'mean',
    point: 'interior',
    coverage: 0.77,
    coverage120: 0.83,
    why: 'the χ²₁ threshold treats the noise scale as known, which narrows the interval with 12 runs for 3 parameters',
  },
  {
    law: 'kaplan_n',
    method: 'asymptotic',
    kind: 'observation',
    point: 'interior',
    coverage: 1,
    coverage120: 0.94,
    why: 'over-coverage within sampling error (±4 points at 60 replicates)',
  },
  {
    law: 'kaplan_n',
    method: 'profile',
    kind: 'observation',
    point: 'interior',
    coverage: 1,
    coverage120: 0.94,
    why: 'over-coverage within sampling error (±4 points at 60 replicates)',
  },
];

/** The bench's level: coverage was measured for 90% intervals. */
const BENCH_LEVEL = 0.9;

/** Hover lines for a prediction of `law` (a catalogue name) whose intervals `method` made. */
export function calibrationNotes(law: string | undefined, method: Method | undefined): string[] {
  if (!law || !method) return [];
  return OUT_OF_BAND.filter((c) => c.law === law && c.method === method).map(
    (c) =>
      `⚠ calibration: ${method}'s ${formatLevel(BENCH_LEVEL)} ${c.kind === 'mean' ? 'mean' : 'one-new-run'} interval ` +
      `at an ${c.point} point of a simulated ${law} sweep covered ${Math.round(100 * c.coverage)}% in 60 replicates ` +
      `(${Math.round(100 * c.coverage120)}% in 120), outside 80–97%: ${c.why} (bench/calibration.mjs, BENCHMARKS.md)`,
  );
}
