// The one fit state (docs/editor.md), end to end through the fit manager and the hover handler:
// each state's hover text, with the last result kept visible and marked while it is not current.
import * as assert from 'node:assert/strict';
import type { FitStateParams } from '../../../protocol/lsp';
import { FitManager, type FitBackend, type FitJob, type FitReply } from '../../../server/src/lsp/fitManager';
import { hover } from '../../../server/src/lsp/hover';
import { inlayHints } from '../../../server/src/lsp/inlayHints';
import type { Analysis } from '../../../server/src/core/study';
import { analyzeText, fakeResults, STUDY_TEXT, STUDY_URI } from './helpers';

/** Answers each job with fakeResults of its laws once `release()` is called (or at once when `auto`). */
class GatedBackend implements FitBackend {
  jobs: FitJob[] = [];
  private waiting: (() => void)[] = [];
  constructor(public auto = true) {}
  release(): void {
    this.waiting.splice(0).forEach((go) => go());
  }
  run(job: FitJob, signal: AbortSignal): Promise<FitReply> {
    this.jobs.push(job);
    return new Promise((resolve) => {
      const go = async () => {
        const all = fakeResults(await analyzeText(job.text));
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
      };
      signal.addEventListener('abort', () => resolve({ ok: false, message: 'cancelled', cancelled: true }));
      if (this.auto) void go();
      else this.waiting.push(() => void go());
    });
  }
}

const until = async (cond: () => boolean, ms = 3000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
};

async function harness(backend: FitBackend) {
  const doc = { version: 1, analysis: (await analyzeText(STUDY_TEXT)) as Analysis };
  const states: FitStateParams[] = [];
  const manager = new FitManager({
    backend,
    current: () => ({ version: doc.version, analysis: doc.analysis, studyPath: undefined }),
    severities: () => ({}),
    debounceMs: () => 5,
    enabled: () => true,
    onState: (p) => states.push(p),
    onRecord: () => {},
  });
  const edit = async (text: string) => {
    doc.version++;
    doc.analysis = await analyzeText(text);
    manager.update(STUDY_URI, doc.version, doc.analysis);
  };
  /** The hover text at the first occurrence of `needle` (+ `into` characters), as the server computes it. */
  const hoverAt = (needle: string, into = 0) => {
    const view = manager.view(STUDY_URI, doc.version);
    const h = hover(doc.analysis, view.results, doc.analysis.text.indexOf(needle) + into, view.law);
    return h ? (h.contents as { value: string }).value : '';
  };
  const last = () => states[states.length - 1];
  return { doc, states, manager, edit, hoverAt, last };
}

const PREDICT = 'predict chinchilla';
const BOOTSTRAP_8000 = STUDY_TEXT.replace('bootstrap 1000', 'bootstrap 8000');
const COLUMN_RENAMED = STUDY_TEXT.replace('L: loss ', 'L: losss');

