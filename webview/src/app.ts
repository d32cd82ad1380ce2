// The webview application: toolbar, message handling, view state, rendering into chart.js.

import { availableViews, isPlotModel, type PlotModel, type PlotView } from '../../protocol/plot';
import {
  isExtensionMessage,
  isPersistedState,
  type ExtensionMessage,
  type PersistedState,
  type ViewState,
  type WebviewMessage,
} from '../../protocol/webview';
import type { HostApi } from './api';
import { createChart, resetZoom, updateChart, type ChartSpec, type ScalingChart } from './charts';
import { lightPalette, readPalette, watchTheme, type Palette } from './theme';
import { specsToCsv } from './views/csv';
import { VIEW_LABELS, VIEWS } from './views';

declare global {
  interface Window {
    /** The live chart.js instances (tests read chart.js state through this). */
    __scalingCharts?: ScalingChart[];
    /** Count of messages rejected by validation. */
    __scalingRejected?: number;
  }
}

interface Section {
  view: PlotView;
  root: HTMLElement;
  body: HTMLElement;
  charts: ScalingChart[];
  specs: ChartSpec[];
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, text?: string) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text; // never innerHTML: every string may come from the user
  return e;
}

/** Trailing debounce: runs `wait` ms after the last call, but at least every `maxWait` ms during a stream. */
function debounce(fn: () => void, wait: number, maxWait: number): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let first = 0;
  return () => {
    const now = performance.now();
    if (timer === undefined) first = now;
    else clearTimeout(timer);
    const delay = Math.max(0, Math.min(wait, first + maxWait - now));
    timer = setTimeout(() => {
      timer = undefined;
      fn();
    }, delay);
  };
}

/**
 * For updates: one that comes after a quiet spell (more than `wait` ms after the one before, by when each was
 * posted) is applied at once (a microtask later), so a single new result repaints without waiting; updates posted
 * within `wait` ms of each other are coalesced and drawn once, `wait` ms after the last. Posting times, not the
 * times they are handled: a burst queued behind a slow draw is still a burst.
 */
function leadingDebounce(fn: () => void, wait: number, maxWait: number): (postedAt: number) => void {
  let lastPosted = -Infinity;
  let scheduled = false;
  const trailing = debounce(fn, wait, maxWait);
  return (postedAt) => {
    const gap = postedAt - lastPosted;
    lastPosted = postedAt;
    if (!scheduled && gap > wait) {
      scheduled = true;
      queueMicrotask(() => {
        scheduled = false;
        fn();
      });
      return;
    }
    trailing();
  };
}

type AppMode = 'panel' | 'report';

export class App {
  private palette: Palette;
  private model: PlotModel | null = null;
  private uri: string | null = null;
  private version: number | null = null;
  private state: ViewState = { view: 'fit' };
  private sections: Section[] = [];
  private pending: ExtensionMessage | null = null;
  private lastHostView: string | null = null;
  private renders = 0;
  /** A lone update draws at once; a burst (typing re-fits) is drawn once more, 16 ms after its last, at least every 100 ms. */
  private readonly flush = leadingDebounce(() => this.applyPending(), 16, 100);
  /**
   * Saving the state serialises the whole model (hundreds of ms for 10,000 runs): done once things are quiet, and
   * never forced in the middle of a stream of updates (it had a 2 s maxWait), where it delayed the next repaint.
   */
  private readonly persistSoon = debounce(() => this.persist(), 250, Infinity);

  private readonly status: HTMLElement;
  private readonly error: HTMLElement;
  private readonly banner: HTMLElement;
  private readonly viewsRoot: HTMLElement;
  private readonly viewSelect: HTMLSelectElement;
  private readonly xSelect: HTMLSelectElement;
  private readonly residualSelect: HTMLSelectElement;
  private readonly xLabel: HTMLElement;
  private readonly residualLabel: HTMLElement;

