// chart.js setup: registered parts, the error-bar plugin, wheel zoom, and in-place updates of live charts.

import {
  BarController,
  BarElement,
  Chart,
  Filler,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  LogarithmicScale,
  PointElement,
  ScatterController,
  Title,
  Tooltip,
  type ChartConfiguration,
  type ChartDataset,
  type LegendItem,
  type Plugin,
  type Scale,
  type TooltipItem,
} from 'chart.js';
import { formatNumber, niceLogTicks } from './format';
import type { Palette } from './theme';

/**
 * chart.js's scatter controller, but sharing one resolved options object among points whose options are all the same
 * (as its line and bubble controllers do). The stock one resolves and copies the options of every point, twice per
 * update (positions, then the clip margin): with 10,000 runs that was a third of a repaint's script time. Points with
 * their own colours (indexable options) are still resolved one by one.
 */
class SharedScatterController extends ScatterController {
  static override id = 'scalingScatter';
  override initialize(): void {
    this.enableOptionSharing = true;
    super.initialize();
  }

  /** The clip margin: with shared options every point has the first one's size (the stock loop asks all 10,000). */
  protected override getMaxOverflow(): number | boolean {
    const points = this._cachedMeta.data as PointElement[];
    const first = points.length > 0 ? this.resolveDataElementOptions(0, 'default') : undefined;
    if (!first || !(first as { $shared?: boolean }).$shared) return super.getMaxOverflow();
    const max = points[0].size(first as Parameters<PointElement['size']>[0]) / 2;
    return max > 0 && max;
  }
}

Chart.register(
  ScatterController,
  SharedScatterController,
  LineController,
  BarController,
  PointElement,
  LineElement,
  BarElement,
  LinearScale,
  LogarithmicScale,
  Filler,
  Legend,
  Title,
  Tooltip,
);

/** A point as drawn; `i` indexes the run (or item) the tooltip describes. */
export interface Pt {
  x: number;
  y: number;
  i?: number;
}

export interface ErrorBar {
  xMin?: number;
  xMax?: number;
  yMin?: number;
  yMax?: number;
}

type Role =
  | 'runs'
  | 'heldout'
  | 'curve'
  | 'band-lo'
  | 'band-hi'
  | 'prediction'
  | 'optimum'
  | 'planned'
  | 'residuals'
  | 'zero'
  | 'parabola'
  | 'minimum'
  | 'frontier'
  | 'frontier-minima'
  | 'frontier-point'
  | 'hist'
  | 'marker';

/** What views produce; chart.js options are derived from it with the palette. */
export interface DatasetSpec {
  key: string;
  role: Role;
  label: string;
  /** Text in the legend when it differs from `label` (which tooltips and the CSV use). */
  legendLabel?: string;
  /** Legend swatch colour when it differs from `color`. */
  legendColor?: string;
  /** A swatch of several colours (a law or runs drawn in their groups' colours): a gradient of these. */
  legendColors?: string[];
  /** Text drawn beside each point (a prediction's value and interval), in the dataset's colour. */
  pointLabels?: string[];
  law?: string;
  /** Datasets sharing a legend group are shown/hidden together from the legend. */
  legendGroup?: string;
  /** Listed in the legend. */
  legend: boolean;
  type: 'scatter' | 'line' | 'bar';
  data: Pt[];
  color: string;
  fill?: string;
  pointStyle?: 'circle' | 'triangle' | 'rectRot' | 'star' | 'crossRot' | 'rect';
  pointRadius?: number;
  borderWidth?: number;
  dash?: number[];
  /** Per-point colours (a scatter coloured by group). */
  pointColors?: string[];
  /** Hollow markers. */
  hollow?: boolean;
  errorBars?: ErrorBar[];
  /** Tooltip lines for point `pt` (defaults to x, y). */
  tooltip?: (pt: Pt) => string[];
  /** Columns for the CSV export: name → value per point. */
  csv?: { lo?: (pt: Pt) => number | null; hi?: (pt: Pt) => number | null; label?: (pt: Pt) => string };
}

interface AxisSpec {
  type: 'logarithmic' | 'linear';
  title: string;
  min?: number;
  max?: number;
}

