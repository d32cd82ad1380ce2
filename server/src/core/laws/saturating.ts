// Henighan et al. 2020 / Hestness et al. 2017: a power law with an irreducible floor.
import { formula, grid, param, type CatalogueEntry } from './types';

export const saturating: CatalogueEntry = {
  name: 'saturating',
  formals: ['x'],
  target: 'L',
  formula: formula('E + A * x^-a'),
  params: [
    param('E', 0, Infinity, [true, false], grid(-1, 1, 0.5), true),
    param('A', 0, Infinity, [false, false], grid(0, 20, 5), true),
    param('a', 0, 3, [false, true], grid(0.1, 1.1, 0.25)),
  ],
  source:
    'Henighan et al. 2020, Scaling Laws for Autoregressive Generative Modeling (arXiv 2010.14701); Hestness et al. 2017 (arXiv 1712.00409)',
  description: 'L = E + A x^-a: irreducible loss E plus a power law in one variable x (size, tokens or compute).',
};
