// The words the editor shows for a law's fit state (lsp/fitState.ts derives the states): the note
// beside a shown value, the text where no value is shown, the code lens title and the inlay-hint
// mark. One place, so hover, hints and lenses say the same thing (docs/editor.md).
import type { LawResult } from '../core/results';
import type { FitStateKind } from '../../../protocol/lsp';
import { lawSummary } from './facts';
import { md } from './numbers';

/** The state of one law's (or isoflop's) shown result. */
export interface LawFitState {
  state: FitStateKind;
  /** Why a result is stale or a fit failed. */
  reason?: string;
  /** When the fit now running started (Date.now() ms), for `fitting` and `refitting`. */
  since?: number;
}

/** What a stale result is when nothing broke: the text changed after the fit. */
export const EDITED = 'the study changed since this fit';

/** The words a state adds to a shown value ("refitting…", "stale — REASON"); empty when current. */
export function stateNote(s: LawFitState | undefined): string {
  switch (s?.state) {
    case 'refitting':
      return 'refitting…';
    case 'stale':
      return `stale — ${s.reason ?? EDITED}`;
    case 'cancelled':
      return 'cancelled — the last result is shown';
    case 'failed':
      return `fit failed${s.reason ? ` — ${s.reason}` : ''}; the last result is shown`;
    default:
      return '';
  }
}

/** Where no result is shown for a law (Markdown): what is happening instead. */
export function notFittedText(s: LawFitState | undefined, anyResults: boolean, now = Date.now()): string {
  switch (s?.state) {
    case 'fitting':
    case 'refitting':
      return `_${s.state}…${s.since !== undefined ? ` (${startedText(s.since, now)})` : ''}_`;
    case 'stale':
      return `_${md(stateNote(s))}_`;
    case 'cancelled':
      return '_fit cancelled — no result yet_';
    case 'failed':
      return '_the fit failed (see Problems)_';
  }
  return anyResults ? '_no fit result for this law (see Problems)_' : '_not fitted yet_';
}

/** "started 14:02:31, 3 s ago". */
function startedText(since: number, now: number): string {
  const seconds = Math.max(0, Math.round((now - since) / 1000));
  return `started ${new Date(since).toLocaleTimeString('en-GB')}, ${seconds} s ago`;
}

/** The title of a law's Fit lens: its state while not current, else how the last fit went. */
export function fitLensTitle(s: LawFitState | undefined, r: LawResult | undefined): string {
  switch (s?.state) {
    case 'fitting':
    case 'refitting':
      return `$(sync~spin) ${s.state}…`;
    case 'stale':
      return '$(warning) Fit (stale)';
    case 'cancelled':
    case 'failed':
      return `$(circle-slash) Fit (${s.state})`;
  }
  if (!r) return 'Fit';
  return r.converged ? `$(check) Fit (${lawSummary(r).time})` : '$(warning) Fit (not converged)';
}

/** A short mark after an inlay hint's value that is not current (its tooltip has the whole note). */
export function hintMark(s: LawFitState | undefined): string {
  if (!s || s.state === 'fitted' || s.state === 'fitting') return '';
  return ` · ${s.state === 'refitting' ? 'refitting…' : s.state}`;
}
