// Writes the report of a fitted study: the appendix (present/reportDocument.ts) as Markdown or as a
// standalone HTML page with the webview's own chart bundle inlined, so the CLI, `npm run demo` and
// Export Report show the same plots as the editor, with no network. This is the server layer: it
// reads and hashes the data files (node:crypto) and reads the version from package.json.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { StudyResults } from './core/results';
import type { Analysis } from './core/study';
import { standaloneReportHtml } from './present/reportHtml';
import { buildReportDocument, type DataFileFacts, type ReportMeta } from './present/reportDocument';
import { buildMarkdownReport } from './present/reportMarkdown';
import { plotModel } from './present/plotModel';

/** Each data file a dataset read: its path (relative to the study), its rows in the table, its SHA-256. */
export function dataFileFacts(analysis: Analysis, studyPath: string | undefined): DataFileFacts[] {
  const out: DataFileFacts[] = [];
  for (const [name, table] of analysis.model.datasets) {
    const rows = new Map<string, number>();
    for (let i = 0; i < table.origin.length; i++) {
      const o = table.origin.at(i)!;
      if ('file' in o) rows.set(o.file, (rows.get(o.file) ?? 0) + 1);
    }
    for (const [file, count] of rows) {
      let sha256: string;
      try {
        sha256 = createHash('sha256').update(fs.readFileSync(file)).digest('hex');
      } catch (e) {
        sha256 = `unreadable: ${(e as Error).message}`;
      }
      const shown = studyPath ? path.relative(path.dirname(studyPath), file) : file;
      out.push({ dataset: name, path: shown.split(path.sep).join('/'), rows: count, sha256 });
    }
  }
  return out;
}

/** Scaling Studio's version: the `version` of the package.json above this file (dist/ or server/src/). */
export function toolVersion(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    try {
      const pkg = JSON.parse(fs.readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'scaling-studio' && pkg.version) return pkg.version;
    } catch {
      // not here; look further up
    }
    if (path.dirname(dir) === dir) return 'unknown';
  }
}

export function reportMeta(analysis: Analysis, studyPath: string | undefined, date = new Date()): ReportMeta {
  return {
    studyFile: studyPath ? path.basename(studyPath) : undefined,
    version: toolVersion(),
    date,
    dataFiles: dataFileFacts(analysis, studyPath),
  };
}

export function buildReportHtml(
  analysis: Analysis,
  results: StudyResults,
  webviewBundlePath: string,
  studyPath?: string,
  meta: ReportMeta = reportMeta(analysis, studyPath),
): string {
  const bundle = fs.readFileSync(webviewBundlePath, 'utf8');
  const model = plotModel(analysis, results, meta.studyFile);
  return standaloneReportHtml(model, results.study ?? analysis.model.title ?? 'Scaling study', bundle, {
    document: buildReportDocument(analysis, results, meta),
  });
}

export function buildReportMarkdown(
  analysis: Analysis,
  results: StudyResults,
  studyPath?: string,
  meta: ReportMeta = reportMeta(analysis, studyPath),
): string {
  return buildMarkdownReport(analysis, results, meta);
}
