import * as assert from 'node:assert/strict';
import type { FitStateParams } from '../../../protocol/lsp';
import { FitManager, type FitBackend, type FitJob, type FitReply } from '../../../server/src/lsp/fitManager';
import { combine, fitKeys, moveDiagnostics, planFit } from '../../../server/src/lsp/incremental';
import type { Analysis } from '../../../server/src/core/study';
import { analyzeText, fakeResults, STUDY_TEXT, STUDY_URI } from './helpers';

/** A backend that answers with fakeResults of the job's laws, after `ms`, counting jobs. */
class FakeBackend implements FitBackend {
  jobs: FitJob[] = [];
  constructor(private readonly ms = 5) {}
  run(job: FitJob, signal: AbortSignal): Promise<FitReply> {
    this.jobs.push(job);
    return new Promise((resolve) => {
      const t = setTimeout(async () => {
        const a = await analyzeText(job.text);
        const all = fakeResults(a);
        resolve({
          ok: true,
          results: {
            ...all,
            laws: all.laws.filter((l) => job.laws.includes(l.name)),
            predictions: all.predictions.filter((p) => job.laws.includes(p.law)),
            optima: all.optima.filter((o) => job.laws.includes(o.law)),
          },
          fitDiagnostics: [],
        });
      }, this.ms);
      signal.addEventListener('abort', () => {
        clearTimeout(t);
        resolve({ ok: false, message: 'cancelled', cancelled: true });
      });
    });
  }
}

async function harness(backend: FitBackend, debounceMs = 10) {
  const doc = { version: 1, analysis: (await analyzeText(STUDY_TEXT)) as Analysis };
  const states: FitStateParams[] = [];
  const manager = new FitManager({
    backend,
    current: () => ({ version: doc.version, analysis: doc.analysis, studyPath: undefined }),
    severities: () => ({}),
    debounceMs: () => debounceMs,
    enabled: () => true,
    onState: (p) => states.push(p),
    onRecord: () => {},
  });
  /** An edit already analysed: applied synchronously, as the server applies each version. */
  const apply = (analysis: Analysis) => {
    doc.version++;
    doc.analysis = analysis;
    manager.update(STUDY_URI, doc.version, doc.analysis);
  };
  return { doc, states, manager, apply };
}

