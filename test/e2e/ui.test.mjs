// UI checks through the real VS Code workbench (code-server + Debian chromium, driven by playwright-core).
// Run with `npm run test:e2e` (scripts/e2e/run.mjs). Each check is one test; each waits for a condition.

/**
 * Checks whose feature has not landed yet. They are reported as "pending", never silently skipped:
 * shrink this list as features land (E2E_RUN_PENDING=1 runs them anyway and says which now pass).
 * CI must end with this list empty.
 */
export const PENDING = [];

import fs from 'node:fs';
import path from 'node:path';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The repository (its dist/cli.js is the CLI the tests compare with). */
const EXT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

const PREDICT = 'e2e/predict.scaling';
const STALE = 'e2e/stale.scaling';
const BROKEN = 'e2e/broken.scaling';
const BROKEN_FIX = { line: 5, column: 11, text: '= ' }; // see the fixture's comment

/** Numbers in a text, with SI suffixes (70B) and exponents; each with the rounding its digits imply. */
export function numbersIn(text) {
  const mult = { K: 1e3, M: 1e6, B: 1e9, G: 1e9, T: 1e12 };
  const out = [];
  const re = /(?<![\w.])[-−]?\d+(?:\.(\d+))?(?:e([-+−]?\d+))?([KMBGT])?(?![\w])/g;
  for (const m of text.replace(/\u2212/g, '-').matchAll(re)) {
    // m[1] decimals, m[2] exponent, m[3] SI suffix
    const f = m[3] ? mult[m[3]] : 1;
    const exp = m[2] ? Number(m[2]) : 0;
    const decimals = m[1] ? m[1].length : 0;
    out.push({ value: parseFloat(m[0]) * f, ulp: 10 ** (exp - decimals) * f, text: m[0] });
  }
  return out;
}

/** True when `text` shows `x` (to the precision it prints). */
export function shows(text, x) {
  return numbersIn(text).some((n) => Math.abs(n.value - x) <= n.ulp / 2 + Math.abs(x) * 1e-9);
}

/** 1-based number of the first line of workspace file `rel` that starts with `prefix`. */
function lineNumber(ws, rel, prefix) {
  const i = fs
    .readFileSync(path.join(ws, rel), 'utf8')
    .split('\n')
    .findIndex((l) => l.startsWith(prefix));
  assert.ok(i >= 0, `no line starting with "${prefix}" in ${rel}`);
  return i + 1;
}

function expectedPrediction(expected) {
  if (expected.fitError) throw new Error(`\`node dist/cli.js fit ${PREDICT} --json\` failed: ${expected.fitError}`);
  const p = expected.fit?.predictions?.[0];
  assert.ok(p, `the CLI's fit of ${PREDICT} has no prediction: ${JSON.stringify(expected.fit).slice(0, 300)}`);
  assert.ok(p.interval, `the CLI's prediction has no interval: ${JSON.stringify(p)}`);
  return p;
}

/**
 * Reads the plot webview: status, body theme class, text and background colours (the page background is
 * --vscode-editor-background when the body is transparent), a hash of the canvases, painted pixels and how
 * many of them stand out (WCAG contrast >= 3 against the background, alpha composited).
 */
async function plotState(wb) {
  const frame = wb.webview();
  await frame.locator('#status', { hasText: 'rendered' }).waitFor({ timeout: 30000 });
  return frame.locator('body').evaluate((body) => {
    const probe = document.createElement('span');
    document.body.appendChild(probe);
    const rgba = (css) => {
      probe.style.color = '';
      probe.style.color = css;
      const v = (getComputedStyle(probe).color.match(/[\d.]+/g) || []).map(Number);
      return [v[0] ?? 0, v[1] ?? 0, v[2] ?? 0, v[3] ?? 1];
    };
    let bg = null;
    for (let el = body; el && !bg; el = el.parentElement) {
      const c = rgba(getComputedStyle(el).backgroundColor);
      if (c[3] > 0) bg = c;
    }
    if (!bg)
      bg = rgba(getComputedStyle(document.documentElement).getPropertyValue('--vscode-editor-background').trim());
    const fg = rgba(getComputedStyle(body).color);
    probe.remove();
    const lum = (r, g, b) => {
      const f = (v) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
      return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
    };
    const bgL = lum(bg[0], bg[1], bg[2]);
    const contrast = (l) => (Math.max(l, bgL) + 0.05) / (Math.min(l, bgL) + 0.05);
    const canvases = [...document.querySelectorAll('canvas')];
    let hash = 0;
    let painted = 0;
    let standOut = 0;
    for (const c of canvases) {
      const d = c.width && c.height ? c.getContext('2d')?.getImageData(0, 0, c.width, c.height).data : null;
      if (!d) continue;
      for (let i = 0; i < d.length; i += 4) {
        hash = (hash * 31 + d[i] + d[i + 1] * 7 + d[i + 2] * 13 + d[i + 3] * 17) | 0;
        if (d[i + 3] === 0) continue;
        painted++;
        const a = d[i + 3] / 255;
        const px = [0, 1, 2].map((k) => d[i + k] * a + bg[k] * (1 - a));
        if (contrast(lum(px[0], px[1], px[2])) >= 3) standOut++;
      }
    }
    return {
      status: document.getElementById('status')?.textContent ?? '',
      bodyClass: body.className,
      fg,
      bg,
      textContrast: contrast(lum(fg[0], fg[1], fg[2])),
      canvases: canvases.length,
      hash,
      painted,
      standOut,
    };
  });
}

