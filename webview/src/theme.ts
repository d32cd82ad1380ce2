// Colours come from VS Code's theme variables (--vscode-*), re-read whenever the theme changes.

export interface Palette {
  kind: 'light' | 'dark' | 'high-contrast' | 'high-contrast-light';
  foreground: string;
  background: string;
  grid: string;
  /** Series colours, in order: blue, orange, green, red, purple, yellow. */
  series: string[];
  font: string;
  fontSize: number;
  /** Line width for curves (thicker in high contrast). */
  line: number;
}

const SERIES_VARS: [string, string, string][] = [
  // variable, light fallback, dark fallback
  ['--vscode-charts-blue', '#1a85ff', '#3794ff'],
  ['--vscode-charts-orange', '#d18616', '#d18616'],
  ['--vscode-charts-green', '#388a34', '#89d185'],
  ['--vscode-charts-red', '#e51400', '#f14c4c'],
  ['--vscode-charts-purple', '#652d90', '#b180d7'],
  ['--vscode-charts-yellow', '#bf8803', '#cca700'],
];

function themeKind(body: HTMLElement): Palette['kind'] {
  const c = body.classList;
  if (c.contains('vscode-high-contrast-light')) return 'high-contrast-light';
  if (c.contains('vscode-high-contrast')) return 'high-contrast';
  if (c.contains('vscode-dark')) return 'dark';
  if (c.contains('vscode-light')) return 'light';
  return window.matchMedia?.('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

let normalizer: CanvasRenderingContext2D | null = null;

/** Any CSS colour → '#rrggbb' or 'rgba(r, g, b, a)' (what a canvas accepts and withAlpha can parse). */
export function normalizeColor(color: string, fallback: string): string {
  normalizer ??= document.createElement('canvas').getContext('2d');
  if (!normalizer) return color || fallback;
  normalizer.fillStyle = fallback;
  if (color) normalizer.fillStyle = color;
  return String(normalizer.fillStyle);
}

export function withAlpha(color: string, alpha: number): string {
  const hex = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(color);
  if (hex) return `rgba(${parseInt(hex[1], 16)}, ${parseInt(hex[2], 16)}, ${parseInt(hex[3], 16)}, ${alpha})`;
  const rgba = /^rgba?\(\s*([\d.]+)\s*,\s*([\d.]+)\s*,\s*([\d.]+)(?:\s*,\s*([\d.]+))?\s*\)$/i.exec(color);
  if (rgba) return `rgba(${rgba[1]}, ${rgba[2]}, ${rgba[3]}, ${alpha * (rgba[4] !== undefined ? Number(rgba[4]) : 1)})`;
  return color;
}

export function readPalette(): Palette {
  const kind = themeKind(document.body);
  const dark = kind === 'dark' || kind === 'high-contrast';
  const styles = [getComputedStyle(document.documentElement), getComputedStyle(document.body)];
  const read = (name: string) => {
    for (const s of styles) {
      const v = s.getPropertyValue(name).trim();
      if (v) return v;
    }
    return '';
  };
  const foreground = normalizeColor(
    read('--vscode-editor-foreground') || read('--vscode-foreground'),
    dark ? '#cccccc' : '#333333',
  );
  const background = normalizeColor(read('--vscode-editor-background'), dark ? '#1e1e1e' : '#ffffff');
  const hc = kind === 'high-contrast' || kind === 'high-contrast-light';
  const gridVar = read('--vscode-charts-lines');
  const grid = hc ? withAlpha(foreground, 0.45) : withAlpha(normalizeColor(gridVar, foreground), gridVar ? 0.35 : 0.15);
  const series = SERIES_VARS.map(([v, light, darkC]) => normalizeColor(read(v), dark ? darkC : light));
  const fontSize = parseFloat(read('--vscode-font-size')) || 12;
  return {
    kind,
    foreground,
    background,
    grid,
    series,
    font: read('--vscode-font-family') || 'system-ui, sans-serif',
    fontSize,
    line: hc ? 3 : 2,
  };
}

/** Calls `onChange` when the body's theme class or the root's inline variables change (VS Code sets both). */
export function watchTheme(onChange: () => void): MutationObserver {
  let last = '';
  const key = () => document.body.className + '|' + (document.documentElement.getAttribute('style') ?? '');
  last = key();
  const obs = new MutationObserver(() => {
    const k = key();
    if (k !== last) {
      last = k;
      onChange();
    }
  });
  obs.observe(document.body, { attributes: true, attributeFilter: ['class'] });
  obs.observe(document.documentElement, { attributes: true, attributeFilter: ['style'] });
  return obs;
}

/** Viridis, sampled: perceptually ordered (lightness rises monotonically) and readable for colour-blind eyes. */
const VIRIDIS: [number, number, number][] = [
  [68, 1, 84],
  [59, 82, 139],
  [33, 145, 140],
  [94, 201, 98],
  [253, 231, 37],
];

/**
 * n colours for ordered values (N bins, budgets), small → large along viridis. The end that would vanish into the
 * background is left out: the dark purple on dark themes, the pale yellow on light ones.
 */
export function sequential(pal: Palette, n: number): string[] {
  const dark = pal.kind === 'dark' || pal.kind === 'high-contrast';
  const [t0, t1] = dark ? [0.22, 1] : [0, 0.82];
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const t = (t0 + (n === 1 ? 0.5 : i / (n - 1)) * (t1 - t0)) * (VIRIDIS.length - 1);
    const k = Math.min(VIRIDIS.length - 2, Math.floor(t));
    const f = t - k;
    const c = VIRIDIS[k].map((v, j) => Math.round(v + (VIRIDIS[k + 1][j] - v) * f));
    out.push(`#${c.map((v) => v.toString(16).padStart(2, '0')).join('')}`);
  }
  return out;
}

/** The light palette of exported figures (papers, slides): VS Code's light chart colours on white. */
export function lightPalette(pal: Palette): Palette {
  return {
    kind: 'light',
    foreground: '#1f1f1f',
    background: '#ffffff',
    grid: 'rgba(0, 0, 0, 0.12)',
    series: SERIES_VARS.map(([, light]) => light),
    font: pal.font,
    fontSize: pal.fontSize,
    line: 2,
  };
}