  constructor(
    private readonly root: HTMLElement,
    private readonly host: HostApi,
    private readonly mode: AppMode,
  ) {
    this.palette = readPalette();
    root.classList.add(`mode-${mode}`);
    window.__scalingRejected = 0;
    window.__scalingCharts = [];

    const existingStatus = document.getElementById('status');
    this.status = existingStatus ?? el('p', { id: 'status' }, 'loading');
    this.status.setAttribute('role', 'status');
    const toolbar = el('div', { class: 'toolbar', role: 'toolbar' });
    this.viewSelect = el('select', { id: 'view-select', 'aria-label': 'View' });
    this.xSelect = el('select', { id: 'x-select', 'aria-label': 'x axis' });
    this.residualSelect = el('select', { id: 'residual-x-select', 'aria-label': 'Residuals against' });
    this.xLabel = el('label', {}, 'x ');
    this.xLabel.append(this.xSelect);
    this.residualLabel = el('label', {}, 'against ');
    this.residualLabel.append(this.residualSelect);
    const viewLabel = el('label', {}, 'View ');
    viewLabel.append(this.viewSelect);
    const png = el('button', { id: 'export-png', type: 'button', title: 'Export the chart as PNG' }, 'PNG');
    const csv = el('button', { id: 'export-csv', type: 'button', title: 'Export the plotted series as CSV' }, 'CSV');
    const reset = el(
      'button',
      { id: 'reset-zoom', type: 'button', title: 'Reset zoom (or double-click a chart)' },
      'Reset zoom',
    );
    if (mode === 'panel') toolbar.append(viewLabel, this.xLabel, this.residualLabel);
    toolbar.append(el('span', { class: 'spacer' }), reset, png, csv, this.status);
    this.error = el('div', { id: 'error', role: 'alert' });
    this.banner = el('div', { id: 'banner', role: 'status' });
    this.viewsRoot = el('div', { id: 'views' });
    root.replaceChildren(toolbar, this.error, this.banner, this.viewsRoot);

    this.viewSelect.addEventListener('change', () =>
      this.setState({ ...this.state, view: this.viewSelect.value as PlotView }),
    );
    this.xSelect.addEventListener('change', () => this.setState({ ...this.state, x: this.xSelect.value }));
    this.residualSelect.addEventListener('change', () =>
      this.setState({ ...this.state, residualX: this.residualSelect.value }),
    );
    png.addEventListener('click', () => this.exportPng());
    csv.addEventListener('click', () => this.exportCsv());
    reset.addEventListener('click', () => this.sections.forEach((s) => s.charts.forEach(resetZoom)));

    watchTheme(() => this.onTheme());
    window.addEventListener('message', (ev: MessageEvent) => this.onMessage(ev.data, ev.timeStamp));
  }

  /** Restores a persisted state (panel serializer / reload) and says ready. */
  start(): void {
    const saved = this.host.getState();
    if (saved !== undefined && saved !== null) {
      if (isPersistedState(saved)) {
        this.adopt(saved.uri, saved.version, saved.model, saved.state);
        this.renderAll();
      } else {
        this.reportError('ignored an invalid saved state');
      }
    }
    this.post({ type: 'ready', uri: this.uri, version: this.version });
  }

  /** Shows a model that came with the page (the standalone report). */
  showEmbedded(model: unknown, uri: string): void {
    if (!isPlotModel(model)) {
      this.reportError('the embedded plot data is invalid');
      return;
    }
    this.adopt(uri, 0, model, this.state);
    this.renderAll();
  }

  private post(m: WebviewMessage): void {
    this.host.postMessage(m);
  }

  private reportError(message: string): void {
    console.warn(`[scaling-studio] ${message}`);
    this.post({ type: 'error', uri: this.uri, version: this.version, message });
  }

  private onMessage(data: unknown, postedAt = performance.now()): void {
    if (!isExtensionMessage(data)) {
      window.__scalingRejected = (window.__scalingRejected ?? 0) + 1;
      const type = typeof data === 'object' && data !== null ? String((data as { type?: unknown }).type) : typeof data;
      this.reportError(`rejected an invalid message (type ${type.slice(0, 40)})`);
      return;
    }
    if (data.type === 'theme') {
      this.onTheme();
      return;
    }
    // A result computed for an older version of the same document is dropped.
    if (data.uri === this.uri && this.version !== null && data.version < this.version) return;
    if (this.pending?.type === 'update' && this.pending.uri === data.uri && data.version < this.pending.version) return;
    this.pending = data;
    this.flush(postedAt);
  }

  private applyPending(): void {
    const m = this.pending;
    this.pending = null;
    if (!m || m.type !== 'update') return;
    // The host's `view` wins when it is news (another document, or the host changed it, e.g. a "show residuals"
    // command); an unchanged one is the host echoing what it last knew and must not undo the user's latest choice.
    const hostView = m.view ? JSON.stringify(m.view) : null;
    const useHost = m.view !== undefined && (m.uri !== this.uri || hostView !== this.lastHostView);
    this.lastHostView = hostView;
    this.banner.textContent = m.banner ?? '';
    this.banner.className = m.banner && !m.banner.startsWith('refitting') ? 'stale' : '';
    this.adopt(m.uri, m.version, m.model, useHost && m.view ? m.view : this.state);
    this.renderAll();
  }

