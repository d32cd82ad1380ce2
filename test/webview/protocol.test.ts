// The plot model builder, the message validators and the report builder, in Node (no browser).

import assert from 'node:assert/strict';
import { availableViews, buildPlotModel, isPlotModel, logGrid, type PlotLaw } from '../../protocol/plot';
import { isExtensionMessage, isPersistedState, isWebviewMessage } from '../../protocol/webview';
import { jsonForScript, scriptForInline, standaloneReportHtml } from '../../server/src/present/reportHtml';
import { chinchillaFixture, chinchillaModel } from './fixtures';

describe('PlotModel (node)', () => {
  const fx = chinchillaFixture();
  const m = fx.model;

  it('buildPlotModel: runs once per run set, curves per law and axis, bands from the sampler', () => {
    assert.ok(isPlotModel(m));
    assert.equal(m.runSets.length, 1, 'two laws on the same rows share one run set');
    assert.equal(m.runSets[0].labels.length, 72);
    assert.deepEqual(m.variables, ['N', 'D', 'C']);
    assert.ok(!('L' in m.runSets[0].columns), 'the target is not an x variable');
    const [ch, ka] = m.laws;
    const plain = (l: PlotLaw) => l.curves.filter((c) => !c.through);
    assert.deepEqual(
      plain(ch).map((c) => c.along),
      ['N', 'D', 'C'],
    );
    assert.deepEqual(
      plain(ka).map((c) => c.along),
      ['N', 'C'],
      'the sampler said kaplan does not depend on D',
    );
    // Besides: one curve through each of the law's predict/optimize points along each axis the point has.
    assert.deepEqual(
      ch.curves.filter((c) => c.through).map((c) => `${c.through?.kind}:${c.along}`),
      ['predict:N', 'optimum:N', 'predict:D', 'optimum:D', 'predict:C', 'optimum:C'],
    );
    // 64 samples, plus the x of each predict/optimize point the curve is drawn through (present/plotModel.ts).
    assert.ok(ch.curves.every((c) => c.points.lo && c.points.hi && c.points.x.length >= 64 && c.points.x.length <= 66));
    assert.equal(ch.fitted.length, 72);
    assert.ok(ch.heldOut.some(Boolean) && !ch.heldOut.every(Boolean));
    assert.deepEqual(availableViews(m), ['fit', 'residuals', 'isoflop', 'frontier', 'bootstrap']);
  });

  it('curves reach the predict and optimize points', () => {
    const n = m.laws[0].curves.find((c) => c.along === 'N')!.points.x;
    assert.ok(n[n.length - 1] > 70e9, 'past the prediction at N = 70B');
    const frontier = m.isoflops[0].frontier.find((f) => f.variable === 'N')!;
    assert.ok(frontier.curve.x[frontier.curve.x.length - 1] >= 5.76e23, 'frontier reaches the optimum budget');
  });

  it('isoflop: runs assigned to their budget, parabola sampled, minima carried', () => {
    const iso = m.isoflops[0];
    assert.equal(iso.budgets.length, 8);
    assert.equal(
      iso.budgets.reduce((s, b) => s + b.runs.labels.length, 0),
      72,
    );
    for (const b of iso.budgets) {
      assert.ok(b.parabola && b.parabola.x.length >= 16);
      const ymin = Math.min(...b.parabola.y);
      assert.ok(Math.abs(ymin - b.minimum.value) < 0.01, 'the sampled parabola bottoms out at the minimum');
    }
  });

  it('without draws: no bands, no bootstrap view; without a sampler answer: no curve', () => {
    const plain = chinchillaModel({ bootstrap: false });
    assert.ok(plain.laws.every((l) => l.curves.every((c) => !c.points.lo) && !l.draws));
    assert.ok(!availableViews(plain).includes('bootstrap'));
    const none = buildPlotModel(fx.results, { ...fx.sources, sampler: { sample: () => null } });
    assert.ok(none.laws.every((l) => l.curves.length === 0));
    assert.ok(isPlotModel(none));
  });

  it('keeps only finite numbers, so the model survives JSON (setState, the report)', () => {
    const f = chinchillaFixture({ runs: 30, draws: 30 });
    f.sources.runs.chinchilla.columns.N[0] = NaN; // a run with a missing size
    f.results.laws[0].residuals![1].fitted = Infinity;
    f.results.predictions[0].interval = [NaN, 2];
    f.results.isoflops[0].budgets[0].value = NaN;
    f.results.laws[0].draws!.E[0] = NaN;
    const sampler = f.sources.sampler;
    const model = buildPlotModel(f.results, {
      ...f.sources,
      sampler: {
        ...sampler,
        sample: (r) => {
          const s = sampler.sample(r);
          return s && { ...s, y: s.y.map((v, i) => (i === 3 ? NaN : v)) };
        },
      },
    });
    assert.deepEqual(JSON.parse(JSON.stringify(model)), model);
    assert.ok(isPlotModel(JSON.parse(JSON.stringify(model))));
    assert.equal(model.runSets[0].labels.length, 29);
    assert.equal(model.laws[0].fitted.length, 29);
    assert.equal(model.laws[0].fitted[0], null, 'row 1 (now first) has a non-finite fit');
    assert.equal(model.predictions[0].interval, null);
    assert.equal(
      model.isoflops[0].budgets.length,
      f.results.isoflops[0].budgets.filter((b) => Number.isFinite(b.value)).length,
    );
    assert.equal(model.laws[0].draws!.E.length, 29);
    assert.ok(model.laws[0].curves.every((c) => c.points.x.length >= 63 && c.points.x.length <= 65));
  });

  it("the plot's x comes first; `by` a continuous variable: a few representative group curves, one along it", () => {
    const f = chinchillaFixture({ by: true });
    const runs = f.sources.runs.chinchilla;
    const byN = { ...runs, groups: runs.columns.N.map(String) };
    const model = buildPlotModel(f.results, {
      ...f.sources,
      x: 'C',
      by: 'N',
      runs: { chinchilla: byN, kaplan: byN },
    });
    assert.deepEqual(model.variables, ['C', 'N', 'D']);
    const ch = model.laws[0];
    const alongC = ch.curves.filter((c) => c.along === 'C' && !c.through);
    assert.equal(alongC.length, 8, 'at most MAX_GROUP_CURVES curves');
    const values = alongC.map((c) => Number(c.group));
    assert.deepEqual(
      values,
      [...values].sort((a, b) => a - b),
      'spread over the sorted groups',
    );
    assert.equal(values[0], Math.min(...runs.columns.N));
    assert.equal(values[7], Math.max(...runs.columns.N));
    assert.deepEqual(
      ch.curves.filter((c) => c.along === 'N' && !c.through).map((c) => c.group),
      [null],
      'along the grouping variable: one curve',
    );
  });

  it('a traced frontier: each curve is the points themselves, the band their intervals; a gap drops only the band', () => {
    const fx2 = chinchillaFixture({ frontier: true });
    const points = fx2.results.frontiers![0].points;
    const f = fx2.model.frontiers![0];
    assert.equal(f.target, 'L');
    assert.equal(f.level, 0.9);
    const byQ = Object.fromEntries(f.curves.map((c) => [c.quantity, c.curve]));
    assert.deepEqual(
      byQ.N.x,
      points.map((p) => p.budget.C),
    );
    assert.deepEqual(
      byQ.N.y,
      points.map((p) => p.at.N),
    );
    assert.deepEqual(
      byQ.L.y,
      points.map((p) => p.value),
    );
    assert.deepEqual(
      byQ.D.lo,
      points.map((p) => p.intervals.D![0]),
    );
    assert.ok(availableViews(fx2.model).includes('frontier'));
    // One point the data could not pin down (a null interval) and one failed point (value null).
    const results = structuredClone(fx2.results);
    results.frontiers![0].points[3].intervals.N = null;
    results.frontiers![0].points[4].value = null;
    const g = buildPlotModel(results, fx2.sources).frontiers![0];
    const n = g.curves.find((c) => c.quantity === 'N')!.curve;
    assert.equal(n.x.length, 9);
    assert.equal(n.lo, undefined, 'no band with a hole in it');
    assert.equal(g.curves.find((c) => c.quantity === 'L')!.curve.x.length, 8, 'the failed point is left out');
    assert.ok(isPlotModel(JSON.parse(JSON.stringify(fx2.model))));
    const bad = structuredClone(fx2.model);
    bad.frontiers![0].curves[0].curve.y.pop();
    assert.ok(!isPlotModel(bad), 'a ragged frontier curve is rejected');
    // Without frontiers (an old saved state) the model is still valid.
    const old = structuredClone(fx.model);
    delete old.frontiers;
    assert.ok(isPlotModel(old));
  });

  it('a sweep: runs to their group, a parabola per group, the minima and the power law; a sweep view', () => {
    const fx3 = chinchillaFixture({ sweep: true });
    const result = fx3.results.sweeps![0];
    const sw = fx3.model.sweeps![0];
    assert.equal(sw.groups.length, 5);
    assert.ok(sw.groups.every((g) => g.runs.x.length === 7 && g.curve && g.curve.x.length >= 16));
    assert.deepEqual(
      sw.groups.map((g) => g.minimum.x),
      result.groups.map((g) => g.at.lr),
    );
    // The sampled parabola bottoms out at an interior minimum (grid spacing: within 1e-3 of the loss).
    for (const g of sw.groups.filter((x) => !x.edge)) assert.ok(Math.abs(Math.min(...g.curve!.y) - g.minimum.y) < 1e-3);
    const law = sw.law!;
    const i = Math.floor(law.curve.x.length / 2);
    assert.ok(Math.abs(law.curve.y[i] / (law.coefficient * law.curve.x[i] ** law.exponent) - 1) < 1e-12);
    assert.ok(availableViews(fx3.model).includes('sweep'));
    assert.ok(isPlotModel(JSON.parse(JSON.stringify(fx3.model))));
    const bad = structuredClone(fx3.model);
    bad.sweeps![0].groups[0].runs.y.pop();
    assert.ok(!isPlotModel(bad), 'ragged sweep runs are rejected');
    assert.ok(!availableViews(fx.model).includes('sweep'));
  });

  it('logGrid is log-spaced and inclusive', () => {
    const g = logGrid(1e6, 1e9, 4);
    assert.deepEqual(
      g.map((v) => Math.round(Math.log10(v) * 1e9) / 1e9),
      [6, 7, 8, 9],
    );
    assert.deepEqual(logGrid(0, 1, 5), []);
  });

  it('isPlotModel rejects wrong types and ragged columns', () => {
    // A loosely typed view of the model JSON, to break it in place.
    type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    const clone = (): Json => JSON.parse(JSON.stringify(m));
    const bad = [
      (x: Json) => (x.version = 2),
      (x: Json) => (x.title = 5),
      (x: Json) => x.runSets[0].observed.pop(),
      (x: Json) => (x.runSets[0].columns.N[3] = '7'),
      (x: Json) => x.laws[0].fitted.pop(),
      (x: Json) => (x.laws[0].heldOut[0] = 1),
      (x: Json) => x.laws[0].curves[0].points.lo.pop(),
      (x: Json) => delete x.laws[0].curves[0].points.hi,
      (x: Json) => (x.laws[0].intervals.E = [1]),
      (x: Json) => (x.predictions[0].interval = [1, 'x']),
      (x: Json) => (x.optima[0].at.N = null),
      (x: Json) => (x.isoflops[0].budgets[0].runs.value = [1]),
      (x: Json) => (x.isoflops[0].frontier[0].minima.y = []),
      (x: Json) => (x.laws[0].draws.E = 'x'),
    ];
    for (const [i, f] of bad.entries()) {
      const x = clone();
      f(x);
      assert.equal(isPlotModel(x), false, `mutation ${i}`);
    }
  });
});

