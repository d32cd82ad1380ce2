// Bugs found by trying the tool as a new user (issue 13), each pinned by a test that failed before
// its fix.
import assert from 'node:assert/strict';
import { catalogue } from '../../../server/src/core/laws';
import { analyze, type Analysis } from '../../../server/src/core/study';
import { runFit } from '../../../server/src/fitRunner';
import { hover } from '../../../server/src/lsp/hover';
import { memoryLoader } from '../hosts';

async function study(text: string, files: Record<string, string> = {}): Promise<Analysis> {
  const { loader } = memoryLoader(files);
  return analyze(text, { studyPath: '/mem/s.scaling', loader, catalogue });
}

const codes = (a: { diagnostics: { code: string }[] }) => a.diagnostics.map((d) => d.code);

function hoverAt(a: Analysis, needle: string, fitting?: { since: number }): string {
  // While a fit runs, every law's state is `fitting` since its start (lsp/fitState.ts).
  const states = () => (fitting ? { state: 'fitting' as const, since: fitting.since } : undefined);
  const h = hover(a, undefined, a.text.indexOf(needle) + 1, states);
  return h ? (h.contents as { value: string }).value.replace(/\\(.)/g, '$1') : '';
}

/** Runs N × D on a small grid, L from a Chinchilla-like law: N up to 1e9, D up to 2e10, C = 6ND up to 1.2e20. */
function runs(): string {
  const rows: string[] = [];
  for (const n of [1e8, 3e8, 1e9])
    for (const d of [2e9, 6e9, 2e10])
      rows.push(`  ${n}  ${d}  ${(1.7 + 400 / n ** 0.34 + 400 / d ** 0.28).toFixed(4)}`);
  return `runs sweep {\n  N  D  L\n${rows.join('\n')}\n}\n`;
}

const LAW = `law c: L = E + A / N^alpha + B / D^beta {
  fit sweep
  param E in (0, 10) init 1.5
  param A in (0, inf) init 300
  param B in (0, inf) init 300
  param alpha in [0, 2] init 0.3
  param beta in [0, 2] init 0.3
}
`;

