// The plot tells the story (issue 18, point 6), read from chart.js's own state in chromium: the law reaches every
// predict/optimize point, each point is in the legend and labelled, ordered groups get a sequential scale with a
// colour bar and a matching legend swatch, curves name where they are drawn, tooltips name each variable once, the
// frontier is a curve over the budgets, and a stale fit shows its banner.
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import type { PlotModel } from '../../protocol/plot';
import { formatInterval, formatValue } from '../../webview/src/format';
import { chinchillaModel } from './fixtures';
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

interface Drawn {
  legend: { text: string; swatch: string | null; colors: string[] }[];
  datasets: { key: string; role: string; data: { x: number; y: number }[]; labels: string[]; hidden: boolean }[];
  colorBar: { title: string; colors: string[]; labels: string[] } | null;
}

/** The first chart (or the one with `id`): its legend (with the swatch's kind), datasets and colour bar. */
async function drawn(page: Page, id?: string): Promise<Drawn> {
  return page.evaluate((want) => {
    const c = (window.__scalingCharts ?? []).find((k) => want === undefined || k.scalingId === want);
    if (!c) throw new Error(`no chart ${want}`);
    const plugins = c.options.plugins as unknown as { scalingColorBar?: { bar?: Drawn['colorBar'] } };
    return {
      legend: (c.legend?.legendItems ?? []).map((i) => {
        const ps = i.pointStyle as unknown;
        const canvas = ps instanceof HTMLCanvasElement ? ps : null;
        const colors: string[] = [];
        if (canvas) {
          // The gradient swatch read back: its left, middle and right pixels.
          const d = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, 1).data;
          for (const x of [0, Math.floor(canvas.width / 2), canvas.width - 1])
            colors.push(`${d[x * 4]},${d[x * 4 + 1]},${d[x * 4 + 2]}`);
        }
        return { text: i.text, swatch: canvas ? 'gradient' : String(i.fillStyle), colors };
      }),
      datasets: c.data.datasets.map((d, i) => {
        const s = d as unknown as { key: string; role: string; spec: { pointLabels?: string[] } };
        return {
          key: s.key,
          role: s.role,
          data: (d.data as { x: number; y: number }[]).map((p) => ({ x: p.x, y: p.y })),
          labels: s.spec.pointLabels ?? [],
          hidden: !c.isDatasetVisible(i),
        };
      }),
      colorBar: plugins.scalingColorBar?.bar ?? null,
    };
  }, id);
}

/** Tooltip lines of dataset `key`'s point `i`, as the chart shows them. */
async function tooltip(page: Page, key: string, i: number): Promise<string[]> {
  return page.evaluate(
    ([k, j]) => {
      const c = (window.__scalingCharts ?? [])[0];
      const d = c.data.datasets.find((x) => (x as unknown as { key: string }).key === k) as unknown as {
        data: { x: number; y: number; i?: number }[];
        spec: { tooltip?: (pt: { x: number; y: number; i?: number }) => string[] };
      };
      return d.spec.tooltip?.(d.data[j as number]) ?? [];
    },
    [key, i] as const,
  );
}

const luminance = (rgb: string) => {
  const [r, g, b] = rgb.split(',').map((v) => Number(v) / 255);
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
};
const hexToRgb = (hex: string) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)).join(',');