  private adopt(uri: string, version: number, model: PlotModel, state: ViewState): void {
    this.uri = uri;
    this.version = version;
    this.model = model;
    this.state = { ...state };
    this.syncToolbar();
  }

  private setState(state: ViewState): void {
    this.state = state;
    this.syncToolbar();
    this.renderAll();
    if (this.uri !== null && this.version !== null) {
      this.post({ type: 'state', uri: this.uri, version: this.version, state: { ...this.state } });
    }
  }

  private onTheme(): void {
    this.palette = readPalette();
    if (this.model) this.renderAll();
  }

  private views(): PlotView[] {
    if (!this.model) return [];
    const avail = availableViews(this.model);
    if (this.mode === 'report') return avail;
    return [avail.includes(this.state.view) ? this.state.view : (avail[0] ?? 'fit')];
  }

  private syncToolbar(): void {
    const m = this.model;
    if (!m) return;
    const avail = availableViews(m);
    const fill = (sel: HTMLSelectElement, items: [string, string][], value: string) => {
      const same = sel.options.length === items.length && items.every(([v], i) => sel.options[i].value === v);
      if (!same) sel.replaceChildren(...items.map(([v, t]) => el('option', { value: v }, t)));
      sel.value = items.some(([v]) => v === value) ? value : (items[0]?.[0] ?? '');
    };
    const view = avail.includes(this.state.view) ? this.state.view : (avail[0] ?? 'fit');
    fill(
      this.viewSelect,
      avail.map((v) => [v, VIEW_LABELS[v]]),
      view,
    );
    fill(
      this.xSelect,
      m.variables.map((v) => [v, v]),
      this.state.x ?? m.variables[0] ?? '',
    );
    fill(
      this.residualSelect,
      [['fitted', `fitted ${m.target}`], ...m.variables.map((v): [string, string] => [v, v])],
      this.state.residualX ?? 'fitted',
    );
    this.xLabel.hidden = view !== 'fit';
    this.residualLabel.hidden = view !== 'residuals';
  }

  private renderAll(): void {
    const model = this.model;
    if (!model) return;
    try {
      const views = this.views();
      // Drop sections of views no longer shown.
      for (const s of this.sections.filter((s) => !views.includes(s.view))) {
        s.charts.forEach((c) => c.destroy());
        s.root.remove();
      }
      this.sections = this.sections.filter((s) => views.includes(s.view));
      for (const view of views) {
        let section = this.sections.find((s) => s.view === view);
        if (!section) {
          const sroot = el('section', { class: 'view', 'data-view': view });
          if (this.mode === 'report') sroot.append(el('h2', { class: 'view-title' }, VIEW_LABELS[view]));
          const body = el('div', { class: 'view-body' });
          sroot.append(body);
          this.viewsRoot.append(sroot);
          section = { view, root: sroot, body, charts: [], specs: [] };
          this.sections.push(section);
        }
        this.renderSection(section, VIEWS[view](model, this.state, this.palette));
      }
      // Keep sections in the order of `views`.
      for (const v of views) {
        const s = this.sections.find((x) => x.view === v);
        if (s) this.viewsRoot.append(s.root);
      }
      window.__scalingCharts = this.sections.flatMap((s) => s.charts);
      this.error.textContent = '';
      this.renders++;
      this.status.dataset.renders = String(this.renders);
      this.status.dataset.version = String(this.version ?? '');
      this.status.textContent = `rendered ${views.join(', ')}`;
      this.persistSoon();
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      this.error.textContent = `Could not draw the plot: ${msg}`;
      this.status.textContent = 'error';
      this.reportError(msg);
    }
  }

  private renderSection(section: Section, specs: ChartSpec[]): void {
    const sameCharts =
      section.charts.length === specs.length && section.charts.every((c, i) => c.scalingId === specs[i].id);
    if (sameCharts) {
      specs.forEach((spec, i) => updateChart(section.charts[i], spec, this.palette));
    } else {
      section.charts.forEach((c) => c.destroy());
      section.charts = [];
      section.body.replaceChildren();
      if (specs.length === 0) {
        section.body.append(
          el('p', { class: 'note' }, `Nothing to show in ${VIEW_LABELS[section.view]} for this study.`),
        );
      }
      const grid = specs.some((s) => s.small) ? el('div', { class: 'chart-grid' }) : section.body;
      if (grid !== section.body) section.body.append(grid);
      for (const spec of specs) {
        const box = el('div', { class: 'chart-box', 'data-chart': spec.id });
        const canvas = el('canvas', { role: 'img', 'aria-label': spec.title });
        box.append(canvas);
        grid.append(box);
        section.charts.push(createChart(canvas, spec, this.palette));
      }
    }
    section.specs = specs;
  }

