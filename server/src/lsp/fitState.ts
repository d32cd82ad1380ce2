// The one fit state every editor feature shows (status item, hover, inlay hints, lenses, plot panel),
// derived from the fit record of a version and what the fit manager is doing. A result is shown as
// current only when it is; the last good one stays visible, marked refitting, stale or cancelled.
import type { StudyResults } from '../core/results';
import type { FitRecord } from './incremental';
import { EDITED, type LawFitState } from '../present/fitStates';

export type { LawFitState } from '../present/fitStates';

/** What the fit manager is doing for a document. */
export interface FitActivity {
  /** A fit runs, or one is scheduled (fits on change are on and results are missing). */
  busy: boolean;
  /** When the fit now running started (Date.now() ms); absent while one is only scheduled. */
  since?: number;
  /** How the last fit ended, when not with results. */
  outcome?: { state: 'cancelled' | 'failed'; message?: string };
}

/** What the editor shows for one document version. */
export interface FitView {
  /** The current results and the carried ones (marked by `law`), as hover, hints and plot read them. */
  results: StudyResults | undefined;
  /** The state of one law's (or isoflop's) shown result; undefined when it has none and none is coming. */
  law(name: string): LawFitState | undefined;
  /** The state of the document as a whole (the status item, the plot banner); undefined before any fit. */
  document: LawFitState | undefined;
}

/** Why the shown result of a law no longer matches its inputs: the first error of the analysis. */
function staleReason(record: FitRecord): string {
  const error = record.analysis.diagnostics.find((d) => d.severity === 'error');
  if (!error) return EDITED;
  return error.message.length > 160 ? `${error.message.slice(0, 157)}…` : error.message;
}

export function fitView(record: FitRecord | undefined, activity: FitActivity): FitView {
  // A fit under way, with when it started when it runs already.
  const running = (state: 'fitting' | 'refitting'): LawFitState =>
    activity.since !== undefined ? { state, since: activity.since } : { state };
  if (!record) {
    const document = activity.busy ? running('fitting') : outcomeState(activity, undefined);
    return { results: undefined, law: () => (activity.busy ? running('fitting') : undefined), document };
  }
  const fresh = new Set([...record.results.laws.map((l) => l.name), ...record.results.isoflops.map((i) => i.name)]);
  const carried = new Set([...record.carried.laws.map((l) => l.name), ...record.carried.isoflops.map((i) => i.name)]);
  const inModel = new Set([
    ...record.analysis.model.laws.map((l) => l.name),
    ...record.analysis.model.isoflops.map((i) => i.name),
  ]);
  const failed = new Set([...record.failed.laws, ...record.failed.isoflops]);
  const law = (name: string): LawFitState | undefined => {
    if (fresh.has(name)) return { state: 'fitted' };
    if (carried.has(name)) {
      // Inputs that no longer bind (data deleted, column renamed, bad cell) cannot be refitted.
      if (!inModel.has(name)) return { state: 'stale', reason: staleReason(record) };
      if (activity.busy) return running('refitting');
      if (activity.outcome?.state === 'cancelled') return { state: 'cancelled' };
      if (failed.has(name)) return { state: 'failed', reason: activity.outcome?.message };
      return { state: 'stale', reason: EDITED };
    }
    if (failed.has(name)) return { state: 'failed', reason: activity.outcome?.message };
    if (activity.busy && inModel.has(name)) return running('fitting');
    if (activity.outcome?.state === 'cancelled' && inModel.has(name)) return { state: 'cancelled' };
    return undefined;
  };
  const states = [...new Set([...fresh, ...carried, ...inModel, ...failed])].map(law);
  const stale = states.find((s) => s?.state === 'stale');
  const missing = record.missing.laws.length + record.missing.isoflops.length > 0;
  const shown = carried.size + fresh.size > 0;
  let document: LawFitState | undefined;
  if (stale) document = stale;
  else if (activity.busy) document = running(shown ? 'refitting' : 'fitting');
  else if (activity.outcome) document = outcomeState(activity, undefined);
  else if (!missing) document = { state: 'fitted' };
  // Fits on change are off: results of an earlier text are stale; with none, nothing is claimed.
  else if (shown) document = { state: 'stale', reason: 'not fitted since the last change' };
  const results: StudyResults = {
    ...record.results,
    laws: [...record.results.laws, ...record.carried.laws],
    isoflops: [...record.results.isoflops, ...record.carried.isoflops],
    predictions: [...record.results.predictions, ...record.carried.predictions],
    optima: [...record.results.optima, ...record.carried.optima],
    frontiers: [...(record.results.frontiers ?? []), ...(record.carried.frontiers ?? [])],
    plans: [...(record.results.plans ?? []), ...(record.carried.plans ?? [])],
  };
  return { results, law, document };
}

function outcomeState(activity: FitActivity, otherwise: LawFitState | undefined): LawFitState | undefined {
  const o = activity.outcome;
  return o ? { state: o.state, ...(o.message ? { reason: o.message } : {}) } : otherwise;
}