export interface ChartSpec {
  id: string;
  title: string;
  small?: boolean;
  type: 'scatter' | 'bar';
  x: AxisSpec;
  y: AxisSpec;
  datasets: DatasetSpec[];
  legend?: boolean;
  /** A colour bar at the right edge: what an ordered colour scale (N bins) means, small at the bottom. */
  colorBar?: ColorBar;
}

export interface ColorBar {
  title: string;
  colors: string[];
  labels: string[];
}

// --- plugins ------------------------------------------------------------------------------------------------------

type ScalingDataset = ChartDataset<'scatter' | 'line' | 'bar', Pt[]> & {
  key: string;
  role: Role;
  law?: string;
  legendGroup?: string;
  inLegend: boolean;
  errorBars?: ErrorBar[];
  spec: DatasetSpec;
};

const errorBarsPlugin: Plugin = {
  id: 'scalingErrorBars',
  afterDatasetsDraw(chart) {
    const { ctx, chartArea } = chart;
    const xs = chart.scales.x;
    const ys = chart.scales.y;
    ctx.save();
    ctx.beginPath();
    ctx.rect(chartArea.left, chartArea.top, chartArea.right - chartArea.left, chartArea.bottom - chartArea.top);
    ctx.clip();
    chart.data.datasets.forEach((raw, di) => {
      const ds = raw as unknown as ScalingDataset;
      if (!ds.errorBars || !chart.isDatasetVisible(di)) return;
      ctx.strokeStyle = String(ds.borderColor);
      ctx.lineWidth = 1.5;
      const cap = 4;
      ds.data.forEach((p, j) => {
        const e = ds.errorBars?.[j];
        if (!e) return;
        const px = xs.getPixelForValue(p.x);
        const py = ys.getPixelForValue(p.y);
        ctx.beginPath();
        if (e.yMin !== undefined && e.yMax !== undefined) {
          const a = ys.getPixelForValue(e.yMin);
          const b = ys.getPixelForValue(e.yMax);
          ctx.moveTo(px, a);
          ctx.lineTo(px, b);
          ctx.moveTo(px - cap, a);
          ctx.lineTo(px + cap, a);
          ctx.moveTo(px - cap, b);
          ctx.lineTo(px + cap, b);
        }
        if (e.xMin !== undefined && e.xMax !== undefined) {
          const a = xs.getPixelForValue(e.xMin);
          const b = xs.getPixelForValue(e.xMax);
          ctx.moveTo(a, py);
          ctx.lineTo(b, py);
          ctx.moveTo(a, py - cap);
          ctx.lineTo(a, py + cap);
          ctx.moveTo(b, py - cap);
          ctx.lineTo(b, py + cap);
        }
        ctx.stroke();
      });
    });
    ctx.restore();
  },
};

/** Fills the canvas with the theme background, so PNG exports are not transparent. */
const backgroundPlugin: Plugin = {
  id: 'scalingBackground',
  beforeDraw(chart, _args, opts: { color?: string }) {
    if (!opts.color) return;
    const { ctx } = chart;
    ctx.save();
    ctx.fillStyle = opts.color;
    ctx.fillRect(0, 0, chart.width, chart.height);
    ctx.restore();
  },
};

/** Writes each labelled point's text beside it (right, or left near the right edge), over a backing box. */
const pointLabelsPlugin: Plugin = {
  id: 'scalingPointLabels',
  afterDatasetsDraw(chart, _args, opts: { background?: string; font?: string }) {
    const { ctx, chartArea } = chart;
    ctx.save();
    ctx.font = opts.font ?? '12px sans-serif';
    ctx.textBaseline = 'middle';
    chart.data.datasets.forEach((raw, di) => {
      const ds = raw as unknown as ScalingDataset;
      const labels = ds.spec.pointLabels;
      if (!labels || !chart.isDatasetVisible(di)) return;
      ds.data.forEach((p, j) => {
        const text = labels[j];
        if (!text) return;
        const px = chart.scales.x.getPixelForValue(p.x);
        const py = chart.scales.y.getPixelForValue(p.y);
        if (px < chartArea.left || px > chartArea.right || py < chartArea.top || py > chartArea.bottom) return;
        const w = ctx.measureText(text).width;
        const left = px + 12 + w > chartArea.right;
        const x = left ? px - 12 - w : px + 12;
        const y = Math.min(chartArea.bottom - 8, Math.max(chartArea.top + 8, py - 12));
        if (opts.background) {
          ctx.fillStyle = opts.background;
          ctx.globalAlpha = 0.8;
          ctx.fillRect(x - 3, y - 8, w + 6, 16);
          ctx.globalAlpha = 1;
        }
        ctx.fillStyle = String(ds.spec.color);
        ctx.fillText(text, x, y);
      });
    });
    ctx.restore();
  },
};

