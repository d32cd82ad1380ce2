// The built-in catalogue, by name. To add a law: a module like chinchilla.ts, listed here, and a
// recovery test in test/unit/laws.
import { brokenPowerLaw } from './brokenPowerLaw';
import { chinchilla } from './chinchilla';
import { kaplanC } from './kaplanC';
import { kaplanD } from './kaplanD';
import { kaplanN } from './kaplanN';
import { kaplanND } from './kaplanND';
import { lrAnnealing } from './lrAnnealing';
import { saturating } from './saturating';
import type { CatalogueEntry } from './types';

export const catalogue: Map<string, CatalogueEntry> = new Map(
  [chinchilla, kaplanN, kaplanD, kaplanND, kaplanC, saturating, brokenPowerLaw, lrAnnealing].map((l) => [l.name, l]),
);
