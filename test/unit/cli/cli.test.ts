import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import { main } from '../../../server/src/cli';

const fixtures = path.resolve(__dirname, '../../fixtures');

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: string, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out = new Capture();
  const err = new Capture();
  const code = await main(args, out as unknown as typeof process.stdout, err as unknown as typeof process.stderr);
  return { code, out: out.text, err: err.text };
}

function tempStudy(text: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scaling-cli-'));
  fs.mkdirSync(path.join(dir, 'runs'));
  fs.copyFileSync(path.join(fixtures, 'runs/sweep.csv'), path.join(dir, 'runs/sweep.csv'));
  const file = path.join(dir, 'study.scaling');
  fs.writeFileSync(file, text);
  return file;
}

describe('cli check', () => {
  it('passes the language sketch example with exit 0', async () => {
    const file = path.join(fixtures, 'chinchilla.scaling');
    const r = await cli('check', file);
    assert.equal(r.code, 0, r.out);
    assert.doesNotMatch(r.out, /: error /);
  });

  it('prints FILE:LINE:COL: severity code: message and exits 1 on an error', async () => {
    const file = tempStudy('study "x"\nlaw l: L = E + * N {\n  fit runs\n}\n');
    const r = await cli('check', file);
    assert.equal(r.code, 1);
    const lines = r.out.trim().split('\n');
    assert.equal(lines[0], `${file}:2:16: error scaling.syntax: expected a value, a name or '(', found '*'`);
    assert.match(lines[lines.length - 1], /1 error/);
  });

  it('exits 0 with warnings only', async () => {
    const file = tempStudy(
      'compute C = 6 * N * D\ndataset s = csv("runs/sweep.csv") {\n  N: params\n  D: tokens\n  L: loss\n}\nlaw l: L = E + A / N^a {\n  fit s\n}\npredict l at N = 10T\n',
    );
    const r = await cli('check', file);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /:10:1: warning scaling.extrapolation: /);
  });

  it("checks the README's example without errors", async () => {
    const readme = fs.readFileSync(path.resolve(__dirname, '../../../README.md'), 'utf8');
    const example = /```\n(study [\s\S]*?)```/.exec(readme);
    assert.ok(example, 'the README opens with an example study');
    const r = await cli('check', tempStudy(example[1]));
    assert.equal(r.code, 0, r.out);
  });

  it('exits 2 on usage errors and a missing file', async () => {
    assert.equal((await cli()).code, 2);
    assert.equal((await cli('check')).code, 2);
    assert.equal((await cli('frobnicate')).code, 2);
    const missing = await cli('check', path.join(fixtures, 'no-such.scaling'));
    assert.equal(missing.code, 2);
    assert.match(missing.err, /cannot read .*no-such\.scaling': no such file/);
    assert.equal((await cli('help')).code, 0);
    // Options are parsed by util.parseArgs (strict): unknown ones and missing values are usage errors.
    const unknown = await cli('fit', path.join(fixtures, 'no-such.scaling'), '--bogus');
    assert.equal(unknown.code, 2);
    assert.match(unknown.err, /Unknown option '--bogus'\n/);
    const noValue = await cli('fit', path.join(fixtures, 'no-such.scaling'), '--report');
    assert.equal(noValue.code, 2);
    assert.match(noValue.err, /'--report <value>' argument missing/);
  });
});

describe('cli fit exit status', () => {
  const study =
    'dataset s = csv("runs/sweep.csv") {\n  N: params\n  D: tokens\n  L: loss\n}\n' +
    'law l: L = E + A / N^alpha + B / D^beta {\n  fit s\n' +
    '  param E in (0, 10) init grid -1..1 by 0.5 log\n  param A in (0, inf) init grid 0..25 by 5 log\n' +
    '  param B in (0, inf) init grid 0..25 by 5 log\n  param alpha in [0, 3] init grid 0..2 by 0.5\n' +
    '  param beta in [0, 3] init grid 0..2 by 0.5\n}\n';

  it('exits 0 after a converged fit', async () => {
    const r = await cli('fit', tempStudy(study), '--json');
    assert.equal(r.code, 0, r.err);
    assert.equal(JSON.parse(r.out).laws[0].converged, true);
  });

  it('exits 1 and names the law when a fit stopped without converging (here: out of --time-budget)', async () => {
    // 1 ms cannot fit 4,500 starts on any machine; the search stops at its deadline.
    const r = await cli('fit', tempStudy(study), '--json', '--time-budget', '0.001');
    const law = JSON.parse(r.out).laws[0];
    assert.equal(law.converged, false);
    assert.equal(law.stop_reason, 'time-budget');
    assert.equal(r.code, 1);
    assert.match(r.err, /law 'l' did not converge \(time-budget\)/);
  });

  it('rejects a time budget that is not a positive number of seconds', async () => {
    const r = await cli('fit', tempStudy(study), '--time-budget', 'soon');
    assert.equal(r.code, 2);
    assert.match(r.err, /--time-budget takes a positive number of seconds, not 'soon'/);
  });
});
