// Kaplan et al. 2020: loss vs dataset size in tokens.
import { formula, grid, param, type CatalogueEntry } from './types';

export const kaplanD: CatalogueEntry = {
  name: 'kaplan_d',
  formals: ['D'],
  target: 'L',
  formula: formula('(Dc / D)^alphaD'),
  params: [
    param('Dc', 0, Infinity, [false, false], grid(20, 40, 5), true),
    param('alphaD', 0, 3, [false, true], grid(0.05, 0.5, 0.15)),
  ],
  source: 'Kaplan et al. 2020, Scaling Laws for Neural Language Models (arXiv 2001.08361), eq. 1.2',
  description: 'Pure power law in tokens D (published: alphaD ≈ 0.095, Dc ≈ 5.4e13 tokens).',
};