const until = async (cond: () => boolean, ms = 3000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('lsp incremental fits', () => {
  it('keeps the results of laws whose inputs did not change', async () => {
    const a = await analyzeText(STUDY_TEXT);
    const keys = fitKeys(a);
    const first = combine(a, 1, keys, undefined, {
      results: fakeResults(a),
      fitDiagnostics: [],
      laws: [...keys.laws.keys()],
      isoflops: [],
    });
    assert.deepEqual(first.missing.laws, []);
    // An edit in a comment and one in the kaplan law.
    const text = STUDY_TEXT.replace('// A law: a named', '// A law (edited): a named').replace(
      'law kaplan: kaplan_n(N) { fit sweep }',
      'law kaplan: kaplan_n(N) { fit pilot, sweep }',
    );
    const b = await analyzeText(text);
    const keysB = fitKeys(b);
    assert.deepEqual(planFit(first, keysB), { laws: ['kaplan'], isoflops: ['approach2'] });
    const second = combine(b, 2, keysB, first);
    assert.deepEqual(second.missing.laws, ['kaplan']);
    assert.equal(second.results.laws.length, 1);
    assert.equal(second.results.laws[0], first.results.laws[0]);
    assert.equal(second.results.predictions.length, first.results.predictions.length);
  });

  it('refits when only a numeric bootstrap `by` column of an inline table changes', async () => {
    const study = (seeds: string[]) =>
      analyzeText(`runs r {
  N D L seed
${seeds.map((s, i) => `  ${(i + 1) * 1e8} ${(i + 2) * 1e9} ${3 - i * 0.1} ${s}`).join('\n')}
}
law l: L = E + A / N^a + B / D^b {
  fit r
  uncertainty bootstrap 100 seed 1 by seed
}
`);
    const before = fitKeys(await study(['1', '1', '2', '2', '3', '3', '4', '4', '5', '5'])).laws.get('l');
    const after = fitKeys(await study(['1', '2', '2', '2', '3', '3', '4', '4', '5', '5'])).laws.get('l');
    assert.ok(before && after);
    assert.notEqual(before, after);
  });

  it("keeps the fit diagnostics of unchanged laws' predict and optimize lines and of isoflops, moved with their line", async () => {
    const a = await analyzeText(STUDY_TEXT);
    const keys = fitKeys(a);
    const on = (code: string, range: { start: number; end: number }) => ({
      severity: 'warning' as const,
      code,
      message: code,
      range,
    });
    const iso = a.model.isoflops[0];
    const pr = a.model.predictions[0];
    const op = a.model.optima[0];
    const first = combine(a, 1, keys, undefined, {
      results: fakeResults(a),
      fitDiagnostics: [
        on('scaling.isoflop-edge-minimum', iso.range),
        on('scaling.predict-failed', pr.range),
        on('scaling.optimum-at-edge', op.range),
      ],
      laws: [...keys.laws.keys()],
      isoflops: [...keys.isoflops.keys()],
    });
    // Only a comment changes: every result is kept, and so is every fit diagnostic, 12 characters later.
    const b = await analyzeText(STUDY_TEXT.replace('// A law: a named', '// A law (edited!!): a named'));
    const keysB = fitKeys(b);
    assert.deepEqual(planFit(first, keysB), { laws: [], isoflops: [] });
    const second = combine(b, 2, keysB, first);
    const moved = (code: string) => second.fitDiagnostics.find((d) => d.code === code)?.range;
    assert.deepEqual(moved('scaling.isoflop-edge-minimum'), b.model.isoflops[0].range);
    assert.deepEqual(moved('scaling.predict-failed'), b.model.predictions[0].range);
    assert.deepEqual(moved('scaling.optimum-at-edge'), b.model.optima[0].range);
    // The results' JSON diagnostics follow too: 1-based line and column of the moved optimize line.
    const optimizeAt = b.lines.position(b.model.optima[0].range.start);
    assert.deepEqual(
      second.results.diagnostics
        .filter((d) => d.code === 'scaling.optimum-at-edge')
        .map((d) => [d.line, d.column, d.message]),
      [[optimizeAt.line + 1, optimizeAt.character + 1, 'scaling.optimum-at-edge']],
    );
    // A fresh result fitted on version 1 and applied to version 2 moves them the same way.
    assert.deepEqual(
      moveDiagnostics(first.fitDiagnostics, a, b).map((d) => d.range),
      [b.model.isoflops[0].range, b.model.predictions[0].range, b.model.optima[0].range],
    );
  });

  it('refits a law when its data change', async () => {
    const a = await analyzeText(STUDY_TEXT);
    const b = await analyzeText(STUDY_TEXT.replace('90M    1.8B    3.04', '90M    1.8B    3.05'));
    const ka = fitKeys(a);
    const kb = fitKeys(b);
    assert.notEqual(ka.laws.get('chinchilla'), kb.laws.get('chinchilla'));
    assert.equal(ka.laws.get('kaplan'), kb.laws.get('kaplan'));
  });
});

describe('lsp background fits', () => {
  it('fits after edits settle, then only what changed', async () => {
    const backend = new FakeBackend();
    const h = await harness(backend);
    h.manager.update(STUDY_URI, 1, h.doc.analysis);
    await until(() => h.states.some((s) => s.state === 'fitted'));
    assert.equal(backend.jobs.length, 1);
    assert.deepEqual(backend.jobs[0].laws.sort(), ['chinchilla', 'kaplan']);
    const rec = h.manager.record(STUDY_URI, 1)!;
    assert.equal(rec.results.laws.length, 2);
    // Three quick edits in the kaplan law: one job, for kaplan only.
    const edits = await Promise.all(
      ['{ fit sweep  }', '{ fit sweep, pilot }', '{ fit pilot, sweep }'].map((t) =>
        analyzeText(STUDY_TEXT.replace('{ fit sweep }', t)),
      ),
    );
    for (const e of edits) h.apply(e);
    assert.equal(
      h.manager
        .record(STUDY_URI, 4)
        ?.results.laws.map((l) => l.name)
        .join(),
      'chinchilla',
    );
    await until(() => h.manager.record(STUDY_URI, 4)?.missing.laws.length === 0);
    assert.equal(backend.jobs.length, 2);
    assert.deepEqual(backend.jobs[1].laws, ['kaplan']);
    // The isoflop got no result from this backend: it is not retried in a loop.
    await new Promise((r) => setTimeout(r, 60));
    assert.equal(backend.jobs.length, 2);
    assert.deepEqual(h.manager.record(STUDY_URI, 4)?.failed.isoflops, ['approach2']);
    h.manager.dispose();
  });

  it('a request for a version not yet validated sees the unchanged laws fitted, never an older version', async () => {
    const backend = new FakeBackend();
    const h = await harness(backend);
    h.manager.update(STUDY_URI, 1, h.doc.analysis);
    await until(() => h.states.some((s) => s.state === 'fitted'));
    // Version 2 asks a new question; a hover reaches the server before the version's validation.
    const asked = await analyzeText(STUDY_TEXT.replace('N = 70B', 'N = 71B'));
    assert.notEqual(asked.text, STUDY_TEXT);
    const view = h.manager.viewOf(STUDY_URI, 2, asked);
    assert.deepEqual(view.results?.laws.map((l) => l.name).sort(), ['chinchilla', 'kaplan']);
    assert.equal(view.law('chinchilla')?.state, 'fitted');
    assert.equal(backend.jobs.length, 1, 'no refit for a new question');
    // A late request for version 1 is answered from the version-2 record, which stays at version 2.
    const late = h.manager.viewOf(STUDY_URI, 1, h.doc.analysis);
    assert.deepEqual(
      late.results?.predictions.map((p) => p.at.N),
      [70e9],
    );
    assert.equal(late.law('chinchilla')?.state, 'fitted');
    assert.ok(h.manager.record(STUDY_URI, 2));
    h.manager.dispose();
  });

  it('never applies a result to a version whose inputs differ', async () => {
    const backend = new FakeBackend(50);
    const h = await harness(backend, 0);
    const done = h.manager.start(STUDY_URI, { force: true });
    await new Promise((r) => setTimeout(r, 10));
    // The user edits chinchilla's data while the fit runs.
    h.doc.version = 2;
    h.doc.analysis = await analyzeText(STUDY_TEXT.replace('3.21', '3.22'));
    const r = await done;
    assert.equal(r.state, 'cancelled');
    assert.equal(
      h.manager.record(STUDY_URI, 2)?.results.laws.find((l) => l.name === 'chinchilla'),
      undefined,
    );
    h.manager.dispose();
  });

  it('applies a result to a newer version when only comments changed', async () => {
    const backend = new FakeBackend(30);
    const h = await harness(backend, 0);
    const done = h.manager.start(STUDY_URI, { force: true });
    h.doc.version = 2;
    h.doc.analysis = await analyzeText('// a new first line\n' + STUDY_TEXT);
    const r = await done;
    assert.equal(r.state, 'fitted');
    assert.equal(r.version, 2);
    assert.equal(h.manager.record(STUDY_URI, 2)?.results.laws.length, 2);
    h.manager.dispose();
  });

  it('cancels a running fit', async () => {
    const backend = new FakeBackend(10_000);
    const h = await harness(backend, 0);
    const done = h.manager.start(STUDY_URI, { law: 'chinchilla' });
    await until(() => h.manager.isRunning(STUDY_URI));
    assert.equal(h.manager.cancel(STUDY_URI), 1);
    assert.equal((await done).state, 'cancelled');
    assert.ok(h.states.some((s) => s.state === 'cancelled'));
    assert.ok(!h.manager.isRunning(STUDY_URI));
  });

  it('reports a failing backend as a failed fit', async () => {
    const h = await harness({ run: async () => ({ ok: false, message: 'boom' }) }, 0);
    const r = await h.manager.start(STUDY_URI, {});
    assert.equal(r.state, 'failed');
    assert.equal(r.message, 'boom');
    assert.ok(h.states.some((s) => s.state === 'failed'));
    const rec = h.manager.record(STUDY_URI, 1)!;
    assert.deepEqual(
      rec.fitDiagnostics.map((d) => d.code),
      ['scaling.fit-failed', 'scaling.fit-failed'],
    );
    assert.deepEqual(rec.missing.laws, []);
  });
});