  private persist(): void {
    if (!this.model || this.uri === null || this.version === null || this.mode === 'report') return;
    const s: PersistedState = { uri: this.uri, version: this.version, state: { ...this.state }, model: this.model };
    this.host.setState(s);
  }

  private visibleCharts(): ScalingChart[] {
    return this.sections.flatMap((s) => s.charts);
  }

  /** PNG at 2×: in the current theme and, for papers, on a light background; the extension picks (a setting). */
  private exportPng(): void {
    const themed = this.renderPng(this.palette);
    if (!themed) return;
    const light = this.palette.kind === 'light' ? themed : (this.renderPng(lightPalette(this.palette)) ?? themed);
    const view = this.sections[0]?.view ?? 'fit';
    if (this.mode === 'report') return download(`${view}.png`, themed);
    if (this.uri !== null && this.version !== null)
      this.post({
        type: 'exportPng',
        uri: this.uri,
        version: this.version,
        view,
        dataUrl: themed,
        lightDataUrl: light,
      });
  }

  /**
   * The charts shown, redrawn off screen at twice the pixels in `pal`, each at its on-screen size and place, into
   * one image (a view with several charts is stacked as laid out).
   */
  private renderPng(pal: Palette): string | null {
    const model = this.model;
    if (!model) return null;
    const placed: { rect: DOMRect; spec: ChartSpec }[] = [];
    for (const s of this.sections) {
      const specs = VIEWS[s.view](model, this.state, pal);
      s.charts.forEach((c, i) => {
        const spec = specs.find((k) => k.id === c.scalingId) ?? specs[i];
        if (!spec) return;
        // The user's zoom is part of the figure.
        for (const id of ['x', 'y'] as const) {
          const z = c.options.scales?.[id];
          if (z?.min !== undefined) spec[id].min = Number(z.min);
          if (z?.max !== undefined) spec[id].max = Number(z.max);
        }
        placed.push({ rect: c.canvas.getBoundingClientRect(), spec });
      });
    }
    if (placed.length === 0) return null;
    const scale = 2;
    const left = Math.min(...placed.map((p) => p.rect.left));
    const top = Math.min(...placed.map((p) => p.rect.top));
    const out = document.createElement('canvas');
    out.width = Math.ceil((Math.max(...placed.map((p) => p.rect.right)) - left) * scale);
    out.height = Math.ceil((Math.max(...placed.map((p) => p.rect.bottom)) - top) * scale);
    const ctx = out.getContext('2d');
    if (!ctx) return null;
    ctx.fillStyle = pal.background;
    ctx.fillRect(0, 0, out.width, out.height);
    const stage = el('div', { 'aria-hidden': 'true' });
    stage.style.cssText = 'position:fixed;left:-100000px;top:0;visibility:hidden';
    document.body.append(stage);
    try {
      for (const { rect, spec } of placed) {
        const canvas = el('canvas');
        canvas.width = Math.max(1, Math.round(rect.width));
        canvas.height = Math.max(1, Math.round(rect.height));
        stage.append(canvas);
        const chart = createChart(canvas, spec, pal, { pixelRatio: scale });
        ctx.drawImage(
          chart.canvas,
          (rect.left - left) * scale,
          (rect.top - top) * scale,
          rect.width * scale,
          rect.height * scale,
        );
        chart.destroy();
      }
    } finally {
      stage.remove();
    }
    return out.toDataURL('image/png');
  }

  private exportCsv(): void {
    const specs = this.sections.flatMap((s) => s.specs);
    if (specs.length === 0) return;
    const csv = specsToCsv(specs);
    const view = this.sections[0]?.view ?? 'fit';
    if (this.mode === 'report')
      return download(`${view}.csv`, `data:text/csv;charset=utf-8,${encodeURIComponent(csv)}`);
    if (this.uri !== null && this.version !== null)
      this.post({ type: 'exportCsv', uri: this.uri, version: this.version, view, csv });
  }
}

function download(name: string, href: string): void {
  const a = el('a', { href, download: name });
  document.body.append(a);
  a.click();
  a.remove();
}
