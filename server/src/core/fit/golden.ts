// Golden-section search for the minimum of a unimodal function on [lo, hi]: one new evaluation per
// step, until the bracket is narrower than 1e-12 or the steps run out.
const GOLDEN = (Math.sqrt(5) - 1) / 2;

/** The final bracket and the lower of its two inner values. */
export function goldenMinimum(
  f: (x: number) => number,
  lo: number,
  hi: number,
  maxSteps: number,
): { lo: number; hi: number; min: number } {
  let x1 = hi - GOLDEN * (hi - lo);
  let x2 = lo + GOLDEN * (hi - lo);
  let f1 = f(x1);
  let f2 = f(x2);
  for (let i = 0; i < maxSteps && hi - lo > 1e-12; i++) {
    if (f1 < f2) {
      hi = x2;
      x2 = x1;
      f2 = f1;
      x1 = hi - GOLDEN * (hi - lo);
      f1 = f(x1);
    } else {
      lo = x1;
      x1 = x2;
      f1 = f2;
      x2 = lo + GOLDEN * (hi - lo);
      f2 = f(x2);
    }
  }
  return { lo, hi, min: Math.min(f1, f2) };
}
