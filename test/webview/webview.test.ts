// Browser tests of the chart webview: chart.js's own state read through window.__scalingCharts, in Debian chromium.

import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { availableViews, buildPlotModel, type PlotModel } from '../../protocol/plot';
import { isWebviewMessage, webviewHtml } from '../../protocol/webview';
import { chinchillaFixture, chinchillaModel, largeModel } from './fixtures';
import {
  buildBundle,
  launchBrowser,
  openPanel,
  renders,
  reportHtml,
  screenshot,
  sendUpdate,
  startServer,
  THEMES,
  waitRenders,
  watchPage,
  type TestBrowser,
  type TestServer,
} from './harness';

/** What the tests read of one chart. */
interface ChartInfo {
  id: string;
  type: string;
  xType: string;
  yType: string;
  title: string;
  legend: string[];
  datasets: {
    key: string;
    role: string;
    label: string;
    law?: string;
    n: number;
    color: string;
    width: number;
    hidden: boolean;
    fill: unknown;
    errorBars: number;
  }[];
}

async function charts(page: Page): Promise<ChartInfo[]> {
  return page.evaluate(() =>
    (window.__scalingCharts ?? []).map((c) => ({
      id: c.scalingId,
      type: (c.config as { type: string }).type,
      xType: c.scales.x.type,
      yType: c.scales.y.type,
      title: String(c.options.plugins?.title?.text ?? ''),
      legend: (c.legend?.legendItems ?? []).map((i) => i.text),
      datasets: c.data.datasets.map((d, i) => {
        const s = d as unknown as Record<string, unknown>;
        return {
          key: String(s.key),
          role: String(s.role),
          label: String(d.label),
          law: s.law as string | undefined,
          n: (d.data as unknown[]).length,
          color: String(d.borderColor),
          width: Number(d.borderWidth),
          hidden: !c.isDatasetVisible(i),
          fill: s.fill,
          errorBars: Array.isArray(s.errorBars) ? s.errorBars.length : 0,
        };
      }),
    })),
  );
}

const byRole = (c: ChartInfo, ...roles: string[]) => c.datasets.filter((d) => roles.includes(d.role));
const runCount = (m: PlotModel) => m.runSets.reduce((s, r) => s + r.labels.length, 0);

async function selectView(page: Page, view: string): Promise<void> {
  const before = await renders(page);
  await page.selectOption('#view-select', view);
  await waitRenders(page, before);
  await page.waitForFunction((v) => document.getElementById('status')?.textContent === `rendered ${v}`, view);
}

