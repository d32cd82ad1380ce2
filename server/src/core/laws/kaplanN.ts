// Kaplan et al. 2020, "Scaling Laws for Neural Language Models": loss vs non-embedding parameters.
import { formula, grid, param, type CatalogueEntry } from './types';

export const kaplanN: CatalogueEntry = {
  name: 'kaplan_n',
  formals: ['N'],
  target: 'L',
  formula: formula('(Nc / N)^alphaN'),
  params: [
    param('Nc', 0, Infinity, [false, false], grid(20, 40, 5), true),
    param('alphaN', 0, 3, [false, true], grid(0.05, 0.5, 0.15)),
  ],
  source: 'Kaplan et al. 2020, Scaling Laws for Neural Language Models (arXiv 2001.08361), eq. 1.1',
  description: 'Pure power law in model size N (published: alphaN ≈ 0.076, Nc ≈ 8.8e13 non-embedding parameters).',
};