describe('webview messages (node)', () => {
  const m = chinchillaModel({ runs: 20, draws: 20 });
  const uri = 'file:///a.scaling';

  it('accepts each well-formed message', () => {
    assert.ok(isExtensionMessage({ type: 'update', uri, version: 3, model: m }));
    assert.ok(
      isExtensionMessage({ type: 'update', uri, version: 3, model: m, view: { view: 'residuals', residualX: 'N' } }),
    );
    assert.ok(isExtensionMessage({ type: 'theme', uri, version: 3 }));
    assert.ok(isWebviewMessage({ type: 'ready', uri: null, version: null }));
    assert.ok(isWebviewMessage({ type: 'ready', uri, version: 0 }));
    assert.ok(
      isWebviewMessage({
        type: 'exportPng',
        uri,
        version: 1,
        view: 'fit',
        dataUrl: 'data:image/png;base64,iVBORw0KGgo=',
      }),
    );
    assert.ok(isWebviewMessage({ type: 'exportCsv', uri, version: 1, view: 'isoflop', csv: 'a,b\n' }));
    assert.ok(isWebviewMessage({ type: 'error', uri: null, version: null, message: 'x' }));
    assert.ok(isWebviewMessage({ type: 'state', uri, version: 1, state: { view: 'fit', x: 'D' } }));
    assert.ok(isPersistedState({ uri, version: 1, state: { view: 'fit' }, model: m }));
  });

  it('rejects anything malformed', () => {
    const ext: unknown[] = [
      null,
      'update',
      [],
      { type: 'update', uri, version: 1 },
      { type: 'update', uri, version: 1.5, model: m },
      { type: 'update', uri, version: -1, model: m },
      { type: 'update', uri: 7, version: 1, model: m },
      { type: 'update', uri: '', version: 1, model: m },
      { type: 'update', uri, version: 1, model: m, view: { view: 'pie' } },
      { type: 'update', uri, version: 1, model: m, view: { view: 'fit', x: 1 } },
      { type: 'update', uri, version: 1, model: m, view: { view: 'fit', extra: 1 } },
      { type: 'update', uri, version: 1, model: m, extra: 1 },
      { type: 'update', uri, version: 1, model: { ...m, laws: null } },
      { type: 'theme', uri },
      { type: 'ready', uri: null, version: null },
      { type: 'Update', uri, version: 1, model: m },
    ];
    for (const [i, x] of ext.entries()) assert.equal(isExtensionMessage(x), false, `extension message ${i}`);
    const web: unknown[] = [
      { type: 'ready' },
      { type: 'ready', uri: 3, version: null },
      { type: 'exportPng', uri, version: 1, view: 'fit', dataUrl: 'javascript:alert(1)' },
      { type: 'exportPng', uri, version: 1, view: 'fit', dataUrl: 'data:text/html;base64,PHNjcmlwdD4=' },
      { type: 'exportPng', uri, version: 1, dataUrl: 'data:image/png;base64,AA==' },
      { type: 'exportCsv', uri, version: 1, view: 'fit', csv: 1 },
      { type: 'error', uri, version: 1 },
      { type: 'state', uri, version: 1, state: { view: 'nope' } },
      { type: 'state', uri: null, version: 1, state: { view: 'fit' } },
      { type: 'update', uri, version: 1, model: m },
    ];
    for (const [i, x] of web.entries()) assert.equal(isWebviewMessage(x), false, `webview message ${i}`);
  });
});

