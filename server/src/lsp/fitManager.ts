// Background fits: after edits settle (debounced) and when a data file changes, refit the laws
// whose inputs changed, in a worker thread, one job per document at a time. A result is applied
// only to a document version whose inputs equal those the job fitted; anything else is dropped.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { diagnostic, type Diagnostic, type Severity } from '../core/diagnostics';
import type { StudyResults } from '../core/results';
import type { AnswerBasis } from '../core/fit/types';
import type { Analysis } from '../core/study';
import type { Elision } from '../core/syntax/lineIndex';
import type { FitResponse, FitStateParams } from '../../../protocol/lsp';
import { rememberBasis } from './cachedAnswers';
import { fitView, type FitView } from './fitState';
import { combine, fitKeys, moveDiagnostics, planFit, type FitKeys, type FitRecord } from './incremental';
import { logMessage } from './safe';
import type { PathPolicy } from './trust';

/** What the worker is asked to do: analyse this text and fit these laws and isoflops. */
export interface FitJob {
  text: string;
  /** Refused tables' rows the text leaves out (a huge study in the editor): analysed as the editor did. */
  elisions?: readonly Elision[];
  studyPath: string | undefined;
  /** Where relative data paths resolve for an untitled study (the workspace folder). */
  baseDir?: string;
  severities: Record<string, Severity | 'off'>;
  /** The editor's bound on data memory (MB), so the worker refuses what the editor refuses. */
  maxMemoryMB?: number;
  laws: string[];
  isoflops: string[];
  /** Workspace trust: the worker reads only the data files the editor's analysis may read. */
  pathPolicy?: PathPolicy;
}

export type FitReply =
  | {
      ok: true;
      results: StudyResults;
      fitDiagnostics: Diagnostic[];
      /** Per law, the basis of its answers' intervals (structured-cloned from the worker). */
      bases?: Record<string, AnswerBasis>;
    }
  | { ok: false; message: string; cancelled?: boolean };

export interface FitBackend {
  run(job: FitJob, signal: AbortSignal): Promise<FitReply>;
}

/** Runs each job in a fresh worker thread (dist/lspFitWorker.js); cancelling terminates it. */
export class WorkerBackend implements FitBackend {
  constructor(readonly workerPath: string) {}

  run(job: FitJob, signal: AbortSignal): Promise<FitReply> {
    if (!fs.existsSync(this.workerPath)) {
      return Promise.resolve({ ok: false, message: `the fit worker is missing (${path.basename(this.workerPath)})` });
    }
    return new Promise((resolve) => {
      let done = false;
      const finish = (r: FitReply) => {
        if (done) return;
        done = true;
        signal.removeEventListener('abort', onAbort);
        void worker.terminate();
        resolve(r);
      };
      const worker = new Worker(this.workerPath, { stdout: true, stderr: true });
      worker.stdout.on('data', (d) => logMessage(`[fit worker] ${String(d).trimEnd()}`));
      worker.stderr.on('data', (d) => logMessage(`[fit worker] ${String(d).trimEnd()}`));
      const onAbort = () => finish({ ok: false, message: 'cancelled', cancelled: true });
      signal.addEventListener('abort', onAbort);
      worker.on('message', (r: FitReply) => finish(r));
      worker.on('error', (e) => finish({ ok: false, message: e?.message ?? String(e) }));
      worker.on('exit', (code) => finish({ ok: false, message: `the fit worker exited (${code})` }));
      worker.postMessage(job);
    });
  }
}

/**
 * At most `max` fits run at once across all documents; the others wait in order (a cancelled one
 * leaves the queue). Opening 50 studies otherwise starts 50 worker threads together: measured by
 * bench/load.mjs, 540 MB RSS and hover p95 4.8 s on 2 cores, against 80 MB / 32 ms without fits.
 */
export class LimitedBackend implements FitBackend {
  private running = 0;
  private readonly queue: (() => void)[] = [];

  constructor(
    private readonly inner: FitBackend,
    readonly max: number,
  ) {}

  async run(job: FitJob, signal: AbortSignal): Promise<FitReply> {
    if (this.running >= this.max) {
      const admitted = await new Promise<boolean>((resolve) => {
        const go = () => {
          signal.removeEventListener('abort', onAbort);
          resolve(true);
        };
        const onAbort = () => {
          const i = this.queue.indexOf(go);
          if (i >= 0) this.queue.splice(i, 1);
          resolve(false);
        };
        signal.addEventListener('abort', onAbort);
        this.queue.push(go);
      });
      if (!admitted) return { ok: false, message: 'cancelled', cancelled: true };
    } else this.running++;
    try {
      return await this.inner.run(job, signal);
    } finally {
      const next = this.queue.shift();
      if (next) next();
      else this.running--;
    }
  }
}

