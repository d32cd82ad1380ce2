// Hoffmann et al. 2022, "Training Compute-Optimal Large Language Models", approach 3.
import { formula, grid, param, type CatalogueEntry } from './types';

export const chinchilla: CatalogueEntry = {
  name: 'chinchilla',
  formals: ['N', 'D'],
  target: 'L',
  formula: formula('E + A / N^alpha + B / D^beta'),
  params: [
    // Hoffmann's grid: e in -1..1, a, b in 0..25 (log grids), alpha, beta in 0..2.
    param('E', 0, 10, [false, false], grid(-1, 1, 0.5), true),
    param('A', 0, Infinity, [false, false], grid(0, 25, 5), true),
    param('B', 0, Infinity, [false, false], grid(0, 25, 5), true),
    param('alpha', 0, 3, [true, true], grid(0, 2, 0.5)),
    param('beta', 0, 3, [true, true], grid(0, 2, 0.5)),
  ],
  source: 'Hoffmann et al. 2022, Training Compute-Optimal Large Language Models (arXiv 2203.15556), approach 3',
  description:
    'Irreducible loss E plus power laws in parameters N and tokens D; fitted by Huber(1e-3) on log loss from a 4,500-point grid.',
  // dL/dN = 0 along C = kND gives alpha A N^-alpha = beta B D^-beta (domain-anchors §2.8).
  optimum: (p, budget, k) => {
    const { A, B, alpha, beta } = p;
    if (!(alpha > 0 && beta > 0 && A > 0 && B > 0)) return undefined;
    const s = alpha + beta;
    const G = Math.pow((alpha * A) / (beta * B), 1 / s);
    const c = budget / k;
    return { x: G * Math.pow(c, beta / s), y: Math.pow(c, alpha / s) / G };
  },
};