/** Room on the right for the colour bar. */
export const COLOR_BAR_WIDTH = 100;

/** The colour bar of an ordered colour scale: one block per colour, small at the bottom, labelled. */
const colorBarPlugin: Plugin = {
  id: 'scalingColorBar',
  afterDraw(chart, _args, opts: { bar?: ColorBar; color?: string; font?: string }) {
    const bar = opts.bar;
    if (!bar || bar.colors.length === 0) return;
    const { ctx, chartArea } = chart;
    const x = chartArea.right + 16;
    const top = chartArea.top + 18;
    const height = Math.max(40, chartArea.bottom - top);
    const step = height / bar.colors.length;
    ctx.save();
    ctx.font = opts.font ?? '11px sans-serif';
    ctx.fillStyle = opts.color ?? '#888';
    ctx.textBaseline = 'bottom';
    ctx.fillText(bar.title, x, top - 4);
    // Label every k-th block so labels never overlap.
    const every = Math.max(1, Math.ceil(14 / step));
    ctx.textBaseline = 'middle';
    bar.colors.forEach((c, i) => {
      const y = top + height - (i + 1) * step;
      ctx.fillStyle = c;
      ctx.fillRect(x, y, 14, step);
      if (i % every === 0 || i === bar.colors.length - 1) {
        ctx.fillStyle = opts.color ?? '#888';
        ctx.fillText(bar.labels[i] ?? '', x + 18, y + step / 2);
      }
    });
    ctx.restore();
  },
};

Chart.register(errorBarsPlugin, backgroundPlugin, pointLabelsPlugin, colorBarPlugin);

/** A legend swatch of several colours: a short line drawn as a gradient through them. */
function gradientSwatch(colors: string[], width: number): HTMLCanvasElement {
  const c = document.createElement('canvas');
  c.width = 28;
  c.height = Math.max(3, width + 1);
  const ctx = c.getContext('2d');
  if (ctx) {
    const g = ctx.createLinearGradient(0, 0, c.width, 0);
    colors.forEach((col, i) => g.addColorStop(colors.length === 1 ? 0 : i / (colors.length - 1), col));
    ctx.fillStyle = g;
    ctx.fillRect(0, 0, c.width, c.height);
  }
  return c;
}

// --- zoom: wheel zooms around the pointer (in log space on log axes), double-click resets --------------------------

function attachZoom(chart: Chart): void {
  const canvas = chart.canvas;
  canvas.addEventListener(
    'wheel',
    (ev) => {
      const area = chart.chartArea;
      const rect = canvas.getBoundingClientRect();
      const px = ev.clientX - rect.left;
      const py = ev.clientY - rect.top;
      if (px < area.left || px > area.right || py < area.top || py > area.bottom) return;
      ev.preventDefault();
      const factor = ev.deltaY > 0 ? 1.2 : 1 / 1.2;
      for (const id of ['x', 'y']) {
        const s: Scale = chart.scales[id];
        const opts = chart.options.scales?.[id];
        if (!s || !opts) continue;
        const log = s.type === 'logarithmic';
        const f = (v: number) => (log ? Math.log(v) : v);
        const g = (v: number) => (log ? Math.exp(v) : v);
        const at = f(s.getValueForPixel(id === 'x' ? px : py) ?? s.min);
        const lo = f(s.min);
        const hi = f(s.max);
        opts.min = g(at - (at - lo) * factor);
        opts.max = g(at + (hi - at) * factor);
      }
      chart.update('none');
    },
    { passive: false },
  );
  canvas.addEventListener('dblclick', () => resetZoom(chart));
}

