// `per` fits in chromium (issue 10.1), from a real fit: the fit view draws one curve per group, each a legend
// entry named by the group's value with the curve's own colour as its swatch; the isoflop view draws each group.
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import type { PlotModel } from '../../protocol/plot';
import { perGroupPlot } from '../unit/present/perGroupStudy';
import {
  buildBundle,
  launchBrowser,
  openPanel,
  screenshot,
  sendUpdate,
  startServer,
  watchPage,
  type TestBrowser,
  type TestServer,
} from './harness';

interface Chart {
  id: string;
  title: string;
  legend: { text: string; swatch: string }[];
  datasets: { key: string; role: string; color: string; points: number }[];
}

/** Every chart on the page: its id, title, legend entries and datasets (with their line colour). */
async function charts(page: Page): Promise<Chart[]> {
  return page.evaluate(() =>
    (window.__scalingCharts ?? []).map((c) => ({
      id: String(c.scalingId),
      title: String((c.options.plugins?.title as { text?: unknown } | undefined)?.text ?? ''),
      legend: (c.legend?.legendItems ?? []).map((i) => ({ text: i.text, swatch: String(i.strokeStyle) })),
      datasets: c.data.datasets.map((d) => {
        const s = d as unknown as { key: string; role: string };
        return { key: s.key, role: s.role, color: String(d.borderColor), points: d.data.length };
      }),
    })),
  );
}

describe('webview: `per` laws and isoflops drawn per group (chromium)', function () {
  this.timeout(60_000);
  let server: TestServer;
  let browser: TestBrowser;
  let model: PlotModel;
  let problems: string[] = [];

  before(async function () {
    this.timeout(180_000);
    model = (await perGroupPlot()).model;
    await buildBundle();
    server = await startServer();
    browser = await launchBrowser('groups');
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });
  afterEach(async () => {
    for (const p of browser.context.pages()) await p.close();
    assert.deepEqual(problems, [], 'the page reported errors or CSP violations');
    problems = [];
  });

  async function panel(): Promise<Page> {
    const p = await openPanel(browser.context, server.origin, 'light');
    problems = watchPage(p);
    return p;
  }

  it('the fit view: one curve per group, each in the legend as its group value, swatch = curve colour', async () => {
    const page = await panel();
    await sendUpdate(page, model, { view: { view: 'fit', x: 'N' } });
    const [fit] = await charts(page);
    const curves = fit.datasets.filter((d) => d.role === 'curve' && d.key.startsWith('curve:k:'));
    assert.deepEqual(
      curves.map((c) => c.key),
      ['curve:k:small', 'curve:k:big', 'curve:k:wide'],
    );
    for (const [c, g] of curves.map((c) => [c, c.key.slice('curve:k:'.length)] as const)) {
      const entry = fit.legend.find((l) => l.text === `k (config = ${g})`);
      assert.ok(entry, `no legend entry for ${g}: ${fit.legend.map((l) => l.text).join(' | ')}`);
      assert.equal(entry.swatch, c.color, g);
      // The runs of the group are in the legend by the group's value too.
      assert.ok(fit.legend.some((l) => l.text === `config = ${g}`));
    }
    // Each prediction's curve names its group.
    for (const g of ['small', 'big', 'wide'])
      assert.ok(
        fit.legend.some((l) => l.text === `k (config = ${g}, through the point)`),
        g,
      );
    // Categorical groups: three distinct colours.
    assert.equal(new Set(curves.map((c) => c.color)).size, 3);
    await screenshot(page, 'groups-fit');
  });

  it('the isoflop view: one chart per group of a `per` isoflop, titled by the group, each with its parabolas', async () => {
    const page = await panel();
    await sendUpdate(page, model, { view: { view: 'isoflop' } });
    const all = await charts(page);
    assert.deepEqual(
      all.map((c) => c.id),
      ['isoflop:a2:a', 'isoflop:a2:b'],
    );
    for (const [c, g] of all.map((c) => [c, c.id.slice('isoflop:a2:'.length)] as const)) {
      assert.ok(c.title.startsWith(`a2 (config = ${g}):`), c.title);
      assert.equal(c.datasets.filter((d) => d.role === 'parabola').length, 3);
      assert.equal(
        c.datasets.filter((d) => d.role === 'runs').reduce((s, d) => s + d.points, 0),
        15,
      );
    }
    await screenshot(page, 'groups-isoflop');
  });
});
