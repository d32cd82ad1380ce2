// Browser harness for the webview tests and the bench: builds dist/webview.js, serves a test page from 127.0.0.1
// with the panel's CSP, and drives Debian's chromium through playwright-core. Everything the browser writes
// (profile, HOME, TMPDIR) stays in a run folder under test-results/webview/.

import * as esbuild from 'esbuild';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import type { PlotModel } from '../../protocol/plot';
import { makeNonce, webviewHtml } from '../../protocol/webview';
import { standaloneReportHtml } from '../../server/src/present/reportHtml';

/** The repository: up from this file (or the working directory) to the folder holding webview/src/main.ts. */
function findRoot(): string {
  for (const start of [__dirname, process.cwd()]) {
    for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
      if (fs.existsSync(path.join(dir, 'webview/src/main.ts'))) return dir;
      if (path.dirname(dir) === dir) break;
    }
  }
  return path.resolve(__dirname, '../..');
}
export const ROOT = findRoot();
export const RESULTS = path.join(ROOT, 'test-results/webview');
export const BUNDLE = path.join(ROOT, 'dist/webview.js');
export const CHROMIUM = process.env.WEBVIEW_CHROMIUM || process.env.E2E_CHROMIUM || '/usr/bin/chromium';

let bundlePath = BUNDLE;

/**
 * Bundles webview/src/main.ts exactly as scripts/build.mjs does (browser IIFE, chart.js inside) into dist/webview.js,
 * or `outfile`; the test server serves the last bundle built. With WEBVIEW_NO_BUILD=1 an existing bundle is used.
 */
export async function buildBundle(opts: { minify?: boolean; outfile?: string } = {}): Promise<string> {
  const outfile = opts.outfile ?? BUNDLE;
  bundlePath = outfile;
  if (process.env.WEBVIEW_NO_BUILD === '1' && fs.existsSync(outfile)) return outfile;
  fs.mkdirSync(path.dirname(outfile), { recursive: true });
  await esbuild.build({
    bundle: true,
    sourcemap: !opts.minify,
    minify: opts.minify ?? false,
    logLevel: 'warning',
    platform: 'browser',
    format: 'iife',
    target: 'es2020',
    entryPoints: [path.join(ROOT, 'webview/src/main.ts')],
    outfile,
  });
  return outfile;
}

