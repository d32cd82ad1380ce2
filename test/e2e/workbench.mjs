// Page helpers for driving the real VS Code workbench (code-server) with playwright-core.
// Every helper waits for a concrete thing in the DOM; none sleeps for a fixed time.

const esc = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export class Workbench {
  /** @param {import('playwright-core').Page} page */
  constructor(page) {
    this.page = page;
  }

  /** Waits until the workbench shows its explorer and status bar. */
  async ready(timeout = 60000) {
    await this.page.locator('.monaco-workbench .part.statusbar').waitFor({ timeout });
    await this.page.locator('.explorer-folders-view .monaco-list-row').first().waitFor({ timeout });
  }

  /** Runs a command through the F1 command palette by its exact title ("Scaling Studio: Fit Study"). */
  async runCommand(title, { timeout = 15000 } = {}) {
    const input = await this.openQuickInput('F1');
    await input.fill(`>${title}`);
    const row = this.page
      .locator('.quick-input-list .monaco-list-row')
      .filter({ has: this.page.locator('.label-name', { hasText: new RegExp(`^${esc(title)}$`) }) })
      .first();
    await row.waitFor({ timeout }).catch(async () => {
      const rows = await this.page.locator('.quick-input-list .monaco-list-row').allInnerTexts();
      await this.page.keyboard.press('Escape');
      throw new Error(`command "${title}" is not in the command palette (rows: ${JSON.stringify(rows.slice(0, 5))})`);
    });
    await this.accept(row, `>${title}`, timeout);
  }

  /**
   * Accepts a quick-input row: a click, and if the widget still shows what was typed after 3 s (the list
   * re-rendered under the mouse), Enter on the row the click focused. Done when the widget closes or
   * shows something else (a command may open its own quick pick, e.g. Color Theme).
   */
  async accept(row, typed, timeout = 15000) {
    const done = (ms) =>
      this.page
        .waitForFunction(
          (t) => {
            const w = document.querySelector('.quick-input-widget');
            const input = w?.querySelector('input.input');
            return !w || w.getClientRects().length === 0 || (input && input.value !== t);
          },
          typed,
          { timeout: ms },
        )
        .then(() => true)
        .catch(() => false);
    await row.click();
    if (await done(3000)) return;
    await this.page.keyboard.press('Enter');
    if (!(await done(timeout))) throw new Error(`the quick input did not accept "${typed}"`);
  }

  /** Opens the quick input with `key` (F1 or Control+P); retries after focusing the workbench. */
  async openQuickInput(key) {
    const input = this.page.locator('.quick-input-widget input.input');
    for (let attempt = 0; attempt < 3; attempt++) {
      await this.page.keyboard.press(key);
      const ok = await input
        .waitFor({ state: 'visible', timeout: 3000 })
        .then(() => true)
        .catch(() => false);
      if (ok) return input;
      // focus may be inside a webview iframe or a dialog: give it back to the workbench
      await this.page.keyboard.press('Escape');
      await this.page.locator('.part.statusbar').click({ position: { x: 2, y: 2 } });
    }
    throw new Error(`quick input did not open with ${key}`);
  }

  /** Opens a workspace file by its path relative to the folder, through Quick Open (Ctrl+P). */
  async openFile(rel, { timeout = 20000 } = {}) {
    const input = await this.openQuickInput('Control+P');
    await input.fill(rel);
    const base = rel.split('/').pop();
    const row = this.page
      .locator('.quick-input-list .monaco-list-row')
      .filter({ has: this.page.locator('.label-name', { hasText: new RegExp(`^${esc(base)}$`) }) })
      .filter({ hasText: rel.includes('/') ? rel.split('/').slice(-2, -1)[0] : '' })
      .first();
    await row.waitFor({ timeout });
    await this.accept(row, rel, timeout);
    await this.activeTab(base, timeout);
    await this.editor().locator('.view-line').first().waitFor({ timeout });
  }

  async activeTab(label, timeout = 20000) {
    await this.page
      .locator('.editor-group-container.active .tab.active', { hasText: label })
      .first()
      .waitFor({ timeout });
  }

  /** The text editor of the active editor group. */
  editor() {
    return this.page.locator('.editor-group-container.active .editor-instance .monaco-editor').first();
  }

  /** The text editor that shows `fileName` (the tab's group, active or not). */
  editorFor(fileName) {
    return this.page
      .locator('.editor-group-container')
      .filter({ has: this.page.locator('.tab.active', { hasText: fileName }) })
      .locator('.editor-instance .monaco-editor')
      .first();
  }

  /** The rendered line of the active editor whose text contains `text` (the fixtures fit on screen). */
  line(text, editor = this.editor()) {
    return editor.locator('.view-line', { hasText: text }).first();
  }

  /** Moves the cursor with "Go to Line/Column" (Ctrl+G), e.g. goTo(4, 11). */
  async goTo(line, column = 1) {
    const input = await this.openQuickInput('Control+G');
    await input.fill(`:${line}:${column}`);
    await this.page.keyboard.press('Enter');
    await this.page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 5000 });
    await this.page
      .locator('#status\\.editor\\.selection', { hasText: new RegExp(`Ln ${line}, Col ${column}\\b`) })
      .waitFor({ timeout: 5000 });
  }

  /**
   * Hovers the first span of the line containing `lineText` whose text starts with `word`, until the hover's
   * text satisfies `accept` (hovers may come before the provider is ready, or before a background fit is
   * done: move away and back to ask again). Returns the hover text.
   */
  async hover(lineText, word, { accept = (t) => /\S/.test(t), timeout = 30000 } = {}) {
    const span = this.line(lineText)
      .locator('span span', { hasText: new RegExp(`^\\s*${esc(word)}`) })
      .first();
    await span.waitFor({ timeout: 10000 });
    const hover = this.page.locator('.monaco-hover:not(.hidden) .monaco-hover-content', { hasText: /\S/ }).first();
    const deadline = Date.now() + timeout;
    let last = null;
    while (Date.now() < deadline) {
      const b = await span.boundingBox(); // null while the line is re-rendered (tokens, hints)
      if (!b) {
        await span.waitFor({ state: 'visible', timeout: 2000 }).catch(() => {});
        continue;
      }
      await this.page.mouse.move(b.x + 3, b.y + b.height / 2);
      await this.page.mouse.move(b.x + Math.min(10, b.width - 2), b.y + b.height / 2);
      if (
        await hover.waitFor({ timeout: 2500 }).then(
          () => true,
          () => false,
        )
      ) {
        last = (await hover.innerText()).trim();
        if (accept(last)) return last;
      }
      await this.page.mouse.move(2, 2);
      await hover.waitFor({ state: 'hidden', timeout: 2000 }).catch(() => {});
    }
    throw new Error(`no matching hover over "${word}" within ${timeout} ms; last hover: ${JSON.stringify(last)}`);
  }

  async clearHover() {
    await this.page.mouse.move(2, 2);
    await this.page.keyboard.press('Escape');
  }

  /** Opens the Problems panel and returns its markers: [{ file, severity, message, line, column }]. */
  async problems() {
    const view = this.page.locator('.markers-panel');
    if (!(await view.isVisible())) {
      await this.runCommand('View: Focus Problems (Errors, Warnings, Infos)');
      await view.waitFor({ timeout: 10000 });
      await this.runCommand('View: Focus Active Editor Group'); // give the keyboard back to the editor
    }
    const rows = await view
      .locator('.monaco-list-row')
      .evaluateAll((els) =>
        els.map((e) => ({ label: e.getAttribute('aria-label') || '', level: e.getAttribute('aria-level') })),
      );
    const out = [];
    let file = null;
    for (const r of rows) {
      const res = /problems? in (?:this )?file (\S+)/.exec(r.label) || /^(\S+\.\w+)\b/.exec(r.label);
      const m = /^(Error|Warning|Info|Problem): ([\s\S]*) at line (\d+) and character (\d+)\./.exec(r.label);
      if (m) {
        out.push({ file, severity: m[1].toLowerCase(), message: m[2], line: +m[3], column: +m[4], label: r.label });
      } else if (res) {
        file = res[1];
      }
    }
    return out;
  }

  /** Waits until the Problems panel's markers for `file` satisfy `predicate`; returns them. */
  async waitForProblems(file, predicate, { timeout = 20000, message = 'problems' } = {}) {
    const deadline = Date.now() + timeout;
    let last = [];
    for (;;) {
      const all = await this.problems();
      last = all.filter((p) => p.file === file);
      if (predicate(last)) return last;
      if (Date.now() > deadline) {
        throw new Error(`timed out waiting for ${message} in ${file}; Problems panel shows ${JSON.stringify(all)}`);
      }
      // the panel updates on its own: wait for its DOM to change (or 1 s) rather than re-running commands in a loop
      await this.page
        .locator('.markers-panel')
        .evaluate(
          (el) =>
            new Promise((resolve) => {
              const mo = new MutationObserver(() => (mo.disconnect(), resolve()));
              mo.observe(el, { subtree: true, childList: true, attributes: true, characterData: true });
              setTimeout(() => (mo.disconnect(), resolve()), 1000);
            }),
        )
        .catch(() => {});
    }
  }

  statusItem(re) {
    return this.page.locator('.part.statusbar .statusbar-item', { hasText: re }).first();
  }

  /** The extension's webview: outer iframe.webview → inner #active-frame (our HTML). */
  webview() {
    return this.page.frameLocator('iframe.webview.ready').first().frameLocator('#active-frame');
  }

  /** Reverts and closes every editor (webviews included), so the next test starts from an empty window. */
  async revertAndCloseAll() {
    for (let i = 0; i < 8; i++) {
      const tabs = await this.page.locator('.tabs-container .tab').count();
      if (tabs === 0) return;
      await this.runCommand('View: Revert and Close Editor', { timeout: 5000 });
      await this.page
        .waitForFunction((n) => document.querySelectorAll('.tabs-container .tab').length < n, tabs, { timeout: 5000 })
        .catch(() => {});
    }
  }
}
