// A small mocha-like runner for the UI checks: sequential tests sharing one workbench, a timeout per
// test, a screenshot after every test (pass or fail) and an explicit pending list.
import fs from 'node:fs';
import path from 'node:path';

const slug = (s) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 60);

export class Runner {
  /**
   * @param {{ title: string, pending: string[], runPending: boolean, shotsDir: string, prefix: string }} opts
   */
  constructor({ title, pending = [], runPending = false, shotsDir, prefix = 'ui' }) {
    this.title = title;
    this.pending = pending;
    this.runPending = runPending;
    this.shotsDir = shotsDir;
    this.prefix = prefix;
    this.tests = [];
    this.results = [];
  }

  /** `gate: true`: when this test fails, the ones after it fail at once instead of each timing out. */
  test(name, fn, { timeout = 60000, gate = false } = {}) {
    if (this.tests.some((t) => t.name === name)) throw new Error(`duplicate test name: ${name}`);
    this.tests.push({ name, fn, timeout, gate });
  }

  /** Runs the tests in order. `makeCtx(test)` gives each test its context; `afterEach(ctx, error)` tidies up. */
  async run({ makeCtx, afterEach, page }) {
    const unknown = this.pending.filter((p) => !this.tests.some((t) => t.name === p));
    if (unknown.length) throw new Error(`PENDING names no test: ${unknown.join(', ')}`);
    console.log(`\n  ${this.title}`);
    let n = 0;
    let gateFailed = null;
    for (const t of this.tests) {
      n++;
      const shot = path.join(this.shotsDir, `${this.prefix}-${String(n).padStart(2, '0')}-${slug(t.name)}.png`);
      const isPending = this.pending.includes(t.name);
      if (isPending && !this.runPending) {
        console.log(`    - ${t.name} (pending)`);
        this.results.push({ name: t.name, state: 'pending' });
        continue;
      }
      if (gateFailed) {
        console.log(`    ✖ ${t.name} (not run: "${gateFailed}" failed)`);
        this.results.push({
          name: t.name,
          state: 'failed',
          ms: 0,
          error: new Error(`not run: "${gateFailed}" failed`),
          shot: '',
        });
        continue;
      }
      const t0 = Date.now();
      let error = null;
      const ctx = makeCtx({ name: t.name, shotPath: (suffix) => shot.replace(/\.png$/, `-${slug(suffix)}.png`) });
      let timer;
      try {
        await Promise.race([
          t.fn(ctx),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error(`test timed out after ${t.timeout} ms`)), t.timeout);
          }),
        ]);
      } catch (e) {
        error = e instanceof Error ? e : new Error(String(e));
      } finally {
        clearTimeout(timer);
      }
      const ms = Date.now() - t0;
      fs.mkdirSync(this.shotsDir, { recursive: true });
      await page()
        ?.screenshot({ path: shot, timeout: 10000 })
        .catch(() => {});
      if (afterEach) {
        try {
          await afterEach(ctx, error);
        } catch (e) {
          console.log(`      (cleanup after "${t.name}" failed: ${e.message.split('\n')[0]})`);
        }
      }
      if (isPending) {
        // asked to run pending tests too: report, but never count them as failures
        const note = error ? `still failing: ${error.message.split('\n')[0]}` : 'PASSES now: remove it from PENDING';
        console.log(`    - ${t.name} (pending, ${note}) (${ms}ms)`);
        this.results.push({ name: t.name, state: 'pending', ms, error });
      } else if (error) {
        console.log(`    ✖ ${t.name} (${ms}ms)`);
        this.results.push({ name: t.name, state: 'failed', ms, error, shot });
        if (t.gate) gateFailed = t.name;
      } else {
        console.log(`    ✔ ${t.name} (${ms}ms)`);
        this.results.push({ name: t.name, state: 'passed', ms });
      }
    }
    const failed = this.results.filter((r) => r.state === 'failed');
    failed
      .filter((r) => r.shot)
      .forEach((r, i) => {
        console.log(`\n  ${i + 1}) ${this.title}: ${r.name}`);
        console.log(`     ${(r.error.stack || r.error.message).split('\n').slice(0, 8).join('\n     ')}`);
        console.log(`     screenshot: ${path.relative(process.cwd(), r.shot)}`);
      });
    return this.summary();
  }

  summary() {
    const count = (s) => this.results.filter((r) => r.state === s).length;
    return {
      passed: count('passed'),
      failed: count('failed'),
      pending: this.results.filter((r) => r.state === 'pending').map((r) => r.name),
    };
  }
}