/** VS Code's theme variables, as the workbench sets them on <html> (a subset), per theme kind. */
export const THEMES: Record<string, { bodyClass: string; vars: Record<string, string> }> = {
  dark: {
    bodyClass: 'vscode-dark',
    vars: {
      '--vscode-editor-foreground': '#cccccc',
      '--vscode-editor-background': '#1f1f1f',
      '--vscode-foreground': '#cccccc',
      '--vscode-charts-foreground': '#cccccc',
      '--vscode-charts-lines': 'rgba(204, 204, 204, 0.5)',
      '--vscode-charts-blue': '#3794ff',
      '--vscode-charts-red': '#f14c4c',
      '--vscode-charts-green': '#89d185',
      '--vscode-charts-yellow': '#cca700',
      '--vscode-charts-orange': '#d18616',
      '--vscode-charts-purple': '#b180d7',
      '--vscode-font-family': 'system-ui, "Ubuntu", "Droid Sans", sans-serif',
      '--vscode-font-size': '13px',
      '--vscode-dropdown-background': '#313131',
      '--vscode-dropdown-foreground': '#cccccc',
      '--vscode-dropdown-border': '#3c3c3c',
      '--vscode-button-secondaryBackground': '#313131',
      '--vscode-button-secondaryForeground': '#cccccc',
      '--vscode-errorForeground': '#f85149',
    },
  },
  light: {
    bodyClass: 'vscode-light',
    vars: {
      '--vscode-editor-foreground': '#3b3b3b',
      '--vscode-editor-background': '#ffffff',
      '--vscode-foreground': '#3b3b3b',
      '--vscode-charts-foreground': '#3b3b3b',
      '--vscode-charts-lines': 'rgba(59, 59, 59, 0.5)',
      '--vscode-charts-blue': '#1a85ff',
      '--vscode-charts-red': '#e51400',
      '--vscode-charts-green': '#388a34',
      '--vscode-charts-yellow': '#bf8803',
      '--vscode-charts-orange': '#d18616',
      '--vscode-charts-purple': '#652d90',
      '--vscode-font-family': 'system-ui, "Ubuntu", "Droid Sans", sans-serif',
      '--vscode-font-size': '13px',
      '--vscode-dropdown-background': '#ffffff',
      '--vscode-dropdown-foreground': '#3b3b3b',
      '--vscode-dropdown-border': '#cecece',
      '--vscode-button-secondaryBackground': '#e5e5e5',
      '--vscode-button-secondaryForeground': '#3b3b3b',
      '--vscode-errorForeground': '#a1260d',
    },
  },
  'high-contrast': {
    bodyClass: 'vscode-high-contrast',
    vars: {
      '--vscode-editor-foreground': '#ffffff',
      '--vscode-editor-background': '#000000',
      '--vscode-foreground': '#ffffff',
      '--vscode-charts-foreground': '#ffffff',
      '--vscode-charts-lines': 'rgba(255, 255, 255, 0.5)',
      '--vscode-charts-blue': '#3794ff',
      '--vscode-charts-red': '#f14c4c',
      '--vscode-charts-green': '#89d185',
      '--vscode-charts-yellow': '#cca700',
      '--vscode-charts-orange': '#d18616',
      '--vscode-charts-purple': '#b180d7',
      '--vscode-font-family': 'system-ui, "Ubuntu", "Droid Sans", sans-serif',
      '--vscode-font-size': '13px',
      '--vscode-dropdown-background': '#000000',
      '--vscode-dropdown-foreground': '#ffffff',
      '--vscode-dropdown-border': '#6fc3df',
      '--vscode-errorForeground': '#f48771',
    },
  },
};

/** A script that applies a theme the way VS Code does: body class + variables on <html>, via the DOM. */
function themeScript(name: string): string {
  const t = THEMES[name] ?? THEMES.dark;
  return `(function(){var t=${JSON.stringify(t)};document.body.className=t.bodyClass;for(var k in t.vars)document.documentElement.style.setProperty(k,t.vars[k]);})();`;
}

export interface TestServer {
  origin: string;
  /** Serve an HTML document at a path (e.g. a standalone report). */
  setPage(pathname: string, html: string): void;
  /** Every request path the server saw. */
  requests: string[];
  close(): Promise<void>;
}

/**
 * The test page at /?theme=dark|light|high-contrast is webviewHtml() with the origin as cspSource, plus a nonce'd
 * script standing in for the workbench's theme injection. /webview.js is the bundle.
 */