interface CurrentDocument {
  version: number;
  analysis: Analysis;
  studyPath: string | undefined;
  baseDir?: string;
}

interface Running {
  version: number;
  analysis: Analysis;
  keys: FitKeys;
  laws: string[];
  isoflops: string[];
  controller: AbortController;
  started: number;
  promise: Promise<FitResponse>;
}

interface DocFits {
  record?: FitRecord;
  running?: Running;
  timer?: NodeJS.Timeout;
  /** How the last fit ended when it gave no results (cleared when a fit starts). */
  outcome?: { state: 'cancelled' | 'failed'; message?: string };
  /** The last state sent, so each change is sent once. */
  published?: string;
  /** Wall-clock ms of the fit the shown results came from (the status item says "fitted in N ms"). */
  lastMs?: number;
}

interface FitManagerOptions {
  backend: FitBackend;
  /** The current version of a document (undefined when it was closed). */
  current: (uri: string) => CurrentDocument | undefined | Promise<CurrentDocument | undefined>;
  severities: () => Record<string, Severity | 'off'>;
  maxMemoryMB?: () => number;
  debounceMs: () => number;
  enabled: () => boolean;
  /** Workspace trust and folders, passed on to the worker (absent: every path is readable). */
  pathPolicy?: () => PathPolicy;
  onState: (p: FitStateParams) => void;
  /** A new record (results for a version) is available: republish diagnostics, refresh hints. */
  onRecord: (uri: string, record: FitRecord) => void;
}

export class FitManager {
  private readonly docs = new Map<string, DocFits>();

  constructor(private readonly o: FitManagerOptions) {}

  private doc(uri: string): DocFits {
    let d = this.docs.get(uri);
    if (!d) this.docs.set(uri, (d = {}));
    return d;
  }

  /** The results valid for exactly this version (undefined while none are). */
  record(uri: string, version: number): FitRecord | undefined {
    const r = this.docs.get(uri)?.record;
    return r && r.version === version ? r : undefined;
  }

  /** The newest record of a document, whatever its version. */
  latest(uri: string): FitRecord | undefined {
    return this.docs.get(uri)?.record;
  }

  isRunning(uri: string): boolean {
    return !!this.docs.get(uri)?.running;
  }

  /** What the editor shows for this version: results (current and carried) and their states. */
  view(uri: string, version: number): FitView {
    const d = this.docs.get(uri);
    const record = d?.record && d.record.version === version ? d.record : undefined;
    return fitView(record, this.activity(d));
  }

  /**
   * The view of a version a request reached before its validation did (the server validates on the
   * next tick, and a burst of edits queues them): the record is brought up to this version first, so
   * unchanged laws' results and cached answers show at once. A request about an older version than the
   * record's (it waited while newer versions were validated) gets a view built from the record,
   * which is not stored: the record never moves back.
   */
  viewOf(uri: string, version: number, analysis: Analysis): FitView {
    const d = this.docs.get(uri);
    if (!d?.record || d.record.version === version) return this.view(uri, version);
    if (d.record.version < version) {
      this.update(uri, version, analysis);
      return this.view(uri, version);
    }
    return fitView(combine(analysis, version, fitKeys(analysis), d.record), this.activity(d));
  }

  private activity(d: DocFits | undefined) {
    const missing = d?.record ? d.record.missing.laws.length + d.record.missing.isoflops.length > 0 : false;
    const busy = !!d && (!!d.running || !!d.timer || (missing && this.o.enabled() && !d.outcome));
    return {
      busy,
      ...(d?.running ? { since: d.running.started } : {}),
      ...(d?.outcome ? { outcome: d.outcome } : {}),
    };
  }

  /** Sends the document's state when it changed (ms and law only describe a fit that just ended or began). */
  private publish(uri: string, extra: { ms?: number; law?: string } = {}): void {
    const d = this.docs.get(uri);
    if (!d?.record) return;
    const s = fitView(d.record, this.activity(d)).document;
    if (!s) return;
    if (s.state === 'fitted') {
      if (extra.ms !== undefined && extra.ms > 0) d.lastMs = extra.ms;
      else if (d.lastMs !== undefined) extra = { ...extra, ms: d.lastMs };
    }
    const key = `${d.record.version}|${s.state}|${s.reason ?? ''}|${extra.ms ?? ''}|${extra.law ?? ''}`;
    if (key === d.published) return;
    d.published = key;
    this.o.onState({
      uri,
      version: d.record.version,
      state: s.state,
      ...extra,
      ...(s.reason ? { message: s.reason } : {}),
    });
  }

