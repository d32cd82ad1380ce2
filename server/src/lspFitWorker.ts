// The fit worker thread (bundled as dist/lspFitWorker.js): analyses the document text again (the
// data loader reads the same files) and fits the laws it was asked for, with the same runFit the
// CLI uses — so the numbers equal `fit --json`'s. One job per worker; the server terminates it to cancel.
import * as os from 'node:os';
import { parentPort } from 'node:worker_threads';
import type { Diagnostic } from './core/diagnostics';
import { catalogue } from './core/laws';
import { analyze } from './core/study';
import { runFit } from './fitRunner';
import type { FitJob, FitReply } from './lsp/fitManager';
import { pathGuard } from './lsp/trust';
import { DataLoader, DEFAULT_MAX_MEMORY_MB } from './core/data/loader';
import { NodeHost } from './host/nodeHost';

const loader = new DataLoader(new NodeHost());

async function fit(job: FitJob): Promise<FitReply> {
  loader.setMaxMemoryMB(job.maxMemoryMB ?? DEFAULT_MAX_MEMORY_MB);
  const analysis = await analyze(job.text, {
    studyPath: job.studyPath,
    baseDir: job.baseDir,
    loader,
    catalogue,
    severities: job.severities,
    ...(job.elisions ? { elisions: job.elisions } : {}),
    isPathAllowed: job.pathPolicy ? pathGuard(job.pathPolicy, job.studyPath) : undefined,
  });
  const laws = new Set(job.laws);
  const isoflops = new Set(job.isoflops);
  const model = {
    ...analysis.model,
    laws: analysis.model.laws.filter((l) => laws.has(l.name)),
    isoflops: analysis.model.isoflops.filter((i) => isoflops.has(i.name)),
    predictions: analysis.model.predictions.filter((p) => laws.has(p.law)),
    optima: analysis.model.optima.filter((o) => laws.has(o.law) || isoflops.has(o.law)),
    frontiers: analysis.model.frontiers.filter((f) => laws.has(f.law) || isoflops.has(f.law)),
    plans: (analysis.model.plans ?? []).filter((p) => laws.has(p.law)),
    // Sweeps are cheap: the language server computes them for every version itself (incremental.ts).
    sweeps: [],
    comparisons: (analysis.model.comparisons ?? []).filter((c) => c.laws.every((n) => laws.has(n))),
  };
  // Leave one core to the editor: the language server's main thread must stay responsive.
  const workers = Math.max(1, os.cpus().length - 1);
  const run = await runFit({ ...analysis, model }, job.studyPath ?? '', { workers });
  const own = new Set<Diagnostic>(analysis.diagnostics);
  return {
    ok: true,
    results: run.results,
    fitDiagnostics: run.diagnostics.filter((d) => !own.has(d)),
    bases: run.bases,
  };
}

parentPort?.on('message', (job: FitJob) => {
  fit(job).then(
    (reply) => parentPort!.postMessage(reply),
    (e) => parentPort!.postMessage({ ok: false, message: (e as Error)?.message ?? String(e) } satisfies FitReply),
  );
});
