// scaling-studio: the same core as the language server, headless.
//   scaling-studio check FILE          diagnostics as FILE:LINE:COL: severity code: message
//   scaling-studio fit FILE [--json]   fit every law, isoflop, prediction and optimum
//   scaling-studio demo                fit the bundled example and write an HTML report
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { analyze, toJsonDiagnostic, type Analysis } from './core/study';
import type { LawResult } from './core/results';
import { catalogue } from './core/laws';
import { DataLoader } from './core/data/loader';
import { NodeHost } from './host/nodeHost';
import { runFit } from './fitRunner';
import { formatResultsTable, tableContext } from './present/resultsTable';
import { escapeControls, terminalSafe } from './terminal';

const USAGE = `usage: scaling-studio <command> [options]

commands:
  check FILE            check a study; print each diagnostic as FILE:LINE:COL: severity code: message
  fit FILE [--json]     fit the study; a readable table, or one JSON document with --json
                        [--report OUT.html | OUT.md] also writes the report: the study text, data
                        files with SHA-256, every fit in full, every warning, plots (HTML), checklist
  demo [--out DIR]      fit the bundled example study and write its report (default: ./scaling-report)
  help                  this text

options of check and fit:
  --max-memory-mb N     refuse data files whose load would need more than N MB (default 2048)
options of fit:
  --time-budget S       stop each law's search after S seconds (default 60); a law stopped early
                        is reported as not converged

exit status: 0 no errors, 1 the study has errors or a law's fit did not converge, 2 usage errors`;

const COMMAND_OPTIONS = {
  check: { 'max-memory-mb': { type: 'string' } },
  fit: {
    json: { type: 'boolean' },
    report: { type: 'string' },
    'max-memory-mb': { type: 'string' },
    'time-budget': { type: 'string' },
  },
  demo: { out: { type: 'string' } },
} as const;

export async function main(
  argv: string[],
  rawOut: NodeJS.WritableStream = process.stdout,
  rawErr: NodeJS.WritableStream = process.stderr,
): Promise<number> {
  const out = terminalSafe(rawOut);
  const err = terminalSafe(rawErr);
  const [command, ...rest] = argv;
  const usage = (message: string) => {
    err.write(`scaling-studio: ${message}\n\n${USAGE}\n`);
    return 2;
  };
  // util.parseArgs, strict: an unknown option or a missing option value is a usage error.
  let parsed: {
    positionals: string[];
    values: { json?: boolean; report?: string; out?: string; 'max-memory-mb'?: string; 'time-budget'?: string };
  };
  try {
    parsed = parseArgs({
      args: rest,
      options: COMMAND_OPTIONS[command as keyof typeof COMMAND_OPTIONS] ?? {},
      allowPositionals: true,
      // Unknown commands get their own message below, whatever options follow them.
      strict: command !== undefined && command in COMMAND_OPTIONS,
    }) as typeof parsed;
  } catch (e) {
    return usage((e as Error).message.split(/\.\s|\n/)[0]);
  }
  const positional = parsed.positionals;
  const values = parsed.values;
  const maxMemoryMB = values['max-memory-mb'] === undefined ? undefined : Number(values['max-memory-mb']);
  if (maxMemoryMB !== undefined && !(Number.isFinite(maxMemoryMB) && maxMemoryMB > 0))
    return usage(`--max-memory-mb takes a positive number of megabytes, not '${values['max-memory-mb']}'`);
  const timeBudget = values['time-budget'] === undefined ? undefined : Number(values['time-budget']);
  if (timeBudget !== undefined && !(Number.isFinite(timeBudget) && timeBudget > 0))
    return usage(`--time-budget takes a positive number of seconds, not '${values['time-budget']}'`);
  switch (command) {
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      out.write(USAGE + '\n');
      return command === undefined ? 2 : 0;
    case 'check': {
      if (positional.length !== 1) return usage('check takes one FILE');
      const analysis = await load(positional[0], err, maxMemoryMB);
      if (!analysis) return 2;
      printDiagnostics(positional[0], analysis, out);
      return analysis.diagnostics.some((d) => d.severity === 'error') ? 1 : 0;
    }
    case 'fit': {
      if (positional.length !== 1) return usage('fit takes one FILE');
      const analysis = await load(positional[0], err, maxMemoryMB);
      if (!analysis) return 2;
      const timeBudgetMs = timeBudget === undefined ? undefined : timeBudget * 1000;
      const { results, hasError } = await runFit(analysis, path.resolve(positional[0]), { timeBudgetMs });
      if (values.json) out.write(JSON.stringify(results, null, 2) + '\n');
      else out.write(formatResultsTable(results, positional[0], tableContext(analysis.model)));
      const report = values.report;
      if (report) await writeReport(analysis, results, report, path.resolve(positional[0]), err);
      return fitExitStatus(results.laws, hasError, err);
    }
    case 'demo': {
      const example = path.resolve(__dirname, '..', 'examples', 'chinchilla.scaling');
      const analysis = await load(example, err);
      if (!analysis) return 2;
      out.write(`Scaling Studio demo: ${path.relative(process.cwd(), example)}\n`);
      out.write(`(synthetic runs drawn from a published law; see the file's header)\n\n`);
      const { results, hasError } = await runFit(analysis, example);
      out.write(formatResultsTable(results, path.relative(process.cwd(), example), tableContext(analysis.model)));
      const dir = values.out ?? 'scaling-report';
      await writeReport(analysis, results, path.join(dir, 'chinchilla.html'), example, err, out);
      return fitExitStatus(results.laws, hasError, err);
    }
    default:
      return usage(`unknown command '${command}'`);
  }
}