export async function startServer(): Promise<TestServer> {
  const pages = new Map<string, string>();
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    requests.push(url.pathname);
    const send = (code: number, type: string, body: string | Buffer) => {
      res.writeHead(code, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    };
    if (url.pathname === '/') {
      const nonce = makeNonce();
      const origin = `http://${req.headers.host}`;
      const html = webviewHtml({ cspSource: origin, nonce, scriptUri: `${origin}/webview.js` }).replace(
        '<body>',
        `<body>\n<script nonce="${nonce}" src="/theme.js?name=${encodeURIComponent(url.searchParams.get('theme') ?? 'dark')}"></script>`,
      );
      return send(200, 'text/html; charset=utf-8', html);
    }
    if (url.pathname === '/theme.js')
      return send(200, 'text/javascript', themeScript(url.searchParams.get('name') ?? 'dark'));
    if (url.pathname === '/webview.js') return send(200, 'text/javascript', fs.readFileSync(bundlePath));
    if (url.pathname === '/webview.js.map' && fs.existsSync(bundlePath + '.map')) {
      return send(200, 'application/json', fs.readFileSync(bundlePath + '.map'));
    }
    const page = pages.get(url.pathname);
    if (page !== undefined) return send(200, 'text/html; charset=utf-8', page);
    send(404, 'text/plain', 'not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    setPage: (p, html) => pages.set(p, html),
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface TestBrowser {
  context: BrowserContext;
  runDir: string;
  close(): Promise<void>;
}

/** Debian chromium via playwright-core, a fresh profile, HOME/TMPDIR inside the run folder. */
export async function launchBrowser(name = 'run'): Promise<TestBrowser> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found (apt-get install chromium)`);
  const runDir = path.join(RESULTS, `.${name}-${process.pid}`);
  fs.rmSync(runDir, { recursive: true, force: true });
  const home = path.join(runDir, 'home');
  const profile = path.join(runDir, 'profile');
  for (const d of [home, profile]) fs.mkdirSync(d, { recursive: true });
  // Chromium's singleton socket lives under TMPDIR and a unix socket path has ~107 characters at
  // most: a run folder deep inside a CI clone is too long, so TMPDIR is a short folder of our own in
  // the system temp dir, removed on close.
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ssw-'));
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    TMPDIR: tmp,
    XDG_CONFIG_HOME: path.join(home, '.config'),
    XDG_CACHE_HOME: path.join(home, '.cache'),
    XDG_DATA_HOME: path.join(home, '.local/share'),
  };
  // playwright-core makes its artifacts folder in the driver's os.tmpdir(): point that into the run folder too.
  const savedTmp = process.env.TMPDIR;
  process.env.TMPDIR = tmp;
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      env,
      viewport: { width: 1100, height: 720 },
      deviceScaleFactor: 1,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw e;
  } finally {
    if (savedTmp === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = savedTmp;
  }
  return {
    context,
    runDir,
    close: async () => {
      await context.close().catch(() => undefined);
      fs.rmSync(runDir, { recursive: true, force: true });
      fs.rmSync(tmp, { recursive: true, force: true });
    },
  };
}

/** Problems the page reported: CSP violations, uncaught errors, failed console.error lines. */
export function watchPage(page: Page): string[] {
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    const t = m.text();
    if (m.type() === 'error' || /Content Security Policy/i.test(t)) problems.push(`console.${m.type()}: ${t}`);
  });
  return problems;
}

export async function openPanel(context: BrowserContext, origin: string, theme = 'dark'): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${origin}/?theme=${theme}`);
  await page.waitForFunction(() => (window.__scalingPosted ?? []).some((m) => m.type === 'ready'));
  return page;
}

export function reportHtml(model: PlotModel, title: string): string {
  return standaloneReportHtml(model, title, fs.readFileSync(bundlePath, 'utf8'));
}

/** Posts an update to the page and waits until it has been drawn; returns the time to draw as the page saw it. */
export async function sendUpdate(
  page: Page,
  model: PlotModel,
  opts: { uri?: string; version?: number; view?: unknown } = {},
): Promise<{ ms: number; renders: number }> {
  const msg: Record<string, unknown> = {
    type: 'update',
    uri: opts.uri ?? 'file:///work/examples/chinchilla.scaling',
    version: opts.version ?? 1,
    model,
  };
  if (opts.view !== undefined) msg.view = opts.view;
  return page.evaluate(
    (m) =>
      new Promise<{ ms: number; renders: number }>((resolve) => {
        const status = document.getElementById('status') as HTMLElement;
        const before = Number(status.dataset.renders ?? '0');
        const t0 = performance.now();
        const obs = new MutationObserver(() => {
          const r = Number(status.dataset.renders ?? '0');
          if (r > before) {
            obs.disconnect();
            resolve({ ms: performance.now() - t0, renders: r });
          }
        });
        obs.observe(status, { attributes: true, childList: true, characterData: true, subtree: true });
        window.postMessage(m, '*');
      }),
    msg,
  );
}

/** Waits until the render count passes `n`. */
export async function waitRenders(page: Page, n: number): Promise<void> {
  await page.waitForFunction((k) => Number(document.getElementById('status')?.dataset.renders ?? '0') > k, n);
}

export async function renders(page: Page): Promise<number> {
  return page.evaluate(() => Number(document.getElementById('status')?.dataset.renders ?? '0'));
}

export async function screenshot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(RESULTS, { recursive: true });
  await page.screenshot({ path: path.join(RESULTS, `${name}.png`), fullPage: true });
}