  /** A new version was analysed: carry unchanged laws' results over, schedule a refit of the rest. */
  update(uri: string, version: number, analysis: Analysis, options: { dataChanged?: boolean } = {}): void {
    const d = this.doc(uri);
    const keys = fitKeys(analysis);
    if (d.record?.version !== version || options.dataChanged) {
      d.record = combine(analysis, version, keys, d.record);
      this.o.onRecord(uri, d.record);
    }
    // A running job whose laws' inputs changed is wasted work: stop it.
    if (d.running && !sameKeys(d.running, keys)) this.abort(uri, d, false);
    const needed = planFit(d.record, keys);
    if (needed.laws.length + needed.isoflops.length > 0 && !d.running && this.o.enabled()) {
      d.outcome = undefined;
      this.schedule(uri, d);
    }
    this.publish(uri);
  }

  private schedule(uri: string, d: DocFits): void {
    if (d.timer) clearTimeout(d.timer);
    d.timer = setTimeout(() => {
      d.timer = undefined;
      void this.start(uri, {}).catch((e) => logMessage(`[error] fit: ${(e as Error)?.stack ?? e}`));
    }, this.o.debounceMs());
  }

  /** Fit now: the missing laws (or, with `force`, every law or the one named). Resolves when the fit ends. */
  async start(uri: string, options: { law?: string; force?: boolean }): Promise<FitResponse> {
    const cur = await this.o.current(uri);
    if (!cur) return { uri, version: -1, state: 'failed', ms: 0, message: 'the document is not open' };
    const d = this.doc(uri);
    const keys = fitKeys(cur.analysis);
    if (d.record?.version !== cur.version) d.record = combine(cur.analysis, cur.version, keys, d.record);
    let laws: string[];
    let isoflops: string[];
    if (options.law) {
      if (!keys.laws.has(options.law) && !keys.isoflops.has(options.law)) {
        const message = `no fittable law named '${options.law}'`;
        return { uri, version: cur.version, state: 'failed', ms: 0, message };
      }
      laws = keys.laws.has(options.law) ? [options.law] : [];
      isoflops = keys.isoflops.has(options.law) ? [options.law] : [];
    } else if (options.force) {
      laws = [...keys.laws.keys()];
      isoflops = [...keys.isoflops.keys()];
    } else ({ laws, isoflops } = planFit(d.record, keys));
    if (laws.length + isoflops.length === 0) {
      this.publish(uri, { ms: 0 });
      return { uri, version: cur.version, state: 'fitted', ms: 0 };
    }
    if (d.running) {
      if (!options.force && !options.law && d.running.version === cur.version) return d.running.promise;
      this.abort(uri, d, false);
    }
    if (d.timer) clearTimeout(d.timer);
    d.timer = undefined;
    const controller = new AbortController();
    const started = Date.now();
    const running: Running = {
      version: cur.version,
      analysis: cur.analysis,
      keys,
      laws,
      isoflops,
      controller,
      started,
      promise: undefined as unknown as Promise<FitResponse>,
    };
    d.running = running;
    d.outcome = undefined;
    this.publish(uri, options.law ? { law: options.law } : {});
    running.promise = (async (): Promise<FitResponse> => {
      const job: FitJob = {
        text: cur.analysis.text,
        ...(cur.analysis.lines.elisions.length > 0 ? { elisions: cur.analysis.lines.elisions } : {}),
        studyPath: cur.studyPath,
        ...(cur.baseDir ? { baseDir: cur.baseDir } : {}),
        severities: this.o.severities(),
        ...(this.o.maxMemoryMB ? { maxMemoryMB: this.o.maxMemoryMB() } : {}),
        laws,
        isoflops,
        ...(this.o.pathPolicy ? { pathPolicy: this.o.pathPolicy() } : {}),
      };
      let reply: FitReply;
      try {
        reply = await this.o.backend.run(job, controller.signal);
      } catch (e) {
        reply = { ok: false, message: (e as Error)?.message ?? String(e) };
      }
      if (d.running === running) d.running = undefined;
      const ms = Date.now() - started;
      if (!reply.ok) {
        if (reply.cancelled) {
          this.publish(uri);
          return { uri, version: cur.version, state: 'cancelled', ms };
        }
        logMessage(`[fit] ${uri} v${cur.version} failed after ${ms} ms: ${reply.message}`);
        // The failure becomes a diagnostic on each law it was fitting (when the text still matches).
        const now = await this.o.current(uri);
        if (now && d.record && d.record.version === now.version && sameKeys(running, fitKeys(now.analysis))) {
          const fitDiagnostics = [...d.record.fitDiagnostics];
          for (const name of laws) {
            const law = now.analysis.model.laws.find((l) => l.name === name);
            if (law) {
              fitDiagnostics.push(
                diagnostic(
                  'error',
                  'scaling.fit-failed',
                  `the fit of '${name}' failed: ${reply.message}`,
                  law.nameRange,
                ),
              );
            }
          }
          d.record = {
            ...d.record,
            fitDiagnostics,
            missing: {
              laws: d.record.missing.laws.filter((l) => !laws.includes(l)),
              isoflops: d.record.missing.isoflops.filter((l) => !isoflops.includes(l)),
            },
            failed: { laws: [...d.record.failed.laws, ...laws], isoflops: [...d.record.failed.isoflops, ...isoflops] },
          };
          this.o.onRecord(uri, d.record);
        }
        d.outcome = { state: 'failed', message: reply.message };
        this.publish(uri, { ms });
        return { uri, version: cur.version, state: 'failed', ms, message: reply.message };
      }
      // Apply to the document's current version when its inputs for these laws are the ones fitted.
      const now = await this.o.current(uri);
      if (!now) return { uri, version: cur.version, state: 'cancelled', ms };
      const nowKeys = now.version === cur.version ? keys : fitKeys(now.analysis);
      if (!sameKeys(running, nowKeys)) {
        logMessage(`[fit] ${uri}: result for v${cur.version} dropped (now v${now.version})`);
        this.publish(uri);
        return { uri, version: cur.version, state: 'cancelled', ms };
      }
      const base = d.record?.version === now.version ? d.record : combine(now.analysis, now.version, nowKeys, d.record);
      for (const lr of reply.results.laws) {
        const basis = reply.bases?.[lr.name];
        if (basis) rememberBasis(lr, basis);
      }
      d.record = combine(now.analysis, now.version, nowKeys, base, {
        results: reply.results,
        fitDiagnostics: moveDiagnostics(reply.fitDiagnostics, cur.analysis, now.analysis),
        laws,
        isoflops,
      });
      logMessage(`[fit] ${uri} v${now.version}: ${laws.length} law(s), ${isoflops.length} isoflop(s) in ${ms} ms`);
      this.o.onRecord(uri, d.record);
      const failed = d.record.fitDiagnostics.some((x) => x.severity === 'error');
      if (failed) d.outcome = { state: 'failed', message: 'a law failed to fit (see Problems)' };
      // Edits during the fit may have left other laws to refit.
      const rest = planFit(d.record, nowKeys);
      if (rest.laws.length + rest.isoflops.length > 0 && this.o.enabled()) this.schedule(uri, d);
      this.publish(uri, { ms });
      return { uri, version: now.version, state: failed ? 'failed' : 'fitted', ms };
    })();
    return running.promise;
  }