export function resetZoom(chart: Chart): void {
  const spec = (chart as ScalingChart).scalingSpec;
  for (const id of ['x', 'y'] as const) {
    const opts = chart.options.scales?.[id];
    if (!opts) continue;
    opts.min = spec?.[id].min;
    opts.max = spec?.[id].max;
  }
  chart.update('none');
}

// --- building and updating ----------------------------------------------------------------------------------------

export type ScalingChart = Chart & { scalingId: string; scalingSpec: ChartSpec; scalingOptionsSig?: string };

/** What chart-level options depend on (axis bounds excluded: they move with the data). */
function optionsSignature(spec: ChartSpec, pal: Palette): string {
  const axis = (a: AxisSpec) => [a.type, a.title];
  return JSON.stringify([pal, spec.title, spec.small, spec.legend, axis(spec.x), axis(spec.y), spec.colorBar]);
}

/** From this many points, a scatter of filled markers is drawn as plain discs (see styleDataset). */
const DENSE_POINTS = 2000;

function styleDataset(d: DatasetSpec, pal: Palette): Omit<ScalingDataset, 'data'> {
  const isLine = d.type === 'line';
  const fillColor = d.fill ?? (d.hollow ? 'rgba(0,0,0,0)' : d.color);
  // Thousands of runs: each point one filled disc as wide as a bordered one (radius plus half the 1 px border, in
  // the same colour) without the outline, which half of the canvas's rasterising went to (a repaint of 10,000 runs).
  const dense = d.type === 'scatter' && !d.hollow && d.fill === undefined && d.data.length >= DENSE_POINTS;
  const radius = (d.pointRadius ?? (isLine ? 0 : 3)) + (dense ? 0.5 : 0);
  const base = {
    key: d.key,
    role: d.role,
    law: d.law,
    legendGroup: d.legendGroup,
    inLegend: d.legend,
    errorBars: d.errorBars,
    spec: d,
    label: d.label,
    type: d.type === 'bar' ? 'bar' : d.type === 'line' ? 'line' : SharedScatterController.id,
    borderColor: d.pointColors ?? d.color,
    backgroundColor: d.type === 'bar' ? (d.fill ?? d.color) : (d.pointColors ?? fillColor),
    borderWidth: d.borderWidth ?? (isLine ? pal.line : 1),
    borderDash: d.dash ?? [],
    pointRadius: radius,
    pointHoverRadius: isLine ? 0 : radius + 2,
    pointHitRadius: isLine ? 0 : Math.max(3, radius),
    pointStyle: d.pointStyle ?? 'circle',
    pointBorderWidth: d.hollow ? 1.5 : dense ? 0 : 1,
    showLine: isLine,
    fill: d.role === 'band-hi' ? '-1' : false,
    tension: 0,
    spanGaps: false,
    order: d.type === 'bar' ? 2 : isLine ? 1 : 0, // lower order is drawn on top: points over curves over bars
    parsing: d.type === 'bar' ? undefined : (false as const),
    normalized: true,
    barPercentage: 1,
    categoryPercentage: 1,
  };
  return base as unknown as Omit<ScalingDataset, 'data'>;
}

