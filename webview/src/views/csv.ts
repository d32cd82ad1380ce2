// The CSV export: every plotted point of the charts shown, as one table.
import type { ChartSpec } from '../charts';
import { formatRaw } from '../format';

function csvCell(s: string): string {
  // Quote when needed; neutralise spreadsheet formulas in text cells.
  const t = /^[=+@\t\r-]/.test(s) && !/^-?[\d.]/.test(s) ? `'${s}` : s;
  return /[",\n\r]/.test(t) ? `"${t.replace(/"/g, '""')}"` : t;
}

export function specsToCsv(specs: ChartSpec[]): string {
  const rows = ['chart,series,x_name,x,y_name,y,lo,hi,run'];
  for (const spec of specs) {
    for (const d of spec.datasets) {
      if (d.role === 'band-lo' || d.role === 'band-hi' || d.role === 'zero') continue;
      for (const pt of d.data) {
        const lo = d.csv?.lo?.(pt);
        const hi = d.csv?.hi?.(pt);
        rows.push(
          [
            csvCell(spec.title),
            csvCell(d.label),
            csvCell(spec.x.title),
            formatRaw(pt.x),
            csvCell(spec.y.title),
            formatRaw(pt.y),
            lo != null ? formatRaw(lo) : '',
            hi != null ? formatRaw(hi) : '',
            csvCell(d.csv?.label?.(pt) ?? ''),
          ].join(','),
        );
      }
    }
  }
  return rows.join('\n') + '\n';
}
