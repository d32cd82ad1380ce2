// Recovery: data drawn noise-free from known parameters must give those parameters back.
// Tolerance 1e-6 relative: with zero residuals the Gauss–Newton iteration converges quadratically,
// so the only limit is the stopping rule (relative objective change 1e-13 ≈ parameter error
// ~sqrt(1e-13) relative to the objective's curvature scale); 1e-6 leaves margin above that.
import assert from 'node:assert/strict';
import { fitLaw } from '../../../server/src/core/fit';
import { evalScalar, toNode } from '../../../server/src/core/fit/compile';
import { catalogue } from '../../../server/src/core/laws';
import { catalogueLaw, table } from '../fit/helpers';

function logspace(a: number, b: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => Math.exp(Math.log(a) + ((Math.log(b) - Math.log(a)) * i) / (n - 1)));
}

/** Builds noise-free rows of `name` at the given points and refits. */
async function recover(name: string, truth: Record<string, number>, points: Record<string, number[]>) {
  const c = catalogue.get(name)!;
  const node = toNode(
    c.formula,
    c.params.map((p) => p.name),
    c.formals,
  );
  const theta = c.params.map((p) => truth[p.name]);
  const rows = points[c.formals[0]].length;
  const L = Array.from({ length: rows }, (_, i) =>
    evalScalar(
      node,
      theta,
      c.formals.map((f) => points[f][i]),
    ),
  );
  const data = table('synthetic', { ...points, L });
  const vars = Object.fromEntries(c.formals.map((f) => [f, f]));
  const fit = await fitLaw(catalogueLaw(name, data, vars));
  for (const [k, v] of Object.entries(truth)) {
    const got = fit.result.params[k];
    assert.ok(Math.abs(got - v) <= 1e-6 * Math.abs(v), `${name}.${k}: got ${got}, want ${v}`);
  }
  return fit;
}

function grid2(xs: number[], ys: number[]): [number[], number[]] {
  const a: number[] = [];
  const b: number[] = [];
  for (const x of xs)
    for (const y of ys) {
      a.push(x);
      b.push(y);
    }
  return [a, b];
}

describe('catalogue', () => {
  it('has every documented law with formals, params, starts and a source', () => {
    for (const name of [
      'chinchilla',
      'kaplan_n',
      'kaplan_d',
      'kaplan_nd',
      'kaplan_c',
      'saturating',
      'broken_power_law',
      'lr_annealing',
    ]) {
      const c = catalogue.get(name);
      assert.ok(c, name);
      assert.ok(c.formals.length > 0 && c.params.length > 0 && c.source.length > 10);
      for (const p of c.params) assert.ok(p.starts.length > 0, `${name}.${p.name} starts`);
    }
    // Hoffmann's grid: 5 × 6 × 6 × 5 × 5 = 4,500 starts.
    assert.equal(
      catalogue.get('chinchilla')!.params.reduce((n, p) => n * p.starts.length, 1),
      4500,
    );
  });

  it('chinchilla: closed-form optimum satisfies alpha A N^-alpha = beta B D^-beta on C = 6ND', () => {
    const p = { E: 1.69, A: 406.4, B: 410.7, alpha: 0.34, beta: 0.28 };
    const o = catalogue.get('chinchilla')!.optimum!(p, 5.76e23, 6)!;
    assert.ok(Math.abs((6 * o.x * o.y) / 5.76e23 - 1) < 1e-12);
    const lhs = p.alpha * p.A * o.x ** -p.alpha;
    const rhs = p.beta * p.B * o.y ** -p.beta;
    assert.ok(Math.abs(lhs / rhs - 1) < 1e-10);
    // domain-anchors §2.8 table: Hoffmann rounded at 5.76e23 gives N_opt 3.22e10, D_opt 2.98e12 (4 s.f.).
    assert.ok(Math.abs(o.x / 3.22e10 - 1) < 5e-3 && Math.abs(o.y / 2.98e12 - 1) < 5e-3);
  });

  it('recovers chinchilla', async () => {
    const [N, D] = grid2(logspace(5e7, 2e10, 6), logspace(1e9, 5e11, 6));
    await recover('chinchilla', { E: 1.7, A: 400, B: 2000, alpha: 0.34, beta: 0.28 }, { N, D });
  });
  it('recovers kaplan_n', async () => {
    await recover('kaplan_n', { Nc: 8.8e13, alphaN: 0.076 }, { N: logspace(1e6, 1e10, 12) });
  });
  it('recovers kaplan_d', async () => {
    await recover('kaplan_d', { Dc: 5.4e13, alphaD: 0.095 }, { D: logspace(1e7, 1e11, 12) });
  });
  it('recovers kaplan_c', async () => {
    await recover('kaplan_c', { Cc: 3.1e8, alphaC: 0.05 }, { C: logspace(1e-3, 1e3, 12) });
  });
  it('recovers kaplan_nd', async () => {
    const [N, D] = grid2(logspace(1e7, 1e10, 6), logspace(1e8, 1e11, 6));
    await recover('kaplan_nd', { Nc: 6.4e13, Dc: 1.8e13, alphaN: 0.076, alphaD: 0.103 }, { N, D });
  });
  it('recovers saturating', async () => {
    await recover('saturating', { E: 1.5, A: 50, a: 0.3 }, { x: logspace(1e6, 1e10, 15) });
  });
  it('recovers broken_power_law', async () => {
    await recover(
      'broken_power_law',
      { a: 0.5, b: 20, c0: 0.2, c1: 0.4, d1: 1e6, f1: 0.5 },
      { x: logspace(1e3, 1e9, 40) },
    );
  });
  it('recovers lr_annealing', async () => {
    const S1 = logspace(10, 1000, 30);
    const S2 = S1.map((s, i) => (i % 3) * 0.02 * s);
    await recover('lr_annealing', { L0: 2.3, A: 2, alpha: 0.6, C: 0.005 }, { S1, S2 });
  });
});