describe('lsp fit state: hover texts per state', () => {
  it('fitting: no result yet', async () => {
    const backend = new GatedBackend(false);
    const h = await harness(backend);
    h.manager.update(STUDY_URI, 1, h.doc.analysis);
    assert.equal(h.last().state, 'fitting');
    assert.match(h.hoverAt('law chinchilla', 5), /_fitting…_/);
    assert.match(h.hoverAt(PREDICT), /_fitting…_/);
    // Once the scheduled fit runs, the hover says since when (the gated backend holds it running).
    await until(() => backend.jobs.length === 1);
    assert.match(h.hoverAt('law chinchilla', 5), /_fitting… \(started \d\d:\d\d:\d\d, \d+ s ago\)_/);
    h.manager.dispose();
  });

  it('fitted: the value with its interval, nothing else', async () => {
    const h = await harness(new GatedBackend());
    h.manager.update(STUDY_URI, 1, h.doc.analysis);
    await until(() => h.last().state === 'fitted');
    const text = h.hoverAt(PREDICT);
    assert.match(text, /L = \*\*1\.94\d*\*\* mean \[1\.92\d*, 1\.97\d*\]; one new run \[[\d.]+, [\d.]+\]/);
    assert.doesNotMatch(text, /refitting|stale|fitting…/);
    h.manager.dispose();
  });

  it('refitting: the last values stay, marked, until the new ones arrive', async () => {
    const backend = new GatedBackend();
    const h = await harness(backend);
    h.manager.update(STUDY_URI, 1, h.doc.analysis);
    await until(() => h.last().state === 'fitted');
    backend.auto = false;
    await h.edit(BOOTSTRAP_8000);
    assert.equal(h.last().state, 'refitting');
    const text = h.hoverAt(PREDICT);
    assert.match(
      text,
      /L = \*\*1\.94\d*\*\* mean \[1\.92\d*, 1\.97\d*\]; one new run \[[\d.]+, [\d.]+\] \(90% bootstrap\) — _refitting…_/,
    );
    assert.match(h.hoverAt('law chinchilla', 5), /_refitting…_/);
    assert.match(h.hoverAt('param alpha', 7), /value: \*\*.*— _refitting…_/);
    // The inlay hint stays too, marked.
    const view = h.manager.view(STUDY_URI, h.doc.version);
    const hints = inlayHints(h.doc.analysis, view.results, undefined, view.law);
    assert.ok(hints.some((x) => String(x.label).startsWith('= 1.94') && String(x.label).endsWith('· refitting…')));
    // The untouched law is current.
    assert.doesNotMatch(h.hoverAt('law kaplan', 5), /refitting/);
    await until(() => backend.jobs.length === 2);
    backend.release();
    await until(() => h.last().state === 'fitted');
    assert.doesNotMatch(h.hoverAt(PREDICT), /refitting/);
    h.manager.dispose();
  });

  it('cancelled: the last values stay, marked cancelled', async () => {
    const backend = new GatedBackend();
    const h = await harness(backend);
    h.manager.update(STUDY_URI, 1, h.doc.analysis);
    await until(() => h.last().state === 'fitted');
    backend.auto = false;
    await h.edit(BOOTSTRAP_8000);
    await until(() => h.manager.isRunning(STUDY_URI));
    h.manager.cancel(STUDY_URI);
    assert.equal(h.last().state, 'cancelled');
    assert.match(h.hoverAt(PREDICT), /L = \*\*1\.94\d*\*\* .* — _cancelled — the last result is shown_/);
    h.manager.dispose();
  });

  it('stale: a renamed column keeps the last values, marked stale with the reason', async () => {
    const h = await harness(new GatedBackend());
    h.manager.update(STUDY_URI, 1, h.doc.analysis);
    await until(() => h.last().state === 'fitted');
    await h.edit(COLUMN_RENAMED);
    assert.equal(h.last().state, 'stale');
    assert.match(h.last().message ?? '', /no column 'losss'/);
    assert.match(h.hoverAt('law chinchilla', 5), /_stale — .*no column 'losss'/);
    const text = h.hoverAt(PREDICT);
    assert.match(
      text,
      /L = \*\*1\.94\d*\*\* mean \[1\.92\d*, 1\.97\d*\]; one new run \[[\d.]+, [\d.]+\] \(90% bootstrap\) — _stale — .*no column 'losss'/,
    );
    // Mending the data brings the state back without a refit (the inputs are the fitted ones again).
    await h.edit(STUDY_TEXT);
    await until(() => h.last().state === 'fitted');
    h.manager.dispose();
  });

  it('failed: the hover says so instead of "no fit result"', async () => {
    const h = await harness({ run: async () => ({ ok: false, message: 'boom' }) });
    await h.manager.start(STUDY_URI, {});
    assert.equal(h.last().state, 'failed');
    assert.equal(h.last().message, 'boom');
    assert.match(h.hoverAt('law chinchilla', 5), /the fit failed/);
  });
});
