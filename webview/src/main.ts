// Entry of the chart webview (bundled by scripts/build.mjs into dist/webview.js, chart.js included).
// In a VS Code panel it waits for `update` messages; in the standalone report it draws the embedded model.

import { acquireHost } from './api';
import { App } from './app';

const EMBEDDED_MODEL_ID = 'scaling-model';

function boot(): void {
  const root = document.getElementById('app') ?? document.body;
  const embedded = document.getElementById(EMBEDDED_MODEL_ID);
  const host = acquireHost();
  if (embedded) {
    const app = new App(root, host, 'report');
    let model: unknown;
    try {
      model = JSON.parse(embedded.textContent ?? 'null');
    } catch {
      model = null;
    }
    app.showEmbedded(model, embedded.dataset.uri || 'report');
    return;
  }
  const app = new App(root, host, 'panel');
  app.start();
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', boot, { once: true });
else boot();