function axisOptions(a: AxisSpec, pal: Palette, small: boolean) {
  const ticks = {
    color: pal.foreground,
    font: { family: pal.font, size: small ? pal.fontSize - 2 : pal.fontSize - 1 },
    maxRotation: 0,
    autoSkip: a.type !== 'logarithmic',
    includeBounds: false, // padded/zoomed bounds are not nice numbers: label only the nice ticks
    callback(value: number | string) {
      return formatNumber(Number(value));
    },
  };
  return {
    type: a.type,
    // Log axes: our own nice ticks (1M, 1B, 1e21; 2, 3, 4 over a loss range), spaced for the axis length.
    afterBuildTicks:
      a.type === 'logarithmic'
        ? (scale: Scale) => {
            const horizontal = scale.isHorizontal();
            const length = horizontal ? scale.width : scale.height;
            const max = Math.max(2, Math.floor(length / (horizontal ? 90 : 32)));
            scale.ticks = niceLogTicks(scale.min, scale.max, max).map((value) => ({ value }));
          }
        : undefined,
    // Whole pixels for the axis box, so the plot area's edges are too: chart.js clips the datasets to that area,
    // and a clip at a fractional edge is anti-aliased, which made rasterising every one of 10,000 points ~30% slower.
    afterFit(scale: Scale) {
      if (scale.isHorizontal()) scale.height = Math.ceil(scale.height);
      else scale.width = Math.ceil(scale.width);
    },
    min: a.min,
    max: a.max,
    title: { display: true, text: a.title, color: pal.foreground, font: { family: pal.font, size: pal.fontSize } },
    grid: { color: pal.grid, tickColor: pal.grid },
    border: { color: pal.grid },
    ticks,
  };
}

function chartOptions(spec: ChartSpec, pal: Palette) {
  const small = spec.small ?? false;
  return {
    responsive: true,
    maintainAspectRatio: false,
    animation: false as const,
    normalized: true,
    color: pal.foreground,
    font: { family: pal.font, size: pal.fontSize },
    interaction: { mode: 'nearest' as const, intersect: true },
    layout: { padding: { right: spec.colorBar ? COLOR_BAR_WIDTH : 0 } },
    scales: { x: axisOptions(spec.x, pal, small), y: axisOptions(spec.y, pal, small) },
    plugins: {
      scalingBackground: { color: pal.background },
      scalingPointLabels: { background: pal.background, font: `${pal.fontSize - 1}px ${pal.font}` },
      scalingColorBar: { bar: spec.colorBar, color: pal.foreground, font: `${pal.fontSize - 2}px ${pal.font}` },
      title: {
        display: true,
        text: spec.title,
        color: pal.foreground,
        font: { family: pal.font, size: small ? pal.fontSize : pal.fontSize + 2, weight: 'bold' as const },
      },
      legend: {
        display: spec.legend ?? !small,
        position: 'top' as const,
        labels: {
          color: pal.foreground,
          font: { family: pal.font, size: pal.fontSize - 1 },
          usePointStyle: true,
          generateLabels(chart: Chart) {
            const items = Chart.defaults.plugins.legend.labels.generateLabels(chart);
            for (const it of items) {
              const ds = chart.data.datasets[it.datasetIndex ?? -1] as unknown as ScalingDataset | undefined;
              if (!ds) continue;
              if (ds.spec.legendLabel) it.text = ds.spec.legendLabel;
              if (ds.spec.legendColor) it.strokeStyle = it.fillStyle = ds.spec.legendColor;
              if (ds.spec.type === 'line') {
                it.pointStyle = 'line';
                it.lineWidth = Math.max(2, Number(ds.borderWidth) || 2);
              }
              const many = ds.spec.legendColors;
              if (many && many.length > 0) {
                it.pointStyle = gradientSwatch(many, ds.spec.type === 'line' ? Math.max(2, Number(ds.borderWidth)) : 6);
                it.strokeStyle = it.fillStyle = many[Math.floor(many.length / 2)];
              }
            }
            return items;
          },
          filter: (item: LegendItem, data: { datasets: unknown[] }) =>
            (data.datasets[item.datasetIndex ?? -1] as ScalingDataset | undefined)?.inLegend ?? false,
        },
        onClick(_e: unknown, item: LegendItem, legend: { chart: Chart }) {
          const chart = legend.chart;
          const idx = item.datasetIndex ?? -1;
          const ds = chart.data.datasets[idx] as unknown as ScalingDataset | undefined;
          if (!ds) return;
          const group = ds.legendGroup ?? ds.key;
          const visible = chart.isDatasetVisible(idx);
          // A law's entry hides or shows all of the law: its curves, bands, and its predict/optimize points.
          const lawOf = group.startsWith('law:') ? group.slice(4) : null;
          chart.data.datasets.forEach((d, i) => {
            const sd = d as unknown as ScalingDataset;
            if ((sd.legendGroup ?? sd.key) === group || (lawOf !== null && sd.law === lawOf))
              chart.setDatasetVisibility(i, !visible);
          });
          chart.update('none');
        },
      },
      tooltip: {
        backgroundColor: pal.background,
        titleColor: pal.foreground,
        bodyColor: pal.foreground,
        borderColor: pal.grid,
        borderWidth: 1,
        filter: (item: TooltipItem<'scatter'>) => {
          const role = (item.dataset as unknown as ScalingDataset).role;
          return role !== 'band-lo' && role !== 'band-hi' && role !== 'zero';
        },
        callbacks: {
          label(item: TooltipItem<'scatter'>) {
            const ds = item.dataset as unknown as ScalingDataset;
            const pt = item.raw as Pt;
            return ds.spec.tooltip ? ds.spec.tooltip(pt) : `${ds.label}: ${formatNumber(pt.x)}, ${formatNumber(pt.y)}`;
          },
        },
      },
    },
  };
}

