// Hardening: background fits across documents are limited (bench/load.mjs found 50 concurrent
// worker threads: 540 MB RSS and hover p95 4.8 s). Queued jobs run in order; a cancelled one leaves.
import * as assert from 'node:assert/strict';
import { LimitedBackend, type FitBackend, type FitJob, type FitReply } from '../../../server/src/lsp/fitManager';

const job = (name: string): FitJob => ({
  text: name,
  studyPath: undefined,
  severities: {},
  laws: [name],
  isoflops: [],
});

describe('hardening: LimitedBackend', () => {
  it('runs at most max jobs at once, queues the rest in order, and drops cancelled ones', async () => {
    let running = 0;
    let peak = 0;
    const order: string[] = [];
    const release = new Map<string, () => void>();
    const inner: FitBackend = {
      run: (j) =>
        new Promise<FitReply>((resolve) => {
          running++;
          peak = Math.max(peak, running);
          order.push(j.text);
          release.set(j.text, () => {
            running--;
            resolve({ ok: false, message: j.text });
          });
        }),
    };
    const limited = new LimitedBackend(inner, 2);
    const controllers = ['a', 'b', 'c', 'd', 'e'].map(() => new AbortController());
    const replies = ['a', 'b', 'c', 'd', 'e'].map((n, i) => limited.run(job(n), controllers[i].signal));
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(order, ['a', 'b']);
    controllers[2].abort(); // c is cancelled while queued
    assert.deepEqual(await replies[2], { ok: false, message: 'cancelled', cancelled: true });
    release.get('a')!();
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(order, ['a', 'b', 'd']);
    release.get('b')!();
    release.get('d')!();
    await new Promise((r) => setImmediate(r));
    release.get('e')!();
    assert.deepEqual(
      (await Promise.all(replies)).map((r) => (r.ok ? '' : r.message)),
      ['a', 'b', 'cancelled', 'd', 'e'],
    );
    assert.equal(peak, 2);
    assert.equal(running, 0);
  });
});
