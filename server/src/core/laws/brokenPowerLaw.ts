// Caballero et al. 2023, "Broken Neural Scaling Laws", with one break.
import { formula, grid, param, type CatalogueEntry } from './types';

export const brokenPowerLaw: CatalogueEntry = {
  name: 'broken_power_law',
  formals: ['x'],
  target: 'L',
  formula: formula('a + b * x^-c0 * (1 + (x / d1)^(1 / f1))^(-c1 * f1)'),
  params: [
    param('a', 0, Infinity, [true, false], [0, 1, 2]),
    param('b', 0, Infinity, [false, false], grid(0, 10, 5), true),
    param('c0', 0, 3, [true, true], [0, 0.2, 0.5]),
    param('c1', -3, 3, [true, true], [0.1, 0.5]),
    param('d1', 0, Infinity, [false, false], grid(5, 25, 5), true),
    param('f1', 0, 10, [false, true], [0.3, 1]),
  ],
  source: 'Caballero et al. 2023, Broken Neural Scaling Laws (ICLR 2023, arXiv 2210.14891), eq. 1 with n = 1',
  description:
    'y = a + b x^-c0 (1 + (x/d1)^(1/f1))^(-c1 f1): slope c0 before the break at d1, c0 + c1 after it; f1 sets its sharpness.',
};
