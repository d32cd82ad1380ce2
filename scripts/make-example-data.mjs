// Writes the bundled example sweep: SYNTHETIC data drawn from a published law, not real runs.
// Law: Besiroglu et al. (2024)'s refit of Chinchilla, L = 1.817 + 482.0/N^0.348 + 2085.4/D^0.366,
// with C = 6ND; 8 IsoFLOP budgets x 7 model sizes; multiplicative noise, sd 1% of L, fixed seed.
import { writeFileSync, mkdirSync } from 'node:fs';

function mulberry32(seed) {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = mulberry32(20240417);
const gaussian = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
const law = (N, D) => 1.817 + 482.0 / N ** 0.348 + 2085.4 / D ** 0.366;

const rows = ['run,params,tokens,loss'];
const budgets = [1e18, 3e18, 1e19, 3e19, 1e20, 3e20, 1e21, 3e21];
let run = 0;
for (const C of budgets) {
  // Sizes around the law's compute-optimal N for this budget, 4x either side: N* = G (C/6)^(b/(a+b))
  // with G = (a A / (b B))^(1/(a+b)) (Hoffmann et al.'s closed form; G = 0.1198 here).
  const G = ((0.348 * 482.0) / (0.366 * 2085.4)) ** (1 / (0.348 + 0.366));
  const center = G * (C / 6) ** (0.366 / (0.348 + 0.366));
  for (let k = -3; k <= 3; k++) {
    const N = center * 4 ** (k / 3);
    const D = C / (6 * N);
    const L = law(N, D) * (1 + 0.01 * gaussian());
    rows.push(`r${String(++run).padStart(3, '0')},${N.toPrecision(4)},${D.toPrecision(4)},${L.toFixed(4)}`);
  }
}
for (const dir of ['examples/runs', 'test/fixtures/runs']) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}/sweep.csv`, rows.join('\n') + '\n');
}
console.log(`wrote ${rows.length - 1} synthetic runs`);
