// Code lenses above each law (and isoflop): Fit, Plot, Report; above each `frontier` line: Plot (the
// Frontier view); above each `plan` line: its runs and width change (opens the law's plot); above each `compare` line: its verdict
// (a click fits the compared laws, together), Report; above each `plot` line: Show plot,
// opening the panel on that statement's view. Each runs a client command.
import type { CodeLens } from 'vscode-languageserver';
import type { StudyResults } from '../core/results';
import type { Analysis } from '../core/study';
import { Commands } from '../../../protocol/lsp';
import { lawResult, planResult } from '../present/resultsLookup';
import { planLensTitle } from '../present/plans';
import { comparisonResult, comparisonVerdict } from '../present/comparison';
import { fitLensTitle, type LawFitState } from '../present/fitStates';

export function codeLenses(
  analysis: Analysis,
  uri: string,
  results: StudyResults | undefined,
  states: (law: string) => LawFitState | undefined = () => undefined,
): CodeLens[] {
  const lenses: CodeLens[] = [];
  for (const s of analysis.parsed.file.statements) {
    if (s.kind === 'Plot' && s.subject) {
      // `plot chinchilla: L vs C` opens the panel on the fit view along C; `plot approach2` on its isoFLOPs.
      const line = analysis.lines.position(s.range.start).line;
      const subject = s.subject.text;
      const isoflop = analysis.model.isoflops.some((i) => i.name === subject);
      const sweep = analysis.model.sweeps.some((x) => x.name === subject);
      const view = sweep
        ? { view: 'sweep' }
        : { view: isoflop ? 'isoflop' : 'fit', ...(s.x && !isoflop ? { x: s.x.text } : {}) };
      lenses.push({
        range: { start: { line, character: 0 }, end: { line, character: 0 } },
        command: { title: 'Show plot', command: Commands.showPlot, arguments: [uri, view] },
      });
      continue;
    }
    if (s.kind === 'Sweep' && s.name) {
      // A sweep is computed with every edit: no Fit lens, a Plot lens on its own view.
      const line = analysis.lines.position(s.range.start).line;
      lenses.push({
        range: { start: { line, character: 0 }, end: { line, character: 0 } },
        command: { title: 'Plot', command: Commands.showPlot, arguments: [uri, { view: 'sweep' }] },
      });
      continue;
    }
    if (s.kind === 'Frontier') {
      // A frontier is drawn in the Frontier view (N*, D*, L* over the budgets, with bands).
      const line = analysis.lines.position(s.range.start).line;
      lenses.push({
        range: { start: { line, character: 0 }, end: { line, character: 0 } },
        command: { title: 'Plot', command: Commands.showPlot, arguments: [uri, { view: 'frontier' }] },
      });
      continue;
    }
    if (s.kind === 'Plan') {
      // "Plan: 4 runs, width −38%" opens the law's fit view, where the proposed runs are drawn; before
      // a fit, the lens fits the law.
      const p = analysis.model.plans?.find((x) => x.range.start === s.range.start);
      if (!p) continue;
      const line = analysis.lines.position(s.range.start).line;
      const range = { start: { line, character: 0 }, end: { line, character: 0 } };
      const r = planResult(results, p);
      const title = r && planLensTitle(r);
      lenses.push({
        range,
        command: title
          ? { title, command: Commands.showPlot, arguments: [uri, p.law] }
          : {
              title: r ? 'Plan: no runs proposed' : `Plan: fit ${p.law}`,
              command: Commands.fitLawAtCursor,
              arguments: [uri, p.law],
            },
      });
      continue;
    }
    if (s.kind === 'Compare') {
      // The verdict once the compared laws are fitted; the lens fits the study (a comparison needs all its laws in one fit).
      const c = analysis.model.comparisons?.find((x) => x.range.start === s.range.start);
      if (!c || c.laws.length === 0) continue;
      const line = analysis.lines.position(s.range.start).line;
      const range = { start: { line, character: 0 }, end: { line, character: 0 } };
      const r = comparisonResult(results, c);
      const title = r ? `★ ${comparisonVerdict(r)}` : `Compare: fit ${c.laws.join(', ')}`;
      lenses.push({ range, command: { title, command: Commands.fitStudy, arguments: [uri] } });
      lenses.push({ range, command: { title: 'Report', command: Commands.exportReport, arguments: [uri] } });
      continue;
    }
    if ((s.kind !== 'Law' && s.kind !== 'Isoflop') || !s.name) continue;
    const name = s.name.text;
    const line = analysis.lines.position(s.range.start).line;
    const range = { start: { line, character: 0 }, end: { line, character: 0 } };
    const r = s.kind === 'Law' ? lawResult(results, name) : undefined;
    const fitTitle = fitLensTitle(states(name), r);
    lenses.push({ range, command: { title: fitTitle, command: Commands.fitLawAtCursor, arguments: [uri, name] } });
    lenses.push({ range, command: { title: 'Plot', command: Commands.showPlot, arguments: [uri, name] } });
    lenses.push({ range, command: { title: 'Report', command: Commands.exportReport, arguments: [uri] } });
  }
  return lenses;
}
