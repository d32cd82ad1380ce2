// Custom messages between the Scaling Studio client and language server. Every message carries the
// document URI and version, so a result for an old version can be recognised and dropped.
import type { StudyResults } from '../server/src/core/results';

export type FitStateKind = 'queued' | 'fitting' | 'fitted' | 'failed' | 'cancelled';

/** Server → client: the background fit of one document version changed state. */
export interface FitStateParams {
  uri: string;
  version: number;
  state: FitStateKind;
  /** Wall-clock milliseconds of the fit (fitted / failed). */
  ms?: number;
  /** Law being fitted when only one law was asked for. */
  law?: string;
  /** A short reason when failed. */
  message?: string;
}
export const FitStateNotification = 'scaling/fitState';

/** Client → server: the latest fit results of a document (version: undefined = the newest fitted version). */
export interface ResultsParams {
  uri: string;
  version?: number;
}
/** null when there is no result for that document (or not for that version). */
export interface ResultsResponse {
  uri: string;
  version: number;
  results: StudyResults;
}
export const ResultsRequest = 'scaling/results';

/** Client → server: fit now (the whole study, or one law); resolves when the fit ends. */
export interface FitParams {
  uri: string;
  law?: string;
}
export interface FitResponse {
  uri: string;
  version: number;
  state: FitStateKind;
  ms: number;
  message?: string;
}
export const FitRequest = 'scaling/fit';

/** Client → server: cancel the running fit of a document (every document when uri is omitted). */
export interface CancelFitParams {
  uri?: string;
}
export const CancelFitNotification = 'scaling/cancelFit';

/** Client → server: the law whose block contains a position (for Fit Law at Cursor). */
export interface LawAtParams {
  uri: string;
  position: { line: number; character: number };
}
export const LawAtRequest = 'scaling/lawAt';

/** Client → server: the Markdown report of the latest fit (null when not fitted yet). */
export interface ReportParams {
  uri: string;
}
export interface ReportResponse {
  uri: string;
  version: number;
  markdown: string;
  /** The standalone HTML report with plots, when the chart bundle is available. */
  html?: string;
  results: StudyResults;
}
export const ReportRequest = 'scaling/report';

/** Client → server: the plot data of the latest fit (shape: protocol/plot.ts PlotModel when available). */
export interface PlotParams {
  uri: string;
}
export interface PlotResponse {
  uri: string;
  version: number;
  model: unknown;
}
export const PlotRequest = 'scaling/plot';

/** Client → server: scaffold a study for a data file (New Study from CSV…). */
export interface ScaffoldParams {
  /** Absolute path of the CSV/TSV/JSONL file. */
  dataPath: string;
  /** Absolute path of the study file to be written (data paths are relative to it). */
  studyPath: string;
}
export interface ScaffoldResponse {
  text: string;
}
export const ScaffoldRequest = 'scaling/scaffold';

/** Commands the client registers (code lenses run them). */
export const Commands = {
  fitStudy: 'scalingStudio.fitStudy',
  fitLawAtCursor: 'scalingStudio.fitLawAtCursor',
  showPlot: 'scalingStudio.showPlot',
  exportReport: 'scalingStudio.exportReport',
  restartServer: 'scalingStudio.restartServer',
  newStudyFromCsv: 'scalingStudio.newStudyFromCsv',
  cancelFit: 'scalingStudio.cancelFit',
  showLog: 'scalingStudio.showLog',
} as const;
