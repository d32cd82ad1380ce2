// `per COLUMN` (issue 10.1): a law fitted once per group of rows. Each group is an ordinary law
// over its rows (fitLaw, every stage), so it gets everything an ungrouped fit gets; its
// diagnostics name the group, and a group that cannot be fitted does not stop the others.
import { nowMs } from './clock';
import type { Diagnostic } from '../diagnostics';
import { selectRows } from '../data/table';
import type { BoundIsoflop, BoundLaw, RowGroup } from '../model';
import type { GroupResult, IsoflopResult, LawResult } from '../results';
import { fitIsoflop, minimumOf } from './isoflop';
import type { FrontierDraw } from './isoflopAnswers';
import { emptyResult, fitLaw } from './law';
import { cancelled, type FitOptions, type LawFit } from './types';

export interface GroupFit extends LawFit {
  value: string | number;
}

/** The law restricted to one group's rows (its data, hold-out flags and weights). */
export function groupLaw(law: BoundLaw, group: RowGroup): BoundLaw {
  const keep = new Uint8Array(law.data.rowCount);
  for (const i of group.rows) keep[i] = 1;
  const pick = <T extends Uint8Array | Float64Array>(a: T): T => a.filter((_, i) => keep[i] === 1) as T;
  const { per: _per, ...rest } = law;
  return {
    ...rest,
    data: selectRows(law.data, keep),
    heldOut: pick(law.heldOut),
    ...(law.rowWeights ? { rowWeights: pick(law.rowWeights) } : {}),
  };
}

/** How a group is named in messages: `config = "rw_tuned"`. */
export function groupLabel(column: string, value: string | number): string {
  return `${column} = ${typeof value === 'string' ? JSON.stringify(value) : value}`;
}

/** The sum, or null when there is nothing to add or any term is unknown. */
function sumOrNull(values: (number | null)[]): number | null {
  if (values.length === 0 || values.some((v) => v === null)) return null;
  return (values as number[]).reduce((s, v) => s + v, 0);
}

/** Fits every group; the law's own entry sums the objectives and counts (no joint parameters). */
export async function fitGroupedLaw(law: BoundLaw, opts: FitOptions): Promise<LawFit & { groupFits: GroupFit[] }> {
  const t0 = nowMs();
  const per = law.per!;
  const diagnostics: Diagnostic[] = [];
  const groupFits: GroupFit[] = [];
  for (const g of per.groups) {
    if (cancelled(opts)) break;
    const f = await fitLaw(groupLaw(law, g), opts);
    const prefix = `${groupLabel(per.column, g.value)}: `;
    diagnostics.push(...f.diagnostics.map((d) => ({ ...d, message: prefix + d.message })));
    groupFits.push({ ...f, value: g.value });
  }
  const results = groupFits.map((f) => f.result);
  const sum = (pick: (r: LawResult) => number) => results.reduce((s, r) => s + pick(r), 0);
  const fitted = results.filter((r) => Object.keys(r.params).length > 0);
  const points = {
    fit: sum((r) => r.points.fit),
    holdout: sum((r) => r.points.holdout),
    dropped: sum((r) => r.points.dropped),
  };
  const stop =
    fitted.length === results.length
      ? 'groups'
      : `${results.length - fitted.length} of ${results.length} groups failed`;
  const base = emptyResult(law, stop, (nowMs() - t0) / 1000, points);
  const result: LawResult = {
    ...base,
    // The sum over the groups that were fitted (a failed group has no objective).
    objective: { ...base.objective, value: sumOrNull(fitted.map((r) => r.objective.value)) },
    starts: {
      declared: sum((r) => r.starts.declared),
      screened: sum((r) => r.starts.screened),
      optimized: sum((r) => r.starts.optimized),
      agreed: sum((r) => r.starts.agreed),
      search: results[0]?.starts.search ?? law.search ?? 'screened',
    },
    converged: results.length > 0 && results.every((r) => r.converged),
    ...(law.weightText ? { weight: law.weightText } : {}),
    per: per.column,
    shared: [],
    groups: groupFits.map(({ value, result: r }): GroupResult => ({ value, ...r })),
  };
  return {
    result,
    diagnostics,
    theta: undefined,
    node: groupFits.find((f) => f.node)?.node,
    law,
    covariance: undefined,
    draws: undefined,
    level: groupFits[0]?.level ?? null,
    groupFits,
  };
}

/**
 * An isoflop analysis per group: each its own budgets and frontier; none at the top level. `draws`
 * holds each group's bootstrap frontiers, in group order, for its approach-2 answers.
 */
export function fitGroupedIsoflop(iso: BoundIsoflop): {
  result: IsoflopResult;
  diagnostics: Diagnostic[];
  draws: (FrontierDraw[] | undefined)[];
} {
  const per = iso.per!;
  const diagnostics: Diagnostic[] = [];
  const draws: (FrontierDraw[] | undefined)[] = [];
  const groups = per.groups.map((g) => {
    const keep = new Uint8Array(iso.data.rowCount);
    for (const i of g.rows) keep[i] = 1;
    const { per: _per, ...rest } = iso;
    const r = fitIsoflop({ ...rest, data: selectRows(iso.data, keep) });
    const prefix = `${groupLabel(per.column, g.value)}: `;
    diagnostics.push(...r.diagnostics.map((d) => ({ ...d, message: prefix + d.message })));
    draws.push(r.draws);
    return { value: g.value, ...r.result };
  });
  return {
    result: {
      name: iso.name,
      budgets: [],
      frontier: null,
      intervals: null,
      minimum: minimumOf(iso),
      per: per.column,
      groups,
    },
    diagnostics,
    draws,
  };
}
