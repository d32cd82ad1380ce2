// Tissue et al. 2024, "Scaling Law with Learning Rate Annealing".
import { formula, grid, param, type CatalogueEntry } from './types';

export const lrAnnealing: CatalogueEntry = {
  name: 'lr_annealing',
  formals: ['S1', 'S2'],
  target: 'L',
  formula: formula('L0 + A * S1^-alpha - C * S2'),
  params: [
    param('L0', 0, Infinity, [true, false], [1, 2, 3]),
    param('A', 0, Infinity, [false, false], grid(-3, 1, 1), true),
    param('alpha', 0, 3, [false, true], grid(0.25, 1.25, 0.25)),
    param('C', 0, Infinity, [true, false], [0, 0.5, 1]),
  ],
  source: 'Tissue et al. 2024, Scaling Law with Learning Rate Annealing (arXiv 2408.11029)',
  description:
    'L(s) = L0 + A S1^-alpha - C S2 with S1 the forward area (sum of learning rates) and S2 the momentum-smoothed annealing area.',
};
