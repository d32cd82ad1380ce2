// Custom messages between the Scaling Studio client and language server. Every message carries the
// document URI and version, so a result for an old version can be recognised and dropped.
// Each message is a typed constant (RequestType / NotificationType), so both ends agree on the params
// and the answer at compile time; no call site names a method as a bare string.
import { NotificationType, RequestType } from 'vscode-jsonrpc';
import type { StudyResults } from '../server/src/core/results';
import type { PlotModel } from './plot';

/**
 * The honest state of the results an editor shows for a document (docs/editor.md):
 * - `fitting`: no result yet, a fit runs (or is about to);
 * - `refitting`: the last result is shown while a new one is computed;
 * - `fitted`: the results shown are those of the current text and data;
 * - `stale`: the inputs changed or broke since the result shown (`message` says how);
 * - `failed`: the last fit failed (`message` says why);
 * - `cancelled`: the fit was cancelled; what is shown is the last result, if any.
 */
export type FitStateKind = 'fitting' | 'refitting' | 'fitted' | 'stale' | 'failed' | 'cancelled';

/** Server → client: the fit state of one document version changed. */
export interface FitStateParams {
  uri: string;
  version: number;
  state: FitStateKind;
  /** Wall-clock milliseconds of the fit (fitted / failed). */
  ms?: number;
  /** Law being fitted when only one law was asked for. */
  law?: string;
  /** A short reason when failed or stale. */
  message?: string;
}
export const FitStateNotification = new NotificationType<FitStateParams>('scaling/fitState');

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
export const ResultsRequest = new RequestType<ResultsParams, ResultsResponse | null, void>('scaling/results');

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
export const FitRequest = new RequestType<FitParams, FitResponse, void>('scaling/fit');

/** Client → server: cancel the running fit of a document (every document when uri is omitted). */
export interface CancelFitParams {
  uri?: string;
}
export const CancelFitNotification = new NotificationType<CancelFitParams>('scaling/cancelFit');

/** Client → server: the law whose block contains a position (for Fit Law at Cursor). */
export interface LawAtParams {
  uri: string;
  position: { line: number; character: number };
}
/** The law's name, or null when the position is in no law or isoflop. */
export const LawAtRequest = new RequestType<LawAtParams, string | null, void>('scaling/lawAt');

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
export const ReportRequest = new RequestType<ReportParams, ReportResponse | null, void>('scaling/report');

/** Client → server: the plot data of the latest fit. */
export interface PlotParams {
  uri: string;
}
export interface PlotResponse {
  uri: string;
  version: number;
  model: PlotModel;
  /** When the curves are not current: the fit state (the panel shows a banner). */
  state?: { state: FitStateKind; message?: string };
}
export const PlotRequest = new RequestType<PlotParams, PlotResponse | null, void>('scaling/plot');

/** Client → server: scaffold a study for a data file (New Study from Data…). */
export interface ScaffoldParams {
  /** Absolute path of the CSV/TSV/JSONL file. */
  dataPath: string;
  /** Absolute path of the study file to be written (data paths are relative to it). */
  studyPath: string;
}
export interface ScaffoldResponse {
  text: string;
}
export const ScaffoldRequest = new RequestType<ScaffoldParams, ScaffoldResponse, void>('scaling/scaffold');

/** Client → server: the user granted workspace trust (vscode.workspace.onDidGrantWorkspaceTrust). */
export interface WorkspaceTrustParams {
  trusted: boolean;
}
export const WorkspaceTrustNotification = new NotificationType<WorkspaceTrustParams>('scalingStudio/workspaceTrust');

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