describe('bugs found by trying the tool', () => {
  it('a header-only file is an error at the dataset line naming the file, not "all runs held out"', async () => {
    const text = 'dataset s = csv("runs.csv")\nlaw k: L = a * N^b {\n  fit s\n}\n';
    const a = await study(text, { '/mem/runs.csv': 'N,L\n' });
    const d = a.diagnostics.find((x) => x.code === 'scaling.empty-data');
    assert.ok(d, JSON.stringify(codes(a)));
    assert.equal(d.severity, 'error');
    assert.match(d.message, /'runs\.csv' has no data rows \(only a header\)/);
    assert.equal(text.slice(d.range.start, d.range.end), '"runs.csv"');
    assert.ok(!a.diagnostics.some((x) => /held out or filtered/.test(x.message)), JSON.stringify(codes(a)));
  });

  it('extrapolation is one rule for check, fit and hover, and it looks at the compute value too', async () => {
    // N = 5e9 and D = 1e11 are each 5× past the runs (under the 10× rule), but C = 6ND is 25× past.
    const a = await study(`compute C = 6 * N * D\n${runs()}${LAW}predict c at N = 5B, D = 100B\n`);
    const warning = a.diagnostics.find((d) => d.code === 'scaling.extrapolation');
    assert.ok(warning, JSON.stringify(codes(a)));
    assert.match(warning.message, /^predict: C = 3\.000e\+21 is 25\.0× above the largest fitted C \(1\.200e\+20\)$/);
    // The hover says the same, in the same words (it used to warn on its own, disagreeing with check).
    assert.ok(hoverAt(a, 'predict c').includes('extrapolates: C = 3.000e+21 is 25.0× above the largest fitted C'));
    // Inside the 10× rule the hover says so, and check is silent.
    const b = await study(`compute C = 6 * N * D\n${runs()}${LAW}predict c at N = 1B, D = 20B\n`);
    assert.ok(!codes(b).includes('scaling.extrapolation'));
    assert.match(hoverAt(b, 'predict c'), /within 10× of the fitted runs/);
  });

  it("a formula name one edit from an unused data variable is warned: did you mean 'N'?", async () => {
    const a = await study(`${runs()}law k: L = E + A / Nn^alpha {\n  fit sweep\n}\n`);
    const d = a.diagnostics.find((x) => x.code === 'scaling.param-like-variable');
    assert.ok(d, JSON.stringify(codes(a)));
    assert.equal(d.message, "'Nn' is not in the data and becomes a parameter; did you mean 'N'?");
    assert.equal(a.text.slice(d.range.start, d.range.end), 'Nn');
    // Short parameter names (E, A) next to one-letter variables are not typos; declared params are meant.
    const b = await study(`${runs()}law k: L = E + A / N^Dd {\n  fit sweep\n  param Dd in [0, 2] init 0.3\n}\n`);
    assert.ok(!codes(b).includes('scaling.param-like-variable'), JSON.stringify(codes(b)));
    // Nor a catalogue law's own parameters (kaplan_n's Nc next to a C column).
    const c = await study(
      'runs r {\n  N  C  L\n  1e8  1e18  3.1\n  1e9  1e19  2.9\n  1e10  1e20  2.7\n}\nlaw k: kaplan_n(N) { fit r }\n',
    );
    assert.ok(!codes(c).includes('scaling.param-like-variable'), JSON.stringify(codes(c)));
  });

  it('a typo in a `where` column gets a did-you-mean', async () => {
    const a = await study('dataset s = csv("runs.csv") {\n  where los < 10\n}\n', {
      '/mem/runs.csv': 'N,D,loss\n1e8,2e9,3.1\n',
    });
    const d = a.diagnostics.find((x) => x.code === 'scaling.unknown-name');
    assert.ok(d, JSON.stringify(codes(a)));
    assert.match(d.message, /did you mean 'loss'\?$/);
  });

  it('mapping C from a file column is not hinted "no compute line"', async () => {
    const csv = 'params,tokens,flops,loss\n1e8,2e9,1.2e18,3.1\n3e8,2e9,3.6e18,3.0\n1e9,2e9,1.2e19,2.9\n';
    const mapped = await study(
      'dataset s = csv("runs.csv") {\n  N: params\n  C: flops\n  L: loss\n}\nlaw k: L = a * C^b {\n  fit s\n}\n',
      { '/mem/runs.csv': csv },
    );
    assert.ok(!codes(mapped).includes('scaling.checklist-compute'), JSON.stringify(codes(mapped)));
    // An unmapped C column still gets the hint: nothing says how it was counted.
    const unmapped = await study(
      'runs r {\n  C  L\n  1e18  3.1\n  1e19  3.0\n  1e20  2.9\n}\nlaw k: L = a * C^b {\n  fit r\n}\n',
    );
    assert.ok(codes(unmapped).includes('scaling.checklist-compute'), JSON.stringify(codes(unmapped)));
  });

  it('a tiny scale parameter in (0, inf) is not "on its bound"; one at the edge of a finite range is', async () => {
    const rows = [1, 2, 4, 8, 16, 32].map((x) => `  ${x}  ${(4.5e-8 * x).toExponential(6)}`).join('\n');
    const a = await study(
      `runs r {\n  x  y\n${rows}\n}\nlaw k: y = k * x {\n  fit r\n  param k in (0, inf) init 1e-7\n}\n`,
    );
    const { results, diagnostics } = await runFit(a, '/mem/s.scaling');
    // Fitted to the data's 4.5e-8 within 1e-6 relative (exact data, one linear parameter).
    assert.ok(Math.abs(results.laws[0].params.k / 4.5e-8 - 1) < 1e-6, String(results.laws[0].params.k));
    assert.ok(
      !diagnostics.some((d) => d.code === 'scaling.param-at-bound'),
      diagnostics.map((d) => d.message).join('\n'),
    );
    // The same law bounded above below the data's value ends on that bound, and says so.
    const b = await study(
      `runs r {\n  x  y\n${rows}\n}\nlaw k: y = k * x {\n  fit r\n  param k in [1e-9, 2e-8] init 1e-8\n}\n`,
    );
    const fitB = await runFit(b, '/mem/s.scaling');
    assert.ok(fitB.diagnostics.some((d) => d.code === 'scaling.param-at-bound'));
  });

  it('while a fit runs, the hover says it is fitting and since when', async () => {
    const a = await study(`${runs()}${LAW}`);
    const since = Date.now() - 3000;
    const text = hoverAt(a, ' c: L', { since });
    assert.match(text, /fitting… \(started \d\d:\d\d:\d\d, 3 s ago\)/);
    assert.doesNotMatch(text, /no fit result/);
    assert.match(hoverAt(a, ' c: L'), /not fitted yet/);
  });
});