describe('webview (chromium)', function () {
  this.timeout(60_000);
  let server: TestServer;
  let browser: TestBrowser;
  let problems: string[] = [];
  const model = chinchillaModel();

  before(async function () {
    this.timeout(120_000);
    await buildBundle();
    server = await startServer();
    browser = await launchBrowser('test');
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  async function panel(theme = 'dark'): Promise<Page> {
    const page = await browser.context.newPage();
    problems = watchPage(page);
    await page.close();
    const p = await openPanel(browser.context, server.origin, theme);
    problems = watchPage(p);
    return p;
  }

  afterEach(async () => {
    for (const p of browser.context.pages()) await p.close();
    assert.deepEqual(problems, [], 'the page reported errors or CSP violations');
    problems = [];
  });

  it('says ready on load, with a valid message and nothing restored', async () => {
    const page = await panel();
    const posted = await page.evaluate(() => window.__scalingPosted ?? []);
    assert.deepEqual(posted[0], { type: 'ready', uri: null, version: null });
    assert.ok(posted.every(isWebviewMessage));
    assert.equal(await page.textContent('#status'), 'loading');
  });

  it('fit view: runs as points, log axes, one curve with a band per law, predictions and optima', async () => {
    const page = await panel();
    await sendUpdate(page, model);
    assert.equal(await page.textContent('#status'), 'rendered fit');
    const [c, ...rest] = await charts(page);
    assert.equal(rest.length, 0);
    assert.equal(c.xType, 'logarithmic');
    assert.equal(c.yType, 'logarithmic');
    const points = byRole(c, 'runs', 'heldout').reduce((s, d) => s + d.n, 0);
    assert.equal(points, runCount(model));
    assert.ok(byRole(c, 'heldout')[0].n > 0, 'held-out runs are drawn separately');
    // The laws' own curves (the ones through predict/optimize points are story.test.ts's).
    const curves = byRole(c, 'curve').filter((d) => d.key.startsWith('curve:'));
    assert.deepEqual(
      curves.map((d) => d.law),
      model.laws.map((l) => l.name),
    );
    for (const law of model.laws) {
      const lo = c.datasets.find((d) => d.role === 'band-lo' && d.law === law.name);
      const hi = c.datasets.find((d) => d.role === 'band-hi' && d.law === law.name);
      assert.ok(lo && hi && hi.fill === '-1' && lo.n === hi.n && lo.n > 10, `band for ${law.name}`);
    }
    for (const name of model.laws.map((l) => l.name)) assert.ok(c.legend.includes(name), `legend names ${name}`);
    assert.ok(!c.legend.some((t) => / (lo|hi)$/.test(t)), 'bands stay out of the legend');
    assert.equal(byRole(c, 'prediction').length, 2);
    assert.ok(byRole(c, 'prediction').every((d) => d.errorBars === d.n));
    assert.equal(byRole(c, 'optimum')[0].errorBars, 1);
    // readable log ticks: 1B-style labels on N, plain numbers on L
    const ticks = await page.evaluate(() => {
      const ch = (window.__scalingCharts ?? [])[0];
      return {
        x: ch.scales.x.ticks.map((t) => String(t.label ?? '')).filter(Boolean),
        y: ch.scales.y.ticks.map((t) => String(t.label ?? '')).filter(Boolean),
      };
    });
    assert.ok(
      ticks.x.some((t) => /^\d+(\.\d+)?[KMBT]$/.test(t)),
      `x ticks ${ticks.x}`,
    );
    assert.ok(ticks.x.length >= 3 && ticks.x.length <= 12, `x ticks ${ticks.x}`);
    assert.ok(ticks.y.length >= 2, `y ticks ${ticks.y}`);
    await screenshot(page, 'fit-dark');
  });

  it('tooltips name the run under the pointer', async () => {
    const page = await panel();
    await sendUpdate(page, model);
    const at = await page.evaluate(() => {
      const c = (window.__scalingCharts ?? [])[0];
      const i = c.data.datasets.findIndex((d) => (d as unknown as { role: string }).role === 'runs');
      const el = c.getDatasetMeta(i).data[0];
      const pt = c.data.datasets[i].data[0] as unknown as { i: number };
      const r = c.canvas.getBoundingClientRect();
      return { x: r.left + el.x, y: r.top + el.y, index: pt.i };
    });
    await page.mouse.move(at.x, at.y);
    await page.waitForFunction(() => ((window.__scalingCharts ?? [])[0].tooltip?.body ?? []).length > 0);
    const lines = await page.evaluate(() =>
      ((window.__scalingCharts ?? [])[0].tooltip?.body ?? []).flatMap((b) => b.lines),
    );
    const label = model.runSets[0].labels[at.index];
    assert.ok(lines.includes(`run ${label}`), lines.join(' | '));
    assert.ok(lines.some((l) => l.startsWith('chinchilla: fitted ')));
    await screenshot(page, 'fit-tooltip');
  });

  it('10,000 runs: plain discs as wide as bordered ones, options shared by all points, a whole-pixel plot area', async () => {
    // What keeps a repaint of 10,000 runs cheap (bench/webview.mjs measures it), with nothing the user sees lost.
    const big = largeModel(10_000);
    const page = await panel();
    await sendUpdate(page, big);
    // (no named helpers inside evaluate: the test's TypeScript transform would wrap them in a helper the page lacks)
    const s = await page.evaluate(() => {
      const c = (window.__scalingCharts ?? [])[0];
      const looks = ['runs', 'heldout'].map((role) => {
        const points = c.getDatasetMeta(
          c.data.datasets.findIndex((d) => (d as unknown as { role: string }).role === role),
        ).data;
        const o = points[0].options as unknown as { radius: number; borderWidth: number; pointStyle: string };
        return {
          n: points.length,
          radius: o.radius,
          border: o.borderWidth,
          style: o.pointStyle,
          shared: points.every((p) => p.options === points[0].options),
          x: points[0].x,
          y: points[0].y,
        };
      });
      const r = c.canvas.getBoundingClientRect();
      const { left, top, right, bottom } = c.chartArea;
      return {
        runs: looks[0],
        heldout: looks[1],
        area: [left, top, right, bottom],
        x: r.left + looks[0].x,
        y: r.top + looks[0].y,
      };
    });
    assert.equal(s.runs.n + s.heldout.n, 10_000);
    // 1.5 px discs with a 1 px outline in the same colour reach 2 px: now 2 px discs without the outline
    assert.deepEqual([s.runs.radius, s.runs.border, s.runs.style], [2, 0, 'circle']);
    assert.deepEqual(
      [s.heldout.radius, s.heldout.border, s.heldout.style],
      [5, 1.5, 'triangle'],
      'hollow keeps its outline',
    );
    assert.ok(s.runs.shared && s.heldout.shared, 'one resolved options object per dataset, not one per point');
    assert.ok(s.area.every(Number.isInteger), `plot area edges in whole pixels: ${s.area.join(', ')}`);
    await page.mouse.move(s.x, s.y);
    await page.waitForFunction(() => ((window.__scalingCharts ?? [])[0].tooltip?.body ?? []).length > 0);
    const lines = await page.evaluate(() =>
      ((window.__scalingCharts ?? [])[0].tooltip?.body ?? []).flatMap((b) => b.lines),
    );
    assert.ok(
      lines.some((l) => l.startsWith('run ')),
      lines.join(' | '),
    );
  });

  it('fit view along D and C: a law that does not depend on D draws no curve there', async () => {
    const page = await panel();
    await sendUpdate(page, model, { view: { view: 'fit', x: 'D' } });
    let [c] = await charts(page);
    assert.deepEqual(
      byRole(c, 'curve')
        .filter((d) => d.key.startsWith('curve:'))
        .map((d) => d.law),
      ['chinchilla'],
    );
    assert.equal(byRole(c, 'prediction').length, 1, 'only the prediction that has D');
    const before = await renders(page);
    await page.selectOption('#x-select', 'C');
    await waitRenders(page, before);
    [c] = await charts(page);
    assert.equal(c.title, 'L vs C');
    assert.equal(byRole(c, 'curve').filter((d) => d.key.startsWith('curve:')).length, 2);
    const posted = await page.evaluate(() => window.__scalingPosted ?? []);
    assert.deepEqual(posted.at(-1), {
      type: 'state',
      uri: 'file:///work/examples/chinchilla.scaling',
      version: 1,
      state: { view: 'fit', x: 'C' },
    });
    await screenshot(page, 'fit-by-C-axis');
  });

  it('fit view `by C`: one curve per group per law, runs split by group', async () => {
    const m = chinchillaModel({ by: true });
    const page = await panel();
    await sendUpdate(page, m);
    const [c] = await charts(page);
    const groups = new Set(m.runSets[0].groups);
    assert.equal(byRole(c, 'curve').filter((d) => d.key.startsWith('curve:')).length, groups.size * 2);
    assert.equal(byRole(c, 'runs').length, groups.size);
    assert.equal(
      byRole(c, 'runs', 'heldout').reduce((s, d) => s + d.n, 0),
      runCount(m),
    );
    assert.ok(c.legend.includes('chinchilla') && c.legend.includes('kaplan'));
    await screenshot(page, 'fit-by-group');
  });

  it('fit view `by` a continuous variable: runs coloured point by point, a compact legend', async () => {
    const f = chinchillaFixture({ by: true });
    const runs = f.sources.runs.chinchilla;
    const byN = { ...runs, groups: runs.columns.N.map(String) };
    const m = buildPlotModel(f.results, { ...f.sources, x: 'C', by: 'N', runs: { chinchilla: byN, kaplan: byN } });
    const page = await panel();
    await sendUpdate(page, m);
    const [c] = await charts(page);
    assert.equal(c.title, 'L vs C');
    assert.equal(byRole(c, 'runs').length, 1);
    assert.equal(
      byRole(c, 'runs', 'heldout').reduce((s, d) => s + d.n, 0),
      runCount(m),
    );
    assert.equal(byRole(c, 'curve').filter((d) => d.key.startsWith('curve:')).length, 8 + 8);
    // Compact: no entry per group. Each predict/optimize point adds two (the point, the curve through it).
    const story = c.legend.filter((t) => /^(predict|optimum) /.test(t)).length * 2;
    assert.ok(c.legend.length <= 5 + story, c.legend.join(' | '));
    assert.ok(
      c.legend.some((t) => /^runs \(colour: N \d/.test(t)),
      c.legend.join(' | '),
    );
    const colours = await page.evaluate(() => {
      const ch = (window.__scalingCharts ?? [])[0];
      const d = ch.data.datasets.find((x) => (x as unknown as { role: string }).role === 'runs');
      return Array.isArray(d?.backgroundColor) ? new Set(d.backgroundColor).size : 0;
    });
    assert.ok(colours > 10, 'a colour per group');
    await screenshot(page, 'fit-by-continuous');
  });

  it('residuals view: one point per fitted run, against the fitted value or a variable', async () => {
    const page = await panel();
    await sendUpdate(page, model, { view: { view: 'residuals' } });
    let [c] = await charts(page);
    assert.equal(c.xType, 'logarithmic');
    assert.equal(c.yType, 'linear');
    for (const law of model.laws) {
      const n = c.datasets
        .filter((d) => d.law === law.name && ['residuals', 'heldout'].includes(d.role))
        .reduce((s, d) => s + d.n, 0);
      assert.equal(n, law.fitted.filter((f) => f !== null).length);
    }
    await screenshot(page, 'residuals');
    const before = await renders(page);
    await page.selectOption('#residual-x-select', 'N');
    await waitRenders(page, before);
    [c] = await charts(page);
    assert.equal(c.title, 'Residuals vs N');
  });

  it('isoflop view: runs, a parabola and a minimum per budget', async () => {
    const page = await panel();
    await sendUpdate(page, model, { view: { view: 'isoflop' } });
    const [c] = await charts(page);
    const budgets = model.isoflops[0].budgets;
    assert.equal(byRole(c, 'runs').length, budgets.length);
    assert.equal(byRole(c, 'parabola').length, budgets.length);
    assert.equal(byRole(c, 'minimum').length, budgets.length);
    assert.equal(
      byRole(c, 'runs').reduce((s, d) => s + d.n, 0),
      budgets.reduce((s, b) => s + b.runs.size.length, 0),
    );
    assert.equal(c.xType, 'logarithmic');
    assert.equal(c.legend.length, budgets.length);
    await screenshot(page, 'isoflop');
  });

  it('isoflop view: an edge budget (excluded) has a hollow star and one "edge (excluded)" legend entry', async () => {
    const page = await panel();
    const iso = model.isoflops[0];
    const last = iso.budgets.length - 1;
    const edged = {
      ...model,
      isoflops: [{ ...iso, budgets: iso.budgets.map((b, i) => (i === last ? { ...b, edge: true } : b)) }],
    };
    await sendUpdate(page, edged, { view: { view: 'isoflop' } });
    const [c] = await charts(page);
    assert.equal(byRole(c, 'minimum').length, iso.budgets.length);
    const hollow = await page.evaluate(() =>
      (window.__scalingCharts ?? [])[0].data.datasets
        .filter((d) => (d as unknown as { role: string }).role === 'minimum')
        .map((d) => String((d as unknown as { backgroundColor: unknown }).backgroundColor)),
    );
    assert.deepEqual(
      hollow.map((f) => f === 'rgba(0,0,0,0)'),
      iso.budgets.map((_, i) => i === last),
    );
    assert.equal(c.legend.length, iso.budgets.length + 1);
    assert.equal(c.legend[c.legend.length - 1], 'edge (excluded)');
  });

  it('frontier view: N*(C) and D*(C) with bands, minima and the optimum with intervals', async () => {
    const page = await panel();
    await sendUpdate(page, model, { view: { view: 'frontier' } });
    const [c] = await charts(page);
    assert.equal(c.xType, 'logarithmic');
    assert.equal(c.yType, 'logarithmic');
    // The isoflop's N*(C), D*(C) with bands; the law's allocation curves (no band) are drawn besides.
    const iso = (role: string) => byRole(c, role).filter((d) => d.key.startsWith('frontier:'));
    assert.equal(iso('frontier').length, 2);
    assert.equal(iso('band-hi').length, 2);
    assert.ok(byRole(c, 'frontier').some((d) => d.key === 'allocation:chinchilla:N' && d.n > 20));
    assert.equal(
      byRole(c, 'frontier-minima').reduce((s, d) => s + d.n, 0),
      2 * model.isoflops[0].budgets.length,
    );
    const opt = byRole(c, 'optimum');
    assert.deepEqual(
      opt.map((d) => d.label),
      ['chinchilla: N*', 'chinchilla: D*'],
    );
    assert.ok(opt.every((d) => d.errorBars === 1));
    await screenshot(page, 'frontier');
  });

  it('frontier view of `frontier LAW over C`: N*(C), D*(C) with bands beside the isoflop lines, L*(C) apart', async () => {
    const traced = chinchillaModel({ frontier: true });
    const f = traced.frontiers?.[0];
    assert.ok(f);
    assert.deepEqual(
      f.curves.map((c) => c.quantity),
      ['N', 'D', 'L'],
    );
    const page = await panel();
    await sendUpdate(page, traced, { view: { view: 'frontier' } });
    const cs = await charts(page);
    assert.deepEqual(
      cs.map((c) => c.id),
      ['frontier', 'frontier-value'],
    );
    const [alloc, value] = cs;
    const tracedOf = (c: ChartInfo, role: string) =>
      c.datasets.filter((d) => d.key.startsWith('traced:') && d.role === role);
    // N* and D*: a dashed curve and its band each, through one marker per budget of the statement.
    assert.deepEqual(
      tracedOf(alloc, 'frontier').map((d) => d.label),
      ['chinchilla: N*(C)', 'chinchilla: D*(C)'],
    );
    assert.equal(tracedOf(alloc, 'band-hi').length, 2);
    assert.deepEqual(
      tracedOf(alloc, 'frontier-point').map((d) => d.n),
      [9, 9],
    );
    // The isoflop's own lines are still there, and the legend lists both kinds.
    assert.equal(byRole(alloc, 'frontier').filter((d) => !d.key.startsWith('allocation:')).length, 4);
    assert.ok(alloc.legend.includes('chinchilla: N*(C)'));
    // L*(C): linear y (a loss), its band, and the same budgets.
    assert.equal(value.xType, 'logarithmic');
    assert.equal(value.yType, 'linear');
    assert.deepEqual(
      tracedOf(value, 'frontier').map((d) => d.label),
      ['chinchilla: L*(C)'],
    );
    assert.equal(tracedOf(value, 'band-hi').length, 1);
    assert.equal(tracedOf(value, 'frontier-point')[0].n, 9);
    await screenshot(page, 'frontier-traced');
  });

  it('sweep view: loss vs lr per group with parabolas and minima, then lr*(N) with its power law', async () => {
    const withSweep = chinchillaModel({ sweep: true });
    const sw = withSweep.sweeps![0];
    const page = await panel();
    await sendUpdate(page, withSweep, { view: { view: 'sweep' } });
    const cs = await charts(page);
    assert.deepEqual(
      cs.map((c) => c.id),
      ['sweep:lr_star', 'sweep-law:lr_star'],
    );
    const [profiles, law] = cs;
    assert.equal(profiles.xType, 'logarithmic');
    assert.equal(profiles.yType, 'linear');
    assert.equal(byRole(profiles, 'runs').length, sw.groups.length);
    assert.equal(byRole(profiles, 'parabola').length, sw.groups.length);
    assert.equal(byRole(profiles, 'minimum').length, sw.groups.length);
    assert.equal(profiles.legend.length, sw.groups.length);
    assert.equal(law.yType, 'logarithmic');
    assert.equal(byRole(law, 'frontier').length, 1);
    assert.equal(byRole(law, 'frontier-minima')[0].n, sw.groups.length);
    await screenshot(page, 'sweep');
  });

  it('bootstrap view: a histogram per parameter, only when draws exist', async () => {
    const page = await panel();
    await sendUpdate(page, model, { view: { view: 'bootstrap' } });
    const cs = await charts(page);
    const params = model.laws.flatMap((l) => Object.keys(l.draws ?? {}));
    assert.equal(cs.length, params.length);
    const sums = await page.evaluate(() =>
      (window.__scalingCharts ?? []).map((c) =>
        (c.data.datasets[0].data as { y: number }[]).reduce((s, p) => s + p.y, 0),
      ),
    );
    assert.ok(sums.every((s) => s === model.laws[0].draws?.E.length));
    await screenshot(page, 'bootstrap');

    // Scale parameters' draws within a few percent stay on linear axes; a positive parameter whose
    // draws span decades (lognormal, sd 1.5 in ln: ~20x between the 5% and 95% draws) gets a log axis.
    assert.ok(cs.every((c) => c.xType === 'linear'));
    const wide = structuredClone(model);
    const aDraws = wide.laws[0].draws?.A ?? [];
    assert.ok(aDraws.length > 0);
    wide.laws[0].draws = {
      ...wide.laws[0].draws,
      A: aDraws.map((_, i) => 400 * Math.exp(1.5 * Math.sin(i * 12.9898))),
    };
    await sendUpdate(page, wide, { version: 2, view: { view: 'bootstrap' } });
    const logged = await charts(page);
    const a = logged.find((c) => c.id.endsWith(':A'));
    const e = logged.find((c) => c.id.endsWith(':E'));
    assert.equal(a?.xType, 'logarithmic');
    assert.equal(e?.xType, 'linear');
    const aSum = await page.evaluate(() => {
      const c = (window.__scalingCharts ?? []).find((ch) => String(ch.scalingId).endsWith(':A'));
      return (c?.data.datasets[0].data as { y: number }[]).reduce((s, p) => s + p.y, 0);
    });
    assert.equal(aSum, aDraws.length, 'every draw lands in a geometric bin');
    await screenshot(page, 'bootstrap-log');

    const noDraws = chinchillaModel({ bootstrap: false });
    assert.ok(!availableViews(noDraws).includes('bootstrap'));
    await sendUpdate(page, noDraws, { version: 3, view: { view: 'fit' } });
    const options = await page.$$eval('#view-select option', (os) => os.map((o) => (o as HTMLOptionElement).value));
    assert.deepEqual(options, ['fit', 'residuals', 'isoflop', 'frontier']);
    const [c] = await charts(page);
    assert.equal(byRole(c, 'band-lo').length, 0, 'no band without intervals');
  });

  it('updates in place: same chart, legend-hidden and zoom survive, data changes', async () => {
    const page = await panel();
    await sendUpdate(page, model);
    // hide kaplan from the legend by clicking its legend entry, zoom with the wheel
    const box = await page.evaluate(() => {
      const c = (window.__scalingCharts ?? [])[0];
      const legend = c.legend as unknown as {
        legendItems: { text: string }[];
        legendHitBoxes: { left: number; top: number; width: number; height: number }[];
      };
      const i = legend.legendItems.findIndex((it) => it.text === 'kaplan');
      const r = c.canvas.getBoundingClientRect();
      const h = legend.legendHitBoxes[i];
      (c as unknown as { __tag: string }).__tag = 'first';
      return {
        x: r.left + h.left + h.width / 2,
        y: r.top + h.top + h.height / 2,
        cx: r.left + r.width / 2,
        cy: r.top + r.height / 2,
      };
    });
    await page.mouse.click(box.x, box.y);
    await page.mouse.move(box.cx, box.cy);
    await page.mouse.wheel(0, -300);
    await page.waitForTimeout(50);
    const zoomed = await page.evaluate(() => {
      const c = (window.__scalingCharts ?? [])[0];
      return { min: c.options.scales?.x?.min as number, max: c.options.scales?.x?.max as number };
    });
    assert.ok(Number.isFinite(zoomed.min) && Number.isFinite(zoomed.max), 'wheel zoom set the x range');
    let c = (await charts(page))[0];
    assert.ok(
      c.datasets.filter((d) => d.law === 'kaplan').every((d) => d.hidden),
      'kaplan hidden with its band and points',
    );
    const before = c.datasets.find((d) => d.role === 'curve' && d.law === 'chinchilla');

    const shifted = chinchillaModel({ shift: 0.05 });
    shifted.laws[0].curves = shifted.laws[0].curves.map((cv) => ({
      ...cv,
      points: { ...cv.points, y: cv.points.y.map((v) => v + 0.05) },
    }));
    await sendUpdate(page, shifted, { version: 2 });
    const same = await page.evaluate(() => {
      const c = (window.__scalingCharts ?? [])[0];
      return {
        tag: (c as unknown as { __tag?: string }).__tag,
        min: c.options.scales?.x?.min as number,
        max: c.options.scales?.x?.max as number,
        firstY: (
          c.data.datasets.find((d) => (d as unknown as { role: string }).role === 'runs')?.data[0] as { y: number }
        ).y,
      };
    });
    assert.equal(same.tag, 'first', 'the same Chart instance was updated');
    assert.deepEqual({ min: same.min, max: same.max }, zoomed, 'zoom kept');
    assert.ok(Math.abs(same.firstY - shifted.runSets[0].observed[0]) < 1e-12, 'new data drawn');
    c = (await charts(page))[0];
    assert.ok(
      c.datasets.filter((d) => d.law === 'kaplan').every((d) => d.hidden),
      'legend-hidden kept',
    );
    assert.equal(c.datasets.find((d) => d.role === 'curve' && d.law === 'chinchilla')?.hidden, before?.hidden);
    await page.dblclick('canvas', { position: { x: 400, y: 250 } });
    const reset = await page.evaluate(() => {
      const c = (window.__scalingCharts ?? [])[0];
      return { min: c.options.scales?.x?.min, spec: c.scalingSpec.x.min };
    });
    assert.equal(reset.min, reset.spec, 'double-click resets the zoom to the data range');
  });

  it('coalesces a burst of updates and drops results older than the shown version', async () => {
    const page = await panel();
    await sendUpdate(page, model, { version: 5 });
    const before = await renders(page);
    await page.evaluate(
      ([m1, m2]) => {
        for (let v = 6; v <= 9; v++)
          window.postMessage(
            { type: 'update', uri: 'file:///work/examples/chinchilla.scaling', version: v, model: v === 9 ? m2 : m1 },
            '*',
          );
      },
      [model, chinchillaModel({ shift: 0.1 })],
    );
    await waitRenders(page, before);
    await page.waitForTimeout(120);
    // the first at once, the rest coalesced (one draw when they arrive within 16 ms of each other, as here unless
    // the machine is very busy)
    assert.ok((await renders(page)) < before + 4, 'fewer draws than updates');
    assert.equal(await page.evaluate(() => document.getElementById('status')?.dataset.version), '9');
    await page.evaluate(
      (m) =>
        window.postMessage(
          { type: 'update', uri: 'file:///work/examples/chinchilla.scaling', version: 3, model: m },
          '*',
        ),
      model,
    );
    await page.waitForTimeout(120);
    assert.equal(
      await page.evaluate(() => document.getElementById('status')?.dataset.version),
      '9',
      'stale result dropped',
    );
  });

  it('theme switch (body class + variables) recolours the charts; high contrast thickens lines', async () => {
    const page = await panel('dark');
    await sendUpdate(page, model);
    const dark = (await charts(page))[0];
    const tick = () => page.evaluate(() => String((window.__scalingCharts ?? [])[0].options.scales?.x?.ticks?.color));
    assert.equal(await tick(), '#cccccc');
    assert.equal(byRole(dark, 'curve')[0].color, '#3794ff');
    await screenshot(page, 'theme-dark');
    for (const [name, expectFg, expectBlue, width] of [
      ['light', '#3b3b3b', '#1a85ff', 2],
      ['high-contrast', '#ffffff', '#3794ff', 3],
    ] as const) {
      const before = await renders(page);
      await page.evaluate((t) => {
        document.body.className = t.bodyClass;
        for (const [k, v] of Object.entries(t.vars)) document.documentElement.style.setProperty(k, v);
      }, THEMES[name]);
      await waitRenders(page, before);
      const c = (await charts(page))[0];
      assert.equal(await tick(), expectFg, `${name} foreground`);
      assert.equal(byRole(c, 'curve')[0].color, expectBlue, `${name} blue`);
      assert.equal(byRole(c, 'curve')[0].width, width, `${name} line width`);
      await screenshot(page, `theme-${name}`);
    }
    // the extension's own `theme` message re-reads the variables too
    const before = await renders(page);
    await page.evaluate(() => {
      document.documentElement.style.setProperty('--vscode-charts-blue', '#00ff00');
      window.postMessage({ type: 'theme', uri: 'file:///work/examples/chinchilla.scaling', version: 1 }, '*');
    });
    await waitRenders(page, before);
    assert.equal(byRole((await charts(page))[0], 'curve')[0].color, '#00ff00');
  });

  it("a host echoing its old view does not undo the user's choice; a new host view is followed", async () => {
    const page = await panel();
    await sendUpdate(page, model, { view: { view: 'fit' } });
    await selectView(page, 'isoflop');
    await sendUpdate(page, model, { version: 2, view: { view: 'fit' } }); // sent before the state message arrived
    assert.equal(await page.textContent('#status'), 'rendered isoflop');
    await sendUpdate(page, model, { version: 3, view: { view: 'frontier' } });
    assert.equal(await page.textContent('#status'), 'rendered frontier');
  });

  it('restores the view from the persisted state after a reload (panel serializer path)', async () => {
    const page = await panel();
    await sendUpdate(page, model, { version: 4 });
    await selectView(page, 'residuals');
    // Saved (debounced), then stored in sessionStorage as the page goes away.
    await page.waitForFunction(
      () => (window.__scalingSaved as { state?: { view?: string } } | undefined)?.state?.view === 'residuals',
    );
    assert.equal(await page.evaluate(() => sessionStorage.getItem('scaling-studio.webview-state')), null);
    await page.reload();
    await page.waitForFunction(() => document.getElementById('status')?.textContent === 'rendered residuals');
    assert.equal(await page.inputValue('#view-select'), 'residuals');
    const posted = await page.evaluate(() => window.__scalingPosted ?? []);
    assert.deepEqual(posted[0], { type: 'ready', uri: 'file:///work/examples/chinchilla.scaling', version: 4 });
    const [c] = await charts(page);
    assert.equal(c.id, 'residuals');
    await page.evaluate(() => sessionStorage.clear());
  });

  it('rejects and reports invalid messages, and keeps drawing the last good model', async () => {
    const page = await panel();
    await sendUpdate(page, model);
    const good = await renders(page);
    const broken: unknown[] = [
      'update',
      null,
      { type: 'bogus', uri: 'file:///a', version: 1 },
      { type: 'update', uri: 'file:///a', version: 2 },
      { type: 'update', uri: 'file:///a', version: -1, model },
      { type: 'update', uri: '', version: 2, model },
      { type: 'update', uri: 'file:///a', version: 2, model: { ...model, laws: 'x' } },
      {
        type: 'update',
        uri: 'file:///a',
        version: 2,
        model: { ...model, runSets: [{ ...model.runSets[0], observed: [1, 2] }] },
      },
      { type: 'update', uri: 'file:///a', version: 2, model, view: { view: 'pie' } },
      { type: 'update', uri: 'file:///a', version: 2, model, extra: true },
      { type: 'theme', uri: 'file:///a' },
    ];
    await page.evaluate((ms) => ms.forEach((m) => window.postMessage(m, '*')), broken);
    await page.waitForFunction((n) => (window.__scalingRejected ?? 0) >= n, broken.length);
    await page.waitForTimeout(100);
    assert.equal(await renders(page), good, 'nothing redrawn');
    const errors = await page.evaluate(() => (window.__scalingPosted ?? []).filter((m) => m.type === 'error'));
    assert.equal(errors.length, broken.length);
    assert.ok(errors.every(isWebviewMessage));
    assert.equal((await charts(page))[0].datasets.length > 0, true);
    problems = problems.filter((p) => !p.includes('rejected an invalid message')); // our own console.warn lines
  });

  it('exports PNG and CSV of the plotted series to the extension', async () => {
    const page = await panel();
    await sendUpdate(page, model);
    await page.click('#export-png');
    await page.click('#export-csv');
    await page.waitForFunction(
      () => (window.__scalingPosted ?? []).filter((m) => m.type.startsWith('export')).length === 2,
    );
    const posted = await page.evaluate(() => (window.__scalingPosted ?? []).filter((m) => m.type.startsWith('export')));
    assert.ok(posted.every(isWebviewMessage));
    const png = posted.find((m) => m.type === 'exportPng') as { dataUrl: string; lightDataUrl?: string };
    assert.ok(png.dataUrl.startsWith('data:image/png;base64,') && png.dataUrl.length > 10_000);
    // Both colourings at twice the chart's on-screen size; the light one on white, the themed one on the (dark)
    // panel background.
    const images = await page.evaluate(
      async ([themed, light]) => {
        // (no named inner functions: the test's transpiler would wrap them in a helper the page lacks)
        const out: { w: number; h: number; corner: number[] }[] = [];
        for (const url of [themed, light as string]) {
          const img = new Image();
          img.src = url;
          await img.decode();
          const c = document.createElement('canvas');
          c.width = img.width;
          c.height = img.height;
          const ctx = c.getContext('2d')!;
          ctx.drawImage(img, 0, 0);
          out.push({ w: img.width, h: img.height, corner: [...ctx.getImageData(1, 1, 1, 1).data].slice(0, 3) });
        }
        const box = document.querySelector('canvas')!.getBoundingClientRect();
        return { box: [box.width, box.height], themed: out[0], light: out[1] };
      },
      [png.dataUrl, png.lightDataUrl] as const,
    );
    for (const k of ['themed', 'light'] as const) {
      assert.ok(Math.abs(images[k].w - 2 * images.box[0]) <= 2, `${k} width ${images[k].w} vs 2 × ${images.box[0]}`);
      assert.ok(Math.abs(images[k].h - 2 * images.box[1]) <= 2, `${k} height ${images[k].h} vs 2 × ${images.box[1]}`);
    }
    assert.deepEqual(images.light.corner, [255, 255, 255]);
    assert.ok(
      images.themed.corner.every((v) => v < 100),
      `dark panel background: ${images.themed.corner}`,
    );
    const csv = (posted.find((m) => m.type === 'exportCsv') as { csv: string }).csv.trim().split('\n');
    assert.equal(csv[0], 'chart,series,x_name,x,y_name,y,lo,hi,run');
    const runRows = csv.filter((l) => /^L vs N,(runs|held out),/.test(l));
    assert.equal(runRows.length, runCount(model));
    // The CSV is data: every digit, never the display format.
    assert.ok(
      csv.some((l) => l.startsWith('L vs N,chinchilla: predict,N,70000000000,')),
      csv.filter((l) => l.includes('predict')).join('\n'),
    );
    // bootstrap (several charts) exports one stacked image
    await selectView(page, 'bootstrap');
    await page.click('#export-png');
    await page.waitForFunction(() => (window.__scalingPosted ?? []).filter((m) => m.type === 'exportPng').length === 2);
  });

  const XSS_TITLE = `<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">`;
  const XSS_NAME = `<img src=x onerror="window.__pwned=3">`;

  it('user text runs nowhere: titles, law names, run labels, groups (panel)', async () => {
    const m = chinchillaModel({
      title: XSS_TITLE,
      lawNames: [XSS_NAME, '</script><script>window.__pwned=4</script>'],
      by: true,
    });
    m.runSets[0].labels[0] = XSS_NAME;
    m.runSets[0].groups = m.runSets[0].groups?.map(() => XSS_NAME);
    m.source = XSS_TITLE;
    const page = await panel();
    await sendUpdate(page, m);
    for (const v of ['residuals', 'isoflop', 'frontier', 'bootstrap', 'fit']) await selectView(page, v);
    await page.hover('canvas');
    await page.waitForTimeout(100);
    assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
    assert.equal(await page.$$eval('img', (is) => is.length), 0);
    const options = await page.$$eval('#view-select option', (os) => os.map((o) => o.textContent));
    assert.ok(options.length === 5);
  });

  it('the standalone report renders every view, the params table, and runs no user text', async () => {
    const m = chinchillaModel({ lawNames: ['chinchilla', `kaplan<img src=x onerror="window.__pwned=5">`] });
    const html = reportHtml(m, XSS_TITLE);
    assert.ok(!html.includes('<script>window.__pwned'), 'title escaped in the HTML');
    assert.ok(
      !/<img/i.test(html.replace(/<script nonce[^>]*>[\s\S]*?<\/script>/g, '')),
      'no raw <img> outside the bundle',
    );
    server.setPage('/report.html', html);
    const page = await browser.context.newPage();
    problems = watchPage(page);
    const requested: string[] = [];
    page.on('request', (r) => requested.push(r.url()));
    await page.goto(`${server.origin}/report.html`);
    await page.waitForFunction(() => document.getElementById('status')?.textContent?.startsWith('rendered'));
    assert.equal(await page.textContent('#status'), 'rendered fit, residuals, isoflop, frontier, bootstrap');
    assert.deepEqual(requested, [`${server.origin}/report.html`], 'no other request');
    assert.equal(await page.textContent('#report-title'), XSS_TITLE);
    assert.equal(await page.title(), XSS_TITLE);
    assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
    const cs = await charts(page);
    const ids = cs.map((c) => c.id.split(':')[0]);
    for (const v of ['fit', 'residuals', 'isoflop', 'frontier', 'bootstrap'])
      assert.ok(ids.includes(v), `report has ${v}`);
    const rows = await page.$$eval('table.params tbody tr', (trs) => trs.length);
    assert.ok(rows >= 7, 'a row per parameter');
    // No debug text for the reader: the render status ("rendered fit, residuals, …") is not shown.
    const shown = await page.evaluate(() => document.body.innerText);
    assert.ok(!/rendered|loading/.test(shown), shown.slice(0, 400));
    await screenshot(page, 'report');
  });

  it('the report also works opened from a file (file://, no server)', async function () {
    const fs = await import('node:fs');
    const path = await import('node:path');
    const file = path.join(browser.runDir, 'report.html');
    fs.writeFileSync(file, reportHtml(model, 'Chinchilla report'));
    const page = await browser.context.newPage();
    problems = watchPage(page);
    await page.goto(`file://${file}`);
    await page.waitForFunction(() => document.getElementById('status')?.textContent?.startsWith('rendered'));
    // fit, residuals, isoflop, frontier with L* on the frontier apart, 7 bootstrap histograms
    assert.equal((await charts(page)).length, 5 + 7);
  });
});

describe('webview protocol and host HTML (node)', () => {
  it('webviewHtml: strict CSP with a nonce, no inline script without it, escaped attributes', () => {
    const html = webviewHtml({
      cspSource: 'https://x.vscode-cdn.net',
      nonce: 'abc123',
      scriptUri: 'https://x/webview.js?"a<',
    });
    assert.ok(
      html.includes(
        `content="default-src 'none'; script-src 'nonce-abc123'; style-src https://x.vscode-cdn.net 'nonce-abc123'; img-src https://x.vscode-cdn.net data:`,
      ),
    );
    const scripts = html.match(/<script[^>]*>/g) ?? [];
    assert.equal(scripts.length, 1);
    assert.ok(scripts.every((s) => s.includes('nonce="abc123"')));
    assert.ok(html.includes('webview.js?&#34;a&#60;'));
    assert.ok(!html.includes('unsafe-inline') && !html.includes('unsafe-eval'));
  });
});