/** Samples the plot until two readings agree (and differ from `differentFrom`, when given). */
async function waitForStablePlot(wb, { differentFrom, timeout = 30000 } = {}) {
  const deadline = Date.now() + timeout;
  let prev = null;
  for (;;) {
    const s = await plotState(wb);
    const changed = differentFrom === undefined || s.hash !== differentFrom;
    if (prev && s.hash === prev.hash && s.painted > 0 && changed) return s;
    if (Date.now() > deadline) {
      throw new Error(
        changed
          ? `the plot did not settle (status "${s.status}", ${s.painted} painted pixels)`
          : `the plot did not change (status "${s.status}")`,
      );
    }
    prev = s;
    await wb.page.waitForTimeout(250); // sampling interval of a polled condition (not a fixed wait)
  }
}

async function openPlot(wb) {
  await wb.openFile(PREDICT);
  await wb.runCommand('Scaling Studio: Show Plot');
  await wb.webview().locator('#status', { hasText: 'rendered' }).waitFor({ timeout: 30000 });
}

/** @param {import('../../scripts/e2e/runner.mjs').Runner} t */
export function define(t) {
  t.test(
    'the workbench opens the workspace with the extension installed',
    async ({ wb, page, setupError }) => {
      assert.ok(wb, `the workbench did not start: ${setupError}`);
      await wb.ready();
      await page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'chinchilla.scaling' }).waitFor();
    },
    { timeout: 90000, gate: true },
  );

  t.test('a study opens in the Scaling language mode', async ({ wb, page }) => {
    await wb.openFile(PREDICT);
    await page.locator('#status\\.editor\\.mode', { hasText: /^\s*Scaling\s*$/ }).waitFor({ timeout: 20000 });
  });

  t.test('keywords and numbers get distinct TextMate colours', async ({ wb }) => {
    await wb.openFile(PREDICT);
    const line = wb.line('compute C = 6 * N * D');
    // tokens are painted once the grammar is loaded: wait until the line is split into several spans
    const tokens = await waitForTokens(line);
    const kw = tokens.find((s) => s.text.trim() === 'compute');
    const num = tokens.find((s) => s.text.trim() === '6');
    assert.ok(kw && num, `no separate spans for "compute" and "6": ${JSON.stringify(tokens)}`);
    assert.notEqual(kw.cls, num.cls, `"compute" and "6" share the class ${kw.cls}`);
    assert.notEqual(kw.color, num.color, `"compute" and "6" have the same colour ${kw.color}`);
    const plain = tokens.find((s) => s.text.trim() && !s.text.includes('compute') && !/\d/.test(s.text));
    assert.ok(plain, `no plain token on the line: ${JSON.stringify(tokens)}`);
    assert.ok(kw.color !== plain.color || num.color !== plain.color, 'keyword and number look like plain text');
  });

  t.test('syntax errors show in the Problems panel', async ({ wb, expected }) => {
    await wb.openFile(BROKEN);
    const want = expected.broken; // from `node dist/cli.js check` (or the fixture's known error)
    assert.ok(want.length >= 1 && want.some((d) => d.severity === 'error'), `expected errors: ${JSON.stringify(want)}`);
    const got = await wb.waitForProblems('broken.scaling', (ps) => ps.length >= want.length, {
      message: `${want.length} problem(s)`,
    });
    assert.equal(got.length, want.length, `Problems panel: ${JSON.stringify(got)}; CLI: ${JSON.stringify(want)}`);
    for (const w of want) {
      const hit = got.find((g) => g.line === w.line && (!w.message || g.message.includes(w.message)));
      assert.ok(hit, `missing in Problems: ${JSON.stringify(w)}; panel shows ${JSON.stringify(got)}`);
      assert.equal(hit.severity, w.severity);
    }
  });

  t.test('fixing the syntax error clears the Problems panel', async ({ wb, page }) => {
    await wb.openFile(BROKEN);
    await wb.waitForProblems('broken.scaling', (ps) => ps.some((p) => p.severity === 'error'), {
      message: 'the error',
    });
    await wb.goTo(BROKEN_FIX.line, BROKEN_FIX.column);
    await page.keyboard.type(BROKEN_FIX.text);
    await wb.line('compute C = 6').waitFor();
    await wb.waitForProblems('broken.scaling', (ps) => !ps.some((p) => p.severity === 'error'), {
      message: 'no errors',
    });
  });

  t.test('hovering a predict line shows the CLI value and interval', async ({ wb, expected, ws }) => {
    const p = expectedPrediction(expected);
    await wb.openFile(PREDICT);
    await wb.goTo(lineNumber(ws, PREDICT, 'predict'), 1); // scrolls it into view
    const want = [p.value, p.interval[0], p.interval[1]];
    const text = await wb
      .hover('predict chinchilla', 'predict', { accept: (t) => want.every((x) => shows(t, x)) })
      .catch((e) => {
        throw new Error(`${e.message}; the CLI says ${p.value} [${p.interval.join(', ')}]`);
      });
    assert.ok(text);
  });

  t.test('the predict line has an inlay hint with the value', async ({ wb, expected, ws }) => {
    const p = expectedPrediction(expected);
    await wb.openFile(PREDICT);
    await wb.goTo(lineNumber(ws, PREDICT, 'predict'), 1);
    const source = fs
      .readFileSync(path.join(ws, PREDICT), 'utf8')
      .split('\n')
      .find((l) => l.startsWith('predict'));
    const line = wb.line('predict chinchilla');
    const rendered = await waitForValue(
      async () => {
        const txt = (await line.innerText()).replace(/\u00a0/g, ' ');
        return txt.trim().length > source.trim().length && shows(txt.slice(source.trimEnd().length), p.value)
          ? txt
          : null;
      },
      { message: `an inlay hint showing ${p.value} on the predict line` },
    );
    assert.ok(rendered);
  });

  t.test('code lenses appear above the law', async ({ wb }) => {
    await wb.openFile(PREDICT);
    const lens = wb.editor().locator('.codelens-decoration a, .codelens-decoration span', { hasText: /\w/ });
    await lens.first().waitFor({ timeout: 20000 });
    const texts = await wb.editor().locator('.codelens-decoration').allInnerTexts();
    assert.ok(
      texts.some((s) => /fit|plot/i.test(s)),
      `code lenses: ${JSON.stringify(texts)}`,
    );
  });

  t.test('"Scaling Studio: Fit Study" completes and the status bar says "fitted in N ms"', async ({ wb }) => {
    await wb.openFile(PREDICT);
    await wb.runCommand('Scaling Studio: Fit Study');
    const item = wb.statusItem(/fitted in [\d,.]+\s?ms/);
    await item.waitFor({ timeout: 60000 });
    const text = await item.innerText();
    const ms = Number(/fitted in ([\d,.]+)\s?ms/.exec(text)[1].replace(/,/g, ''));
    assert.ok(ms >= 0, text);
  });

  t.test('"Scaling Studio: Show Plot" draws the chart beside the editor', async ({ wb, page }) => {
    await openPlot(wb);
    const s = await waitForStablePlot(wb);
    assert.ok(s.canvases >= 1 && s.painted > 0, `no painted canvas (status "${s.status}")`);
    // beside: a second editor group, to the right of the study's editor
    assert.ok((await page.locator('.editor-group-container').count()) >= 2, 'the plot is not in a second editor group');
    const ed = await wb.editorFor('predict.scaling').boundingBox();
    const view = await page.locator('iframe.webview.ready').first().boundingBox();
    assert.ok(
      ed && view && view.x >= ed.x + ed.width / 2,
      `plot at ${JSON.stringify(view)}, editor at ${JSON.stringify(ed)}`,
    );
  });

  t.test('editing the study updates the plot', async ({ wb, page }) => {
    await openPlot(wb);
    const before = await waitForStablePlot(wb);
    // fix beta: a different fit, so a different curve
    const target = wb.editorFor('predict.scaling');
    await target.locator('.view-line', { hasText: 'param beta' }).click();
    await page.keyboard.press('Home');
    await page.keyboard.press('Shift+End');
    await page.keyboard.type('param beta = 0.05');
    await target.locator('.view-line', { hasText: 'param beta = 0.05' }).waitFor();
    await waitForStablePlot(wb, { differentFrom: before.hash, timeout: 45000 });
  });

  t.test('completion offers the dataset columns', async ({ wb, page }) => {
    await wb.openFile(PREDICT);
    // "  N: params" → "  N: |" and ask for suggestions
    await wb.line('N: params').click();
    await page.keyboard.press('End');
    for (let i = 0; i < 'params'.length; i++) await page.keyboard.press('Backspace');
    await wb.line('N:').waitFor();
    await page.keyboard.press('Control+Space');
    const widget = page.locator('.editor-widget.suggest-widget.visible');
    await widget.waitFor({ timeout: 15000 });
    const labels = await waitForValue(
      async () => {
        const l = await widget.locator('.monaco-list-row .label-name').allInnerTexts();
        return ['params', 'tokens', 'loss'].every((c) => l.includes(c)) ? l : null;
      },
      { message: 'params, tokens and loss in the suggestions', timeout: 10000 },
    ).catch(async (e) => {
      throw new Error(
        `${e.message}; suggestions: ${JSON.stringify(await widget.locator('.label-name').allInnerTexts())}`,
      );
    });
    assert.ok(labels.includes('params'));
    await page.keyboard.press('Escape');
  });

  t.test(
    'the language server is restarted after it is killed',
    async ({ wb, page, serverProcesses, expected, ws }) => {
      await wb.openFile(PREDICT);
      await page.locator('#status\\.editor\\.mode', { hasText: 'Scaling' }).waitFor();
      const before = await waitForValue(() => serverProcesses().length > 0 && serverProcesses(), {
        message: 'a running dist/server.js',
      });
      for (const p of before) process.kill(p.pid, 'SIGKILL');
      const after = await waitForValue(
        () => {
          const now = serverProcesses();
          return now.length > 0 && now.every((p) => !before.some((b) => b.pid === p.pid)) && now;
        },
        { message: 'a new dist/server.js process', timeout: 30000 },
      );
      assert.ok(after.length > 0);
      // the new server answers: a fresh syntax error is reported, and hover works again
      await wb.openFile(BROKEN);
      await wb.waitForProblems('broken.scaling', (ps) => ps.some((p) => p.severity === 'error'), {
        message: 'the syntax error from the restarted server',
        timeout: 30000,
      });
      await wb.openFile(PREDICT);
      await wb.goTo(3, 1);
      await page.keyboard.type('study\n');
      await wb.waitForProblems('predict.scaling', (ps) => ps.some((p) => p.severity === 'error' && p.line === 3), {
        message: 'a new syntax error on line 3 (diagnostics from the restarted server)',
        timeout: 30000,
      });
      await wb.goTo(3, 1); // remove the inserted line again
      await page.keyboard.press('Shift+ArrowDown');
      await page.keyboard.press('Delete');
      await wb.waitForProblems('predict.scaling', (ps) => !ps.some((p) => p.severity === 'error'), {
        message: 'the error to go away after undo',
      });
      const p = expectedPrediction(expected);
      await wb.goTo(lineNumber(ws, PREDICT, 'predict'), 1);
      await wb.hover('predict chinchilla', 'predict', { accept: (t) => shows(t, p.value) });
    },
    { timeout: 120000 },
  );

  t.test(
    'light, dark and high-contrast themes each give a readable plot',
    async ({ wb, page, shotPath }) => {
      await openPlot(wb);
      const themes = [
        { label: 'Light Modern', body: 'vscode-light' },
        { label: 'Dark Modern', body: 'vscode-dark' },
        { label: 'Dark High Contrast', body: 'vscode-high-contrast' },
      ];
      for (const th of themes) {
        await setTheme(wb, th.label);
        const s = await waitForValue(
          async () => {
            const st = await waitForStablePlot(wb);
            return st.bodyClass.split(/\s+/).includes(th.body) && st.standOut >= 200 && st.textContrast >= 4.5 && st;
          },
          { message: `a readable plot in ${th.label}`, timeout: 30000 },
        ).catch(async (e) => {
          const st = await plotState(wb).catch(() => null);
          throw new Error(
            `${e.message}: body "${st?.bodyClass}", ${st?.standOut} of ${st?.painted} painted pixels stand out, ` +
              `text rgba(${st?.fg}) on rgba(${st?.bg}) has contrast ${st?.textContrast.toFixed(2)} (needs 4.5)`,
          );
        });
        assert.ok(s.standOut >= 200);
        await page.screenshot({ path: shotPath(th.body) });
      }
      await setTheme(wb, themes[1].label);
    },
    { timeout: 150000 },
  );

  // Issue 18: the editor tells the truth about a fit whose data broke.
  t.test(
    'deleting the data file marks the fit stale: status item, hover and plot banner',
    async ({ wb, ws, page, shotPath }) => {
      const csv = path.join(ws, 'e2e', 'stale-runs.csv');
      const copy = fs.readFileSync(csv);
      await wb.openFile(STALE);
      await wb.runCommand('Scaling Studio: Fit Study');
      await wb.statusItem(/fitted in/).waitFor({ timeout: 60000 });
      const before = await wb.hover('predict quick', 'predict', { accept: (t) => /L = \d/.test(t) });
      const value = /L = ([\d.]+)/.exec(before)[1];
      await wb.clearHover();
      await wb.runCommand('Scaling Studio: Show Plot');
      await wb.webview().locator('#status', { hasText: 'rendered' }).waitFor({ timeout: 30000 });
      try {
        fs.rmSync(csv);
        await wb.statusItem(/fit stale/).waitFor({ timeout: 30000 });
        await wb
          .webview()
          .locator('#banner', { hasText: 'data changed: curves from the last good fit' })
          .waitFor({ timeout: 30000 });
        const text = await wb.hover('predict quick', 'predict', { accept: (t) => /stale/.test(t) });
        assert.ok(text.includes(`L = ${value}`), `the last value ${value} is kept: ${text}`);
        assert.match(text, /stale — file not found/);
        // the three at once: the status item, the hover, the plot's banner (before the file comes back)
        await page.screenshot({ path: shotPath('stale') });
      } finally {
        fs.writeFileSync(csv, copy);
      }
    },
    { timeout: 120000 },
  );

  t.test(
    'a refit keeps the last values visible, marked refitting',
    async ({ wb, page, shotPath }) => {
      await wb.openFile(STALE);
      await wb.runCommand('Scaling Studio: Fit Study');
      await wb.statusItem(/fitted in/).waitFor({ timeout: 60000 });
      const before = await wb.hover('predict quick', 'predict', { accept: (t) => /L = \d/.test(t) });
      const value = /L = ([\d.]+)/.exec(before)[1];
      await wb.clearHover();
      // 400× the draws: the refit's bootstrap takes seconds, long enough to look at the editor meanwhile.
      const editor = wb.editorFor('stale.scaling');
      await editor.locator('.view-line', { hasText: 'uncertainty bootstrap 50' }).click();
      await page.keyboard.press('Home');
      await page.keyboard.press('Shift+End');
      await page.keyboard.type('  uncertainty bootstrap 20000 seed 7 level 0.9');
      try {
        await wb.statusItem(/refitting/).waitFor({ timeout: 30000 });
        const text = await wb.hover('predict quick', 'predict', { accept: (t) => /refitting/.test(t) });
        assert.ok(text.includes(`L = ${value}`), `the last value ${value} stays while refitting: ${text}`);
        await page.screenshot({ path: shotPath('hover') });
      } finally {
        await wb.clearHover();
        await wb.runCommand('Scaling Studio: Cancel Fit');
      }
      await wb.statusItem(/cancelled|fitted/).waitFor({ timeout: 30000 });
    },
    { timeout: 150000 },
  );

  t.test(
    'editing a predict line shows the new value without a refit',
    async ({ wb, page }) => {
      await wb.openFile(STALE);
      await wb.runCommand('Scaling Studio: Fit Study');
      const fitted = wb.statusItem(/fitted in/);
      await fitted.waitFor({ timeout: 60000 });
      const status = (await fitted.innerText()).trim();
      const before = await wb.hover('predict quick', 'predict', { accept: (t) => /L = \d/.test(t) });
      const value = Number(/L = ([\d.]+)/.exec(before)[1]);
      await wb.clearHover();
      // A larger model at the same data: the cached fit answers it (a lower loss), nothing is refitted.
      const editor = wb.editorFor('stale.scaling');
      await editor.locator('.view-line', { hasText: 'predict quick at' }).click();
      await page.keyboard.press('Home');
      await page.keyboard.press('Shift+End');
      await page.keyboard.type('predict quick at N = 8B, D = 40B');
      await wb.line('N = 8B', editor).waitFor();
      const after = await wb.hover('predict quick', 'predict', {
        accept: (t) => /L = \d/.test(t) && Number(/L = ([\d.]+)/.exec(t)[1]) !== value,
        timeout: 20000,
      });
      assert.ok(Number(/L = ([\d.]+)/.exec(after)[1]) < value, `a larger N predicts a lower loss: ${value} → ${after}`);
      assert.doesNotMatch(after, /refitting|fitting…/);
      // The status item still reports the same fit: no new fit ran for the edit.
      assert.equal((await wb.statusItem(/fitted in|fitting|refitting/).innerText()).trim(), status);
    },
    { timeout: 120000 },
  );

  t.test(
    'scaffolding from an IsoFLOP CSV writes an isoflop block that fits',
    async ({ wb, page, ws, shotPath }) => {
      // As a user does it: right-click the CSV in the Explorer, "New Study from Data…".
      const row = (name) => page.locator('.explorer-folders-view .monaco-list-row', { hasText: name }).first();
      if (!(await row('isoflop-runs.csv').isVisible())) await row('e2e').click();
      await row('isoflop-runs.csv').click({ button: 'right' });
      const item = page.locator('.monaco-menu .action-item', { hasText: 'New Study from Data' }).first();
      await item.waitFor({ timeout: 10000 });
      await item.click();
      // A click that lands while the menu is still laying out only focuses the item: Enter runs it then.
      if (
        !(await item.waitFor({ state: 'hidden', timeout: 3000 }).then(
          () => true,
          () => false,
        ))
      )
        await page.keyboard.press('Enter');
      await wb.activeTab('isoflop-runs.scaling', 30000);
      await wb.line('isoflop approach2').waitFor({ timeout: 15000 });
      const written = fs.readFileSync(path.join(ws, 'e2e', 'isoflop-runs.scaling'), 'utf8');
      assert.match(written, /^isoflop approach2 \{/m);
      assert.match(written, /^compute C = 6 \* N \* D$/m);
      // It fits: the CLI's fit has the frontier, and the editor's hover on the block shows its N* exponent.
      const cli = spawnSync(
        process.execPath,
        [path.join(EXT_ROOT, 'dist', 'cli.js'), 'fit', path.join(ws, 'e2e', 'isoflop-runs.scaling'), '--json'],
        { encoding: 'utf8' },
      );
      assert.equal(cli.status, 0, cli.stderr);
      const exponent = JSON.parse(cli.stdout).isoflops[0].frontier.N.exponent;
      await wb.runCommand('Scaling Studio: Fit Study');
      await wb.statusItem(/fitted in/).waitFor({ timeout: 60000 });
      await wb.hover('isoflop approach2', 'approach2', { accept: (t) => shows(t, exponent), timeout: 30000 });
      await page.screenshot({ path: shotPath('hover') });
    },
    { timeout: 120000 },
  );

  t.test(
    'the plot draws the law through the predicted point, with its value in the legend',
    async ({ wb, shotPath, page }) => {
      await wb.openFile(STALE);
      await wb.runCommand('Scaling Studio: Show Plot');
      const frame = wb.webview();
      await frame.locator('#status', { hasText: 'rendered fit' }).waitFor({ timeout: 60000 });
      const read = () =>
        frame.locator('body').evaluate(() => {
          const c = (window.__scalingCharts ?? [])[0];
          if (!c) return null;
          const key = (d) => d.key;
          const point = c.data.datasets.find((d) => key(d) === 'predict:quick:0');
          const curve = c.data.datasets.find((d) => key(d) === 'predict:quick:0:curve');
          return {
            point: point?.data[0] ?? null,
            curve: curve ? curve.data.map((p) => [p.x, p.y]) : null,
            legend: (c.legend?.legendItems ?? []).map((i) => i.text),
          };
        });
      const s = await waitForValue(
        async () => {
          const r = await read();
          return r?.point && r.curve && r;
        },
        { message: 'the prediction and the curve through it', timeout: 60000 },
      );
      const { x, y } = s.point;
      assert.ok(
        s.curve.some(([cx, cy]) => Math.abs(cx / x - 1) < 1e-9 && Math.abs(cy / y - 1) < 1e-9),
        `no curve point at (${x}, ${y})`,
      );
      assert.ok(
        s.legend.some((t) => /^predict N = 2B, D = 40B/.test(t)),
        s.legend.join(' | '),
      );
      await page.screenshot({ path: shotPath('plot') });
    },
    { timeout: 120000 },
  );

  t.test('a missing compute line is declared by a quick fix (Ctrl+.)', async ({ wb, page, ws, shotPath }) => {
    await wb.openFile(STALE);
    const editor = wb.editorFor('stale.scaling');
    await editor.locator('.view-line', { hasText: 'compute C = 6' }).click();
    await page.keyboard.press('Home');
    await page.keyboard.press('Shift+End');
    await page.keyboard.type('// no compute line');
    await wb.waitForProblems('stale.scaling', (ps) => ps.some((p) => /compute C = 6 \* N \* D/.test(p.message)), {
      message: 'the no-compute error on the optimize line',
    });
    await wb.goTo(lineNumber(ws, STALE, 'optimize'), 'optimize quick for C'.length); // on the C
    await page.keyboard.press('Control+Period');
    const fix = page.locator('.action-widget .monaco-list-row', { hasText: 'Declare `compute C = 6 * N * D`' }).first();
    await fix.waitFor({ timeout: 15000 });
    await page.screenshot({ path: shotPath('offered') });
    await fix.click();
    await wb.waitForProblems('stale.scaling', (ps) => !ps.some((p) => p.severity === 'error'), {
      message: 'no errors after the fix',
    });
    await wb.goTo(4, 1); // the fix declares it after the study line
    await wb.line('compute C = 6 * N * D', editor).waitFor({ timeout: 10000 });
  });

  t.test(
    'reloading the window restores the plot panel',
    async ({ wb, page }) => {
      await openPlot(wb);
      await waitForStablePlot(wb);
      await wb.runCommand('Developer: Reload Window');
      await page.waitForEvent('load', { timeout: 30000 });
      await wb.ready();
      await wb.webview().locator('#status', { hasText: 'rendered' }).waitFor({ timeout: 45000 });
      const s = await waitForStablePlot(wb);
      assert.ok(s.painted > 0);
    },
    { timeout: 120000 },
  );
}

