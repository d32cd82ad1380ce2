// The views: each turns the PlotModel into chart specs (plain data + palette colours), one file per
// view. No chart.js here.
import type { PlotModel, PlotView } from '../../../protocol/plot';
import type { ViewState } from '../../../protocol/webview';
import type { ChartSpec } from '../charts';
import type { Palette } from '../theme';
import { bootstrapView } from './bootstrap';
import { envelopeView } from './envelope';
import { fitView } from './fit';
import { frontierView } from './frontier';
import { isoflopView } from './isoflop';
import { residualsView } from './residuals';
import { sweepView } from './sweep';

export const VIEW_LABELS: Record<PlotView, string> = {
  fit: 'Fit',
  residuals: 'Residuals',
  isoflop: 'IsoFLOP',
  envelope: 'Envelope',
  frontier: 'Frontier',
  sweep: 'Sweep',
  bootstrap: 'Bootstrap',
};

/** Axis bounds from everything drawn (points and error bars), padded so no marker sits on the frame. */
function padAxes(spec: ChartSpec, yFrom?: string[]): ChartSpec {
  if (spec.type === 'bar') return spec;
  for (const id of ['x', 'y'] as const) {
    const axis = spec[id];
    if (axis.min !== undefined || axis.max !== undefined) continue;
    const log = axis.type === 'logarithmic';
    let lo = Infinity;
    let hi = -Infinity;
    const see = (v: number | undefined) => {
      if (v === undefined || !Number.isFinite(v) || (log && v <= 0)) return;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    };
    // The y range can follow the measured points only (curves then leave the frame rather than squash the runs).
    const focus = id === 'y' && yFrom && spec.datasets.some((d) => yFrom.includes(d.role) && d.data.length > 0);
    for (const d of spec.datasets) {
      if (focus && !yFrom?.includes(d.role)) continue;
      for (const p of d.data) see(p[id]);
      for (const e of d.errorBars ?? []) {
        see(id === 'x' ? e.xMin : e.yMin);
        see(id === 'x' ? e.xMax : e.yMax);
      }
    }
    if (!(lo < hi)) continue;
    if (log) {
      const f = Math.max((hi / lo) ** (focus ? 0.08 : 0.03), focus ? 1.05 : 1);
      axis.min = lo / f;
      axis.max = hi * f;
    } else {
      const pad = (hi - lo) * 0.04;
      axis.min = lo - pad;
      axis.max = hi + pad;
    }
  }
  return spec;
}

const padded =
  (f: (m: PlotModel, s: ViewState, p: Palette) => ChartSpec[], yFrom?: string[]) =>
  (m: PlotModel, s: ViewState, p: Palette): ChartSpec[] =>
    f(m, s, p).map((spec) => padAxes(spec, yFrom));

export const VIEWS: Record<PlotView, (m: PlotModel, s: ViewState, p: Palette) => ChartSpec[]> = {
  fit: padded(fitView, ['runs', 'heldout', 'prediction', 'optimum']),
  residuals: padded(residualsView),
  isoflop: padded(isoflopView),
  envelope: padded(envelopeView),
  frontier: padded(frontierView),
  sweep: padded(sweepView),
  bootstrap: bootstrapView,
};
