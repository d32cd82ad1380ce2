// Fits an analysed study and assembles the one results document that the CLI prints, the hover
// and inlay hints read, and the plots draw — so their numbers cannot disagree.
import type { Analysis } from './core/study';
import { toJsonDiagnostic } from './core/study';
import type { StudyResults } from './core/results';
import { fitStudy } from './core/fit';
import type { Diagnostic } from './core/diagnostics';
import type { AnswerBasis } from './core/fit/types';

export interface FitRun {
  results: StudyResults;
  /** All diagnostics, the analysis' and the fit's, with source ranges (for the editor). */
  diagnostics: Diagnostic[];
  hasError: boolean;
  /** Per fitted law, the basis of its answers' intervals (the editor answers new questions from it). */
  bases: Record<string, AnswerBasis>;
}

export async function runFit(
  analysis: Analysis,
  _studyPath: string,
  options: { signal?: AbortSignal; workers?: number; timeBudgetMs?: number } = {},
): Promise<FitRun> {
  const syntaxOrBindErrors = analysis.diagnostics.some((d) => d.severity === 'error');
  const fitted = await fitStudy(analysis.model, {
    signal: options.signal,
    workers: options.workers,
    timeBudgetMs: options.timeBudgetMs,
  });
  const diagnostics = [...analysis.diagnostics, ...fitted.diagnostics].sort((a, b) => a.range.start - b.range.start);
  const results: StudyResults = {
    study: analysis.model.title ?? null,
    ...fitted.results,
    diagnostics: diagnostics.map((d) => toJsonDiagnostic(d, analysis.lines)),
  };
  return {
    results,
    diagnostics,
    hasError: syntaxOrBindErrors || diagnostics.some((d) => d.severity === 'error'),
    bases: fitted.bases,
  };
}
