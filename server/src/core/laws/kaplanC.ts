// Kaplan et al. 2020: loss vs compute on the compute-efficient frontier.
import { formula, grid, param, type CatalogueEntry } from './types';

export const kaplanC: CatalogueEntry = {
  name: 'kaplan_c',
  formals: ['C'],
  target: 'L',
  formula: formula('(Cc / C)^alphaC'),
  params: [
    param('Cc', 0, Infinity, [false, false], grid(10, 70, 10), true),
    param('alphaC', 0, 3, [false, true], grid(0.02, 0.32, 0.1)),
  ],
  source: 'Kaplan et al. 2020, Scaling Laws for Neural Language Models (arXiv 2001.08361), eq. 1.3',
  description: 'Pure power law in compute C (published: alphaC ≈ 0.050 with C in PF-days; Cc in the units of C).',
};