async function load(file: string, err: NodeJS.WritableStream, maxMemoryMB?: number): Promise<Analysis | undefined> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    err.write(
      `scaling-studio: cannot read '${file}'${code === 'ENOENT' ? ': no such file' : `: ${(e as Error).message}`}\n`,
    );
    return undefined;
  }
  // The CLI trusts the paths its user gives it: no isPathAllowed.
  const loader = new DataLoader(new NodeHost(), { maxMemoryMB });
  return analyze(text, { studyPath: path.resolve(file), loader, catalogue });
}

function printDiagnostics(file: string, analysis: Analysis, out: NodeJS.WritableStream): void {
  for (const d of analysis.diagnostics) {
    const j = toJsonDiagnostic(d, analysis.lines);
    out.write(`${file}:${j.line}:${j.column}: ${j.severity} ${j.code}: ${j.message}\n`);
  }
  const errors = analysis.diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = analysis.diagnostics.filter((d) => d.severity === 'warning').length;
  if (analysis.diagnostics.length === 0) out.write(`${file}: no problems\n`);
  else
    out.write(`${file}: ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}\n`);
}

/** A fit whose best start did not converge is not a result to build on: exit 1 and say which law. */
function fitExitStatus(laws: readonly LawResult[], hasError: boolean, err: NodeJS.WritableStream): number {
  const unconverged = laws.filter((l) => !l.converged);
  for (const l of unconverged)
    err.write(`scaling-studio: law '${l.name}' did not converge (${l.stop_reason}); its numbers are not trustworthy\n`);
  return hasError || unconverged.length > 0 ? 1 : 0;
}

async function writeReport(
  analysis: Analysis,
  results: Awaited<ReturnType<typeof runFit>>['results'],
  file: string,
  studyPath: string,
  err: NodeJS.WritableStream,
  out?: NodeJS.WritableStream,
): Promise<void> {
  try {
    const { buildReportHtml, buildReportMarkdown } = await import('./reportWriter');
    const text = /\.(md|markdown)$/i.test(file)
      ? buildReportMarkdown(analysis, results, studyPath)
      : buildReportHtml(analysis, results, path.resolve(__dirname, 'webview.js'), studyPath);
    fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    fs.writeFileSync(file, text);
    out?.write(`\nreport with plots: ${file}\n`);
  } catch (e) {
    err.write(`scaling-studio: could not write the report: ${(e as Error).message}\n`);
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
      process.stderr.write(escapeControls(`scaling-studio: internal error: ${(e as Error).stack ?? e}\n`));
      process.exit(3);
    },
  );
}
