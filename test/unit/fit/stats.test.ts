// Quantile functions against scipy.stats (values printed by scipy 1.x: stats.t.ppf, stats.chi2.ppf).
import assert from 'node:assert/strict';
import { chiSquare1Quantile, studentQuantile } from '../../../server/src/core/fit/stats';

describe('stats quantiles', () => {
  it('Student t quantiles match scipy.stats.t.ppf to 1e-9 relative', () => {
    // [df, t.ppf(0.95), t.ppf(0.975), t.ppf(0.995)]
    const scipy: [number, number, number, number][] = [
      [1, 6.313751514675037, 12.706204736174694, 63.656741162871526],
      [2, 2.9199855803537242, 4.302652729749462, 9.924843200918287],
      [3, 2.3533634348018233, 3.1824463052837078, 5.840909309733355],
      [5, 2.0150483733330233, 2.5705818356363146, 4.032142983555228],
      [10, 1.8124611228116756, 2.228138851986274, 3.16927267261695],
      [30, 1.697260886593957, 2.0422724563012378, 2.7499956535672254],
      [100, 1.6602343260853392, 1.9839715185235518, 2.6258905214380173],
    ];
    for (const [df, q95, q975, q995] of scipy) {
      for (const [p, want] of [
        [0.95, q95],
        [0.975, q975],
        [0.995, q995],
      ]) {
        const got = studentQuantile(p, df);
        assert.ok(Math.abs(got / want - 1) < 1e-9, `t(${p}, ${df}) = ${got}, scipy ${want}`);
        assert.ok(Math.abs(studentQuantile(1 - p, df) + want) < 1e-9 * want);
      }
    }
    assert.ok(Number.isNaN(studentQuantile(0.975, 0)));
  });

  it('chi-square(1) quantile matches scipy.stats.chi2.ppf(0.95, 1)', () => {
    // Acklam's normal quantile is good to ~1e-9; squared, ~3e-9 relative.
    assert.ok(Math.abs(chiSquare1Quantile(0.95) / 3.841458820694124 - 1) < 1e-8);
  });
});