  private abort(uri: string, d: DocFits, notify: boolean): void {
    const r = d.running;
    if (!r) return;
    d.running = undefined;
    r.controller.abort();
    if (notify) {
      d.outcome = { state: 'cancelled' };
      this.publish(uri, { ms: Date.now() - r.started });
    }
  }

  /** Cancel Fit: stop the running fit (and a pending one) of a document, or of all. */
  cancel(uri?: string): number {
    let n = 0;
    for (const [u, d] of this.docs) {
      if (uri && u !== uri) continue;
      const pending = !!d.timer;
      if (d.timer) clearTimeout(d.timer);
      d.timer = undefined;
      if (d.running) n++;
      if (d.running) this.abort(u, d, true);
      else if (pending) {
        d.outcome = { state: 'cancelled' };
        this.publish(u);
      }
    }
    return n;
  }

  close(uri: string): void {
    this.cancel(uri);
    this.docs.delete(uri);
  }

  dispose(): void {
    this.cancel();
  }
}

function sameKeys(running: { keys: FitKeys; laws: string[]; isoflops: string[] }, keys: FitKeys): boolean {
  return (
    running.laws.every((l) => keys.laws.get(l) === running.keys.laws.get(l)) &&
    running.isoflops.every((l) => keys.isoflops.get(l) === running.keys.isoflops.get(l))
  );
}
