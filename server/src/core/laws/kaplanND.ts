// Kaplan et al. 2020: the joint (overfitting) law in parameters and tokens.
import { formula, grid, param, type CatalogueEntry } from './types';

export const kaplanND: CatalogueEntry = {
  name: 'kaplan_nd',
  formals: ['N', 'D'],
  target: 'L',
  formula: formula('((Nc / N)^(alphaN / alphaD) + Dc / D)^alphaD'),
  params: [
    param('Nc', 0, Infinity, [false, false], grid(20, 40, 5), true),
    param('Dc', 0, Infinity, [false, false], grid(20, 40, 5), true),
    param('alphaN', 0, 3, [false, true], grid(0.05, 0.45, 0.2)),
    param('alphaD', 0, 3, [false, true], grid(0.05, 0.45, 0.2)),
  ],
  source: 'Kaplan et al. 2020, Scaling Laws for Neural Language Models (arXiv 2001.08361), eq. 1.5',
  description: 'L(N, D) = ((Nc/N)^(alphaN/alphaD) + Dc/D)^alphaD (published: alphaN 0.076, alphaD 0.103).',
  // Minimise (Nc/N)^p + k Dc N / C with p = alphaN/alphaD (domain-anchors §2.8).
  optimum: (p, budget, k) => {
    const { Nc, Dc, alphaN, alphaD } = p;
    if (!(Nc > 0 && Dc > 0 && alphaN > 0 && alphaD > 0)) return undefined;
    const q = alphaN / alphaD;
    const x = Math.pow((q * Math.pow(Nc, q) * budget) / (k * Dc), 1 / (q + 1));
    return { x, y: budget / (k * x) };
  },
};