/** `still`: a fixed-size chart at `pixelRatio` (an export drawn off screen), with no zoom and no resizing. */
export function createChart(
  canvas: HTMLCanvasElement,
  spec: ChartSpec,
  pal: Palette,
  still?: { pixelRatio: number },
): ScalingChart {
  const options = still
    ? { ...chartOptions(spec, pal), responsive: false, devicePixelRatio: still.pixelRatio }
    : chartOptions(spec, pal);
  const config = {
    type: spec.type,
    data: { datasets: spec.datasets.map((d) => ({ ...styleDataset(d, pal), data: d.data })) },
    options,
  } as unknown as ChartConfiguration;
  const chart = new Chart(canvas, config) as ScalingChart;
  chart.scalingId = spec.id;
  chart.scalingSpec = spec;
  chart.scalingOptionsSig = optionsSignature(spec, pal);
  if (!still) attachZoom(chart);
  return chart;
}

/**
 * Updates a live chart in place: the dataset objects are kept when their keys match (so chart.js keeps legend-hidden
 * state), the user's zoom (axis min/max) is kept, and the chart redraws without animation.
 */
export function updateChart(chart: ScalingChart, spec: ChartSpec, pal: Palette): void {
  const old = chart.data.datasets as unknown as ScalingDataset[];
  const sameKeys = old.length === spec.datasets.length && old.every((d, i) => d.key === spec.datasets[i].key);
  if (sameKeys) {
    spec.datasets.forEach((d, i) => {
      Object.assign(old[i], styleDataset(d, pal));
      old[i].data = d.data;
    });
  } else {
    const hidden = new Set(old.filter((_, i) => !chart.isDatasetVisible(i)).map((d) => d.key));
    chart.data.datasets = spec.datasets.map((d) => ({
      ...styleDataset(d, pal),
      data: d.data,
      hidden: hidden.has(d.key),
    })) as unknown as typeof chart.data.datasets;
  }
  const prev = chart.scalingSpec;
  const sig = optionsSignature(spec, pal);
  const sameMeaning = (id: 'x' | 'y') => prev && prev[id].type === spec[id].type && prev[id].title === spec[id].title;
  if (sig === chart.scalingOptionsSig) {
    // Same look: keep chart.js's resolved options (cheaper with 10,000 points); move only un-zoomed axis bounds.
    for (const id of ['x', 'y'] as const) {
      const z = chart.options.scales?.[id];
      if (!z) continue;
      const zoomed = sameMeaning(id) && (z.min !== prev[id].min || z.max !== prev[id].max);
      if (!zoomed) {
        z.min = spec[id].min;
        z.max = spec[id].max;
      }
    }
  } else {
    const opts = chartOptions(spec, pal);
    for (const id of ['x', 'y'] as const) {
      const z = chart.options.scales?.[id];
      // keep a user zoom only while the axis means the same thing
      if (z && sameMeaning(id)) {
        if (z.min !== prev[id].min) opts.scales[id].min = z.min as number;
        if (z.max !== prev[id].max) opts.scales[id].max = z.max as number;
      }
    }
    chart.options = opts as unknown as typeof chart.options;
    chart.scalingOptionsSig = sig;
  }
  chart.scalingSpec = spec;
  chart.update('none');
}
