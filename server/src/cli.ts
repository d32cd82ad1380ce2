// scaling-studio: the same core as the language server, headless.
//   scaling-studio check FILE          diagnostics as FILE:LINE:COL: severity code: message
//   scaling-studio fit FILE [--json]   fit every law, isoflop, prediction and optimum
//   scaling-studio demo                fit the bundled example and write an HTML report
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyze, toJsonDiagnostic, type Analysis } from './core/study';
import { catalogue } from './core/laws';
import { DataLoader } from './core/data/loader';
import { NodeHost } from './host/nodeHost';
import { runFit } from './fitRunner';
import { formatResultsTable, tableContext } from './present/resultsTable';

const USAGE = `usage: scaling-studio <command> [options]

commands:
  check FILE            check a study; print each diagnostic as FILE:LINE:COL: severity code: message
  fit FILE [--json]     fit the study; a readable table, or one JSON document with --json
                        [--report OUT.html | OUT.md] also writes the report: the study text, data
                        files with SHA-256, every fit in full, every warning, plots (HTML), checklist
  demo [--out DIR]      fit the bundled example study and write its report (default: ./scaling-report)
  help                  this text

exit status: 0 no errors, 1 the study has errors, 2 usage errors`;

export async function main(argv: string[], out = process.stdout, err = process.stderr): Promise<number> {
  const [command, ...rest] = argv;
  const flags = new Set(rest.filter((a) => a.startsWith('--')));
  const positional = rest.filter(
    (a, i) => !a.startsWith('--') && !(i > 0 && ['--report', '--out'].includes(rest[i - 1])),
  );
  const option = (name: string) => {
    const i = rest.indexOf(name);
    return i >= 0 ? rest[i + 1] : undefined;
  };
  const usage = (message: string) => {
    err.write(`scaling-studio: ${message}\n\n${USAGE}\n`);
    return 2;
  };
  switch (command) {
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      out.write(USAGE + '\n');
      return command === undefined ? 2 : 0;
    case 'check': {
      if (positional.length !== 1) return usage('check takes one FILE');
      const analysis = await load(positional[0], err);
      if (!analysis) return 2;
      printDiagnostics(positional[0], analysis, out);
      return analysis.diagnostics.some((d) => d.severity === 'error') ? 1 : 0;
    }
    case 'fit': {
      if (positional.length !== 1) return usage('fit takes one FILE');
      const known = new Set(['--json', '--report']);
      const unknown = [...flags].find((f) => !known.has(f));
      if (unknown) return usage(`unknown option ${unknown}`);
      const analysis = await load(positional[0], err);
      if (!analysis) return 2;
      const { results, hasError } = await runFit(analysis, path.resolve(positional[0]));
      if (flags.has('--json')) out.write(JSON.stringify(results, null, 2) + '\n');
      else out.write(formatResultsTable(results, positional[0], tableContext(analysis.model)));
      const report = option('--report');
      if (report) await writeReport(analysis, results, report, path.resolve(positional[0]), err);
      return hasError ? 1 : 0;
    }
    case 'demo': {
      const example = path.resolve(__dirname, '..', 'examples', 'chinchilla.scaling');
      const analysis = await load(example, err);
      if (!analysis) return 2;
      out.write(`Scaling Studio demo: ${path.relative(process.cwd(), example)}\n`);
      out.write(`(synthetic runs drawn from a published law; see the file's header)\n\n`);
      const { results, hasError } = await runFit(analysis, example);
      out.write(formatResultsTable(results, path.relative(process.cwd(), example), tableContext(analysis.model)));
      const dir = option('--out') ?? 'scaling-report';
      await writeReport(analysis, results, path.join(dir, 'chinchilla.html'), example, err, out);
      return hasError ? 1 : 0;
    }
    default:
      return usage(`unknown command '${command}'`);
  }
}

async function load(file: string, err: NodeJS.WritableStream): Promise<Analysis | undefined> {
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
  return analyze(text, { studyPath: path.resolve(file), loader: new DataLoader(new NodeHost()), catalogue });
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
      process.stderr.write(`scaling-studio: internal error: ${(e as Error).stack ?? e}\n`);
      process.exit(3);
    },
  );
}