describe('webview: the plot tells the story (chromium)', function () {
  this.timeout(60_000);
  let server: TestServer;
  let browser: TestBrowser;
  let problems: string[] = [];

  before(async function () {
    this.timeout(120_000);
    await buildBundle();
    server = await startServer();
    browser = await launchBrowser('story');
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

  async function panel(theme = 'light'): Promise<Page> {
    const p = await openPanel(browser.context, server.origin, theme);
    problems = watchPage(p);
    return p;
  }

  it('the law reaches every predict and optimize point; each has a legend entry and a label with value and interval', async () => {
    const model = chinchillaModel();
    const page = await panel();
    await sendUpdate(page, model);
    for (const x of ['N', 'C']) {
      if (x !== 'N') await sendUpdate(page, model, { version: 2, view: { view: 'fit', x } });
      const d = await drawn(page);
      model.predictions.forEach((p, i) => {
        if (!(p.at[x] > 0)) return;
        const point = d.datasets.find((k) => k.key === `predict:${p.law}:${i}`);
        assert.ok(point, `no dataset for prediction ${i} on x = ${x}`);
        const text = `L = ${formatValue(p.value)}${p.interval ? ` ${formatInterval(p.interval)}` : ''}`;
        assert.deepEqual(point.labels, [text]);
        assert.ok(
          d.legend.some((l) => l.text.includes(text)),
          `legend lacks "${text}": ${d.legend.map((l) => l.text).join(' | ')}`,
        );
        // The curve through it reaches it: one of its points is the prediction (same x, y within 1e-9).
        const curve = d.datasets.find((k) => k.key === `predict:${p.law}:${i}:curve`);
        assert.ok(curve, `no curve through prediction ${i} on x = ${x}`);
        assert.ok(
          curve.data.some((q) => Math.abs(q.x / p.at[x] - 1) < 1e-9 && Math.abs(q.y / p.value - 1) < 1e-9),
          `the curve misses (${p.at[x]}, ${p.value})`,
        );
        assert.ok(d.datasets.some((k) => k.key === `predict:${p.law}:${i}:curve:hi`) === (p.interval !== null));
      });
      const o = model.optima[0];
      const star = d.datasets.find((k) => k.key === `optimum:${o.law}:0`);
      assert.ok(star && star.labels[0].startsWith(`L* = ${formatValue(o.value)}`), JSON.stringify(star?.labels));
      const through = d.datasets.find((k) => k.key === `optimum:${o.law}:0:curve`);
      assert.ok(
        through?.data.some((q) => Math.abs(q.x / o.at[x] - 1) < 1e-9 && Math.abs(q.y / o.value - 1) < 1e-9),
        `the curve misses the optimum on x = ${x}`,
      );
      assert.ok(d.legend.some((l) => l.text.startsWith('optimum at C = ')));
    }
    await screenshot(page, 'story-predict-reached');
  });

  it('numeric groups: a sequential scale, a colour bar, and a legend swatch that is the scale', async () => {
    const model = chinchillaModel({ by: true }); // by C: budgets
    const page = await panel('light');
    await sendUpdate(page, model, { view: { view: 'fit', x: 'N' } });
    const d = await drawn(page);
    const groups = [...new Set(model.runSets[0].groups)];
    assert.ok(d.colorBar, 'no colour bar');
    assert.equal(d.colorBar.title, 'C');
    assert.equal(d.colorBar.colors.length, groups.length);
    // Ordered: lightness rises with the group value (viridis), so no two neighbours look alike.
    const lum = d.colorBar.colors.map((c) => luminance(hexToRgb(c)));
    assert.ok(
      lum.every((v, i) => i === 0 || v > lum[i - 1]),
      `not monotone: ${lum.map((v) => v.toFixed(3)).join(' ')}`,
    );
    // The law drawn in its groups' colours: its swatch is a gradient from the first to the last group colour.
    const law = d.legend.find((l) => l.text === 'chinchilla');
    assert.ok(law, d.legend.map((l) => l.text).join(' | '));
    assert.equal(law.swatch, 'gradient');
    // Its ends are the first and last group colours (within 8 of 255 per channel: the gradient's edge pixels blend).
    const near = (a: string, b: string) =>
      a.split(',').every((v, i) => Math.abs(Number(v) - Number(b.split(',')[i])) <= 8);
    assert.ok(near(law.colors[0], hexToRgb(d.colorBar.colors[0])), `${law.colors[0]} vs ${d.colorBar.colors[0]}`);
    const last = d.colorBar.colors[d.colorBar.colors.length - 1];
    assert.ok(near(law.colors[2], hexToRgb(last)), `${law.colors[2]} vs ${last}`);
    // Never a white (or foreground) swatch for something drawn in colours; runs have one entry for all groups.
    assert.equal(d.legend.filter((l) => l.text.startsWith('runs')).length, 1);
    assert.ok(!d.legend.some((l) => /^(#fff|#ffffff|rgba\(255, 255, 255)/i.test(l.swatch ?? '')));
    await screenshot(page, 'story-colour-bar');
  });

  it('curves name the values they are drawn at; tooltips name each variable once', async () => {
    const model: PlotModel = chinchillaModel();
    // As the server sends it: the curve along N holds D at a stated value.
    const plain = model.laws[0].curves.find((c) => c.along === 'N' && c.group === null && !c.through);
    assert.ok(plain);
    plain.at = { D: 2e10 };
    const page = await panel();
    await sendUpdate(page, model, { view: { view: 'fit', x: 'N' } });
    let d = await drawn(page);
    assert.ok(
      d.legend.some((l) => l.text === 'chinchilla (D = 20B)'),
      d.legend.map((l) => l.text).join(' | '),
    );
    const curve = d.datasets.find((k) => k.role === 'curve');
    assert.ok(curve);
    const cl = await tooltip(page, curve.key, 3);
    assert.equal(cl.filter((l) => l.startsWith('N = ')).length, 1, JSON.stringify(cl));
    assert.equal(cl.filter((l) => l.startsWith('L = ')).length, 1, JSON.stringify(cl));
    // Grouped by C (binned budgets): the group goes on C's own line, not on a second C line.
    await sendUpdate(page, chinchillaModel({ by: true }), { version: 2, view: { view: 'fit', x: 'N' } });
    d = await drawn(page);
    const runs = d.datasets.find((k) => k.role === 'runs' && k.data.length > 0);
    assert.ok(runs);
    const lines = await tooltip(page, runs.key, 0);
    for (const v of ['N', 'D', 'C', 'L'])
      assert.equal(lines.filter((l) => l.startsWith(`${v} = `)).length, 1, `${v} in ${JSON.stringify(lines)}`);
  });

  it('frontier view: N*(C), D*(C) and L*(C) as curves over the study budgets, not only the optimum', async () => {
    const model = chinchillaModel({ isoflop: false });
    assert.equal(model.optima.length, 1);
    const page = await panel();
    await sendUpdate(page, model, { view: { view: 'frontier' } });
    const d = await drawn(page, 'frontier');
    const runC = model.runSets[0].columns.C;
    for (const q of ['N', 'D']) {
      const curve = d.datasets.find((k) => k.key === `allocation:chinchilla:${q}`);
      assert.ok(curve && curve.data.length > 20, `no ${q}*(C) curve`);
      const xs = curve.data.map((p) => p.x);
      assert.ok(Math.min(...xs) <= Math.min(...runC) * (1 + 1e-9), 'from the smallest run budget');
      assert.ok(Math.max(...xs) >= model.optima[0].at.C * (1 - 1e-9), 'to the optimize budget');
    }
    const value = await drawn(page, 'frontier-value');
    assert.ok(value.datasets.some((k) => k.key === 'allocation:chinchilla:L' && k.data.length > 20));
    await screenshot(page, 'story-frontier-curve');
  });

  it('a stale fit shows its banner over the last good curves; refitting is marked, and a fresh fit clears it', async () => {
    const model = chinchillaModel();
    const page = await panel();
    const post = (version: number, banner?: string) =>
      page.evaluate((m) => window.postMessage(m, '*'), {
        type: 'update',
        uri: 'file:///work/examples/chinchilla.scaling',
        version,
        model,
        ...(banner ? { banner } : {}),
      });
    const bannerIs = (text: string, cls: string) =>
      page.waitForFunction(
        ([t, c]) => {
          const b = document.getElementById('banner');
          return (
            b?.textContent === t &&
            b.className === c &&
            document.getElementById('status')?.textContent === 'rendered fit'
          );
        },
        [text, cls] as const,
      );
    await post(1, 'data changed: curves from the last good fit (file not found)');
    await bannerIs('data changed: curves from the last good fit (file not found)', 'stale');
    await screenshot(page, 'story-stale-banner');
    await post(2, 'refitting… the curves are from the last fit');
    await bannerIs('refitting… the curves are from the last fit', '');
    await post(3);
    await bannerIs('', '');
  });
});
