// The standalone HTML report: the webview's own chart bundle inlined with the study's plot model,
// so the CLI and `npm run demo` show the same plots as the editor, with no network.
import * as fs from 'node:fs';
import type { StudyResults } from './core/results';
import type { Analysis } from './core/study';
import { standaloneReportHtml } from './present/reportHtml';
import { plotModel } from './present/plotModel';

export function buildReportHtml(
  analysis: Analysis,
  results: StudyResults,
  webviewBundlePath: string,
  source?: string,
): string {
  const bundle = fs.readFileSync(webviewBundlePath, 'utf8');
  const model = plotModel(analysis, results, source);
  return standaloneReportHtml(model, results.study ?? 'Scaling study', bundle, {
    generated: new Date().toISOString().slice(0, 10),
  });
}