/** Picks a colour theme through "Preferences: Color Theme" (the list is filtered: it only renders visible rows). */
async function setTheme(wb, label) {
  await wb.runCommand('Preferences: Color Theme');
  const input = wb.page.locator('.quick-input-widget input.input');
  await input.waitFor({ state: 'visible' });
  await input.fill(label);
  const row = wb.page
    .locator('.quick-input-list .monaco-list-row')
    .filter({ has: wb.page.locator('.label-name', { hasText: new RegExp(`^${label}$`) }) })
    .first();
  await row.waitFor({ timeout: 10000 }).catch(async () => {
    const rows = await wb.page.locator('.quick-input-list .monaco-list-row .label-name').allInnerTexts();
    throw new Error(`theme "${label}" not offered: ${JSON.stringify(rows)}`);
  });
  await wb.accept(row, label);
}

async function waitForTokens(line) {
  return waitForValue(
    async () => {
      const spans = await line
        .locator('span > span')
        .evaluateAll((els) =>
          els.map((e) => ({ text: e.textContent, cls: e.className, color: getComputedStyle(e).color })),
        );
      return new Set(spans.map((s) => s.cls)).size >= 2 ? spans : null;
    },
    { message: 'TextMate tokens on the line (the grammar)', timeout: 15000 },
  );
}

async function waitForValue(fn, { timeout = 20000, interval = 200, message = 'condition' } = {}) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${message}${last ? ` (${last.message})` : ''}`);
    await new Promise((r) => setTimeout(r, interval));
  }
}
