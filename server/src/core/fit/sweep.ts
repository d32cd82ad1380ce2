// `sweep`: the best value of a hyperparameter per group, then a power law across groups — the
// learning-rate law lr*(N) = k·N^a of Porian et al. (2024) and DeepSeek LLM. Approach 2 is the same
// computation with `over N per C`; both group runs with isoflop.ts's groupRows and fit the power
// law with its powerLaw. Each group's minimum is found in ln(over) (minimum.ts). Intervals of the
// exponent and coefficient: a bootstrap over the groups' minima (as the isoflop frontier's), or
// the straight-line fit's t-intervals for `uncertainty asymptotic`.
import { diagnostic, type Diagnostic } from '../diagnostics';
import type { BoundSweep } from '../model';
import type { Interval, SweepGroupResult, SweepResult } from '../results';
import { groupRows, powerLaw } from './isoflop';
import { profileMinimum } from './minimum';
import { mulberry32, percentileInterval, streamSeed, studentQuantile } from './stats';

/** At most this many edge groups are named one by one; more are summed up in one diagnostic. */
const MAX_EDGE_DIAGNOSTICS = 8;

export function fitSweep(s: BoundSweep): { result: SweepResult; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const result: SweepResult = {
    name: s.name,
    over: s.over,
    per: s.per,
    target: s.target,
    minimum: { method: s.minimum.method, window: s.minimum.method === 'parabola' ? (s.minimum.window ?? null) : null },
    groups: [],
    law: null,
    intervals: null,
    uncertainty: null,
  };
  const over = s.data.numeric.get(s.over);
  const per = s.data.numeric.get(s.per);
  const y = s.data.numeric.get(s.target);
  if (!over || !per || !y) return { result, diagnostics }; // the binder reported the missing column
  const valid: number[] = [];
  for (let i = 0; i < s.data.rowCount; i++)
    if (over[i] > 0 && per[i] > 0 && Number.isFinite(over[i]) && Number.isFinite(per[i]) && Number.isFinite(y[i]))
      valid.push(i);
  const fmt = (v: number) => v.toPrecision(4);
  const tooFew: string[] = [];
  const edges: string[] = [];
  for (const [value, rows] of [...groupRows(per, valid)].sort((a, b) => a[0] - b[0])) {
    const m = profileMinimum(
      rows.map((i) => Math.log(over[i])),
      rows.map((i) => y[i]),
      s.minimum,
    );
    if (!m) {
      tooFew.push(`${s.per} = ${fmt(value)} (${new Set(rows.map((i) => over[i])).size})`);
      continue;
    }
    // An edge minimum is a run's own value: give it as written, not through exp(ln(x)).
    const sampled = m.edge ? rows.find((i) => Math.log(over[i]) === m.x) : undefined;
    const g: SweepGroupResult = {
      value,
      runs: rows.length,
      at: { [s.over]: sampled !== undefined ? over[sampled] : Math.exp(m.x) },
      value_min: m.y,
      edge: m.edge,
    };
    if (m.parabola) g.parabola = m.parabola;
    if (m.edge) edges.push(`${s.per} = ${fmt(value)}`);
    result.groups.push(g);
  }
  if (tooFew.length > 0)
    diagnostics.push(
      diagnostic(
        'warning',
        'scaling.sweep-too-few-values',
        `${tooFew.length} group(s) have fewer than 3 distinct values of ${s.over}, too few for a minimum, and are skipped: ${tooFew.slice(0, 6).join(', ')}${tooFew.length > 6 ? ', …' : ''} (distinct values in parentheses)`,
        s.range,
      ),
    );
  // One diagnostic per edge group: each says which sweep to extend.
  for (const e of edges.slice(0, MAX_EDGE_DIAGNOSTICS))
    diagnostics.push(
      diagnostic(
        'warning',
        'scaling.sweep-edge-minimum',
        `at ${e} the lowest ${s.target} is at the end of the swept ${s.over} values: the minimum is not inside the sweep, so this group is left out of the law (sweep ${s.over} further)`,
        s.range,
      ),
    );
  if (edges.length > MAX_EDGE_DIAGNOSTICS)
    diagnostics.push(
      diagnostic(
        'warning',
        'scaling.sweep-edge-minimum',
        `${edges.length - MAX_EDGE_DIAGNOSTICS} more group(s) have their minimum at the end of the swept ${s.over} values`,
        s.range,
      ),
    );

  const usable = result.groups.filter((g) => !g.edge);
  const lawOf = (gs: SweepGroupResult[]) =>
    powerLaw(
      gs.map((g) => Math.log(g.value)),
      gs.map((g) => Math.log(g.at[s.over])),
    );
  const law = usable.length >= 2 ? lawOf(usable) : undefined;
  if (!law) {
    diagnostics.push(
      diagnostic(
        'warning',
        'scaling.sweep-no-law',
        `fewer than two groups with a minimum inside the sweep: no power law ${s.over}*(${s.per})`,
        s.range,
      ),
    );
    return { result, diagnostics };
  }
  result.law = law;
  const u = s.uncertainty;
  if (u.method === 'bootstrap') {
    // Resample the groups' minima with replacement (the law's data points), as the isoflop frontier does.
    const exps: number[] = [];
    const coefs: number[] = [];
    for (let k = 0; k < u.resamples; k++) {
      const rand = mulberry32(streamSeed(u.seed, k));
      const pick = usable.map(() => usable[Math.floor(rand() * usable.length)]);
      if (new Set(pick.map((g) => g.value)).size < 2) continue;
      const f = lawOf(pick);
      if (f) {
        exps.push(f.exponent);
        coefs.push(f.coefficient);
      }
    }
    result.intervals = {
      exponent: percentileInterval(exps, u.level),
      coefficient: percentileInterval(coefs, u.level),
    };
    result.uncertainty = { method: 'bootstrap', level: u.level };
  } else if ((u.method === 'asymptotic' || u.method === 'profile') && usable.length > 2) {
    result.intervals = lineIntervals(usable, s.over, law, u.level);
    result.uncertainty = { method: u.method, level: u.level };
  }
  return { result, diagnostics };
}

/** Student-t intervals of a straight line's slope and (at ln per = 0) intercept, exp'd for the coefficient. */
function lineIntervals(
  gs: SweepGroupResult[],
  over: string,
  law: { exponent: number; coefficient: number },
  level: number,
): SweepResult['intervals'] {
  const x = gs.map((g) => Math.log(g.value));
  const y = gs.map((g) => Math.log(g.at[over]));
  const n = x.length;
  const mx = x.reduce((a, b) => a + b, 0) / n;
  const sxx = x.reduce((a, b) => a + (b - mx) ** 2, 0);
  const b0 = Math.log(law.coefficient);
  const s2 = y.reduce((a, v, i) => a + (v - b0 - law.exponent * x[i]) ** 2, 0) / (n - 2);
  const t = studentQuantile((1 + level) / 2, n - 2);
  const seSlope = Math.sqrt(s2 / sxx);
  const seIcpt = Math.sqrt(s2 * (1 / n + (mx * mx) / sxx));
  const exponent: Interval = [law.exponent - t * seSlope, law.exponent + t * seSlope];
  const coefficient: Interval = [Math.exp(b0 - t * seIcpt), Math.exp(b0 + t * seIcpt)];
  return { exponent, coefficient };
}