describe('standalone report builder (node)', () => {
  it('escapes user text, embeds JSON that cannot close its script, inlines the bundle safely', () => {
    const m = chinchillaModel({
      runs: 20,
      draws: 20,
      lawNames: ['a</script><script>alert(1)</script>', 'b"onmouseover="x'],
    });
    m.source = '/tmp/<img src=x onerror=alert(2)>.scaling';
    const html = standaloneReportHtml(
      m,
      '<script>alert(3)</script>',
      'console.log("</script><script>alert(4)</script>")',
      { nonce: 'N0NCE' },
    );
    const withoutBundle = html.replace(/<script nonce="N0NCE">[\s\S]*?<\/script>\n<\/body>/, '');
    assert.equal((withoutBundle.match(/<script/g) ?? []).length, 1, 'the JSON block, then the bundle only');
    assert.ok(!/<img|alert\(\d\)<\/script>|onmouseover="x/.test(withoutBundle.replace(/&#\d+;/g, '_')));
    assert.ok(html.includes('<title>&#60;script&#62;alert(3)&#60;/script&#62;</title>'));
    assert.ok(html.includes('console.log("<\\/script><script>alert(4)<\\/script>")'));
    assert.ok(
      html.includes(`content="default-src 'none'; script-src 'nonce-N0NCE'; style-src 'nonce-N0NCE'; img-src data:"`),
    );
    const json = /<script type="application\/json" id="scaling-model"[^>]*>([\s\S]*?)<\/script>/.exec(html)![1];
    assert.ok(!json.includes('<'));
    assert.deepEqual(JSON.parse(json), m);
  });

  it('jsonForScript and scriptForInline', () => {
    assert.equal(jsonForScript({ a: '</script>&\u2028' }), '{"a":"\\u003c/script\\u003e\\u0026\\u2028"}');
    assert.equal(scriptForInline('a="</SCRIPT>"; <!-- x'), 'a="<\\/SCRIPT>"; <\\!-- x');
  });
});
